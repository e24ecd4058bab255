"""An article file's fields validated into an ``Article``: the rules of
DESIGN section 3, every problem at the line of its key.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.clustering.items import override_problem
from digest.errors import Diagnostic
from digest.formats.frontmatter import (
    FM_HANDLER,
    decode_text,
    key_lines,
    load_yaml,
    split_front_matter,
    yaml_kind,
)
from digest.formats.reading import reading_minutes
from digest.formats.summary import summarize
from digest.langtags import language_tag_problem
from digest.model import FIRST_DAY, LAST_DAY, MONTH_NAMES, Article
from digest.slugs import name_key, slug_problem, slugify
from digest.urls import canonical_url, site_path_problem, web_url_problem

KNOWN_KEYS = frozenset(
    {
        "title",
        "source",
        "date",
        "url",
        "topics",
        "summary",
        "slug",
        "author",
        "image",
        "image_alt",
        "draft",
        "lang",
        "story",
    }
)

MAX_TOPICS = 100
"""Topics one article may list: each is two output files (its page and its feed)."""

_DATETIME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    # An offset with seconds (a local mean time, as Python prints one) is read to be refused
    # by name rather than as "not a date".
    r"(?:(?P<utc>Z)|(?P<offset>[+-](?P<oh>\d{2}):?(?P<om>\d{2})(?::(?P<os>\d{2}))?))?)?",
    re.IGNORECASE,
)
_RANGE = f"the supported range {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def parse_article(rel: str, data: bytes, tz: ZoneInfo) -> tuple[Article | None, list[Diagnostic]]:
    """One file's bytes to an Article, or None and the reasons it is not one."""
    text, problem = decode_text(rel, data)
    if problem is not None:
        return None, [problem]
    assert text is not None
    if not text.strip():
        return None, [Diagnostic(rel, 1, "empty file (expected front-matter between '---' lines)")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Diagnostic(rel, line, "contains a NUL byte")]
    split = split_front_matter(text)
    if split is None:
        if FM_HANDLER.detect(text):
            return None, [Diagnostic(rel, 1, "front-matter is not closed by a '---' line")]
        return None, [Diagnostic(rel, 1, "no front-matter: the file must start with a '---' line")]
    fm_text, body, body_line = split
    meta, problem = load_yaml(rel, fm_text)
    if problem is not None:
        return None, [problem]
    return _validate(rel, data, meta, fm_text, body, body_line, tz)


def _validate(
    rel: str,
    data: bytes,
    meta: dict[str, Any],
    fm_text: str,
    body: str,
    body_line: int,
    tz: ZoneInfo,
) -> tuple[Article | None, list[Diagnostic]]:
    lines_of = key_lines(fm_text)
    problems: list[Diagnostic] = []

    def fail(key: str, message: str) -> None:
        problems.append(Diagnostic(rel, lines_of.get(key, 1), f"{key}: {message}"))

    for key in meta:
        if not isinstance(key, str):
            problems.append(Diagnostic(rel, 1, f"front-matter key {key!r} is not text"))

    def required_text(key: str) -> str:
        if key not in meta:
            problems.append(Diagnostic(rel, 1, f"missing required field '{key}'"))
            return ""
        if meta[key] is None:  # ``title:`` or ``title: null``: there, but empty
            fail(key, "must not be empty")
            return ""
        return optional_text(key)

    def optional_text(key: str) -> str:
        value = meta.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            fail(key, f"expected text, got {yaml_kind(value)}")
            return ""
        text = " ".join(str(value).split())
        if not visible(text):
            fail(key, "must not be empty")
            return ""
        return text

    title = closed_bidi(required_text("title"))
    source = closed_bidi(required_text("source"))
    if source and not slugify(source):
        fail("source", f"{source!r} has no letters or digits to make a slug from")

    url = required_text("url")
    if url and (p := web_url_problem(url)):
        fail("url", p)
        url = ""

    published, has_time = None, False
    if "date" not in meta:
        problems.append(Diagnostic(rel, 1, "missing required field 'date'"))
    elif meta["date"] is None:
        fail("date", "must not be empty")
    else:
        published, has_time, message = parse_date(meta["date"], tz)
        if message:
            fail("date", message)

    topics = _topics(meta.get("topics"), fail)

    slug = ""
    if "slug" in meta:
        slug = optional_text("slug")
        if slug and (p := slug_problem(slug)):
            fail("slug", p)
    else:
        stem = Path(rel).stem
        slug = stem if slug_problem(stem) is None else slugify(stem)
        if not slug:
            problems.append(
                Diagnostic(rel, 1, f"file name {stem!r} gives no slug; add a 'slug' field")
            )

    author = closed_bidi(optional_text("author"))
    image = optional_text("image")
    if image.startswith("/"):
        if p := site_path_problem(image):
            fail("image", p)
    elif image and (p := web_url_problem(image)):
        fail(
            "image",
            p if p.startswith("must") else p + " (or a path on this site starting with '/')",
        )
    image_alt = optional_text("image_alt")
    lang = optional_text("lang")
    if lang and (p := language_tag_problem(lang)):
        fail("lang", p)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        fail("draft", f"expected true or false, got {yaml_kind(draft)}")
    summary = closed_bidi(optional_text("summary")) if "summary" in meta else ""
    story = meta.get("story")
    if "story" in meta and (p := override_problem(story)):
        fail("story", p)

    if problems or published is None:
        return None, problems

    extra = {k: v for k, v in meta.items() if k not in KNOWN_KEYS}
    article = Article(
        path=rel,
        title=title,
        source=source,
        url=url,
        canonical_url=canonical_url(url),
        published=published,
        has_time=has_time,
        slug=slug,
        topics=topics,
        summary=summary or summarize(body),
        body=body,
        body_line=body_line,
        content_hash=hashlib.blake2b(data, digest_size=16).hexdigest(),
        author=author,
        image=image,
        image_alt=image_alt,
        lang=lang,
        draft=bool(draft),
        story=story if isinstance(story, str) else "",
        story_alone=story is False,
        reading_time=reading_minutes(body),
        extra=extra,
        lines=lines_of,
    )
    return article, []


def parse_date(value: Any, tz: ZoneInfo) -> tuple[dt.datetime | None, bool, str]:
    """(aware date-time in ``tz``, whether a time was given, problem or '').

    ``YYYY-MM-DD``, or that with a time (``T`` or a space, seconds and their fraction
    optional) and an offset (``Z``, ``+HH:MM``, ``+HHMM``); a time without one is in ``tz``.
    Dates outside FIRST_DAY..LAST_DAY are refused, as written and in ``tz``: nothing
    downstream (timezone conversion, timestamps, the days around) can overflow then.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, False, f"expected a date (YYYY-MM-DD), got {yaml_kind(value)}"
    text = str(value).strip()
    m = _DATETIME.fullmatch(text)
    if m is None:
        return None, False, f"{text!r} is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    has_time = m["hour"] is not None
    problem = _date_problem(year, month, day)
    if problem is None and has_time:
        problem = _time_problem(int(m["hour"]), int(m["minute"]), int(m["second"] or 0))
    if problem is not None:
        return None, False, f"{text!r} is not a date ({problem})"
    if m["offset"] is not None:
        oh, om = int(m["oh"]), int(m["om"])
        if m["os"] is not None:
            whole = m["offset"][:3] + ":" + m["om"]
            message = f"has an offset of {m['offset']}; offsets are whole minutes (e.g. {whole})"
            return None, False, f"{text!r} {message}"
        if oh > 23 or om > 59:
            shown = f"{m['offset'][:3]}:{m['om']}"
            message = f"has an offset of {shown}; offsets are between -23:59 and +23:59"
            return None, False, f"{text!r} {message}"
    if not FIRST_DAY <= dt.date(year, month, day) <= LAST_DAY:
        return None, False, f"{text!r} is outside {_RANGE}"
    if not has_time:
        return dt.datetime(year, month, day, tzinfo=tz), False, ""
    micro = int((m["fraction"] or "0")[:6].ljust(6, "0"))
    moment = dt.datetime(
        year, month, day, int(m["hour"]), int(m["minute"]), int(m["second"] or 0), micro
    )
    if m["utc"] is not None:
        moment = moment.replace(tzinfo=dt.UTC).astimezone(tz)
    elif m["offset"] is not None:
        sign = -1 if m["offset"][0] == "-" else 1
        offset = dt.timedelta(hours=int(m["oh"]), minutes=int(m["om"])) * sign
        moment = moment.replace(tzinfo=dt.timezone(offset)).astimezone(tz)
    else:
        moment = moment.replace(tzinfo=tz)
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        where = f"{moment.date().isoformat()} in the site's timezone ({tz.key})"
        return None, False, f"{text!r} is {where}, outside {_RANGE}"
    return moment, True, ""


def _date_problem(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if day == 0:
        return "there is no day 00"
    # Year 0 has no datetime; any leap year has the same month lengths.
    days = calendar.monthrange(year or 2000, month)[1]
    if day > days:
        return f"{MONTH_NAMES[month - 1]} {year:04d} has {days} days"
    return None


def _time_problem(hour: int, minute: int, second: int) -> str | None:
    if hour > 23:
        return "hours are 00 to 23: write 00:00 of the next day"
    if minute > 59:
        return "minutes are 00 to 59"
    if second > 59:
        return "seconds are 00 to 59; leap seconds are not supported"
    return None


def visible(text: str) -> bool:
    """Whether ``text`` shows anything: not only spaces, controls and invisible format
    characters (zero-width space and joiners, word joiner, BOM)."""
    return any(unicodedata.category(c) not in _INVISIBLE for c in text)


_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})

_EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, closed by PDF (U+202C)
_ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, closed by PDI (U+2069)


def closed_bidi(text: str) -> str:
    """``text`` with every bidirectional embedding, override and isolate it opens closed at
    its end. A name is shown inside other text (a list item with its source and date, a
    page's ``<title>``, a feed entry): an override left open there, such as a lone RLO,
    would reverse everything after the name too. Balanced or absent controls: unchanged."""
    if not any("\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" for c in text):
        return text
    stack: list[str] = []
    for c in text:
        if c in _EMBEDDINGS or c in _ISOLATES:
            stack.append(c)
        elif c == "\u202c":
            # A PDF closes the innermost embedding, but not across an open isolate.
            if stack and stack[-1] in _EMBEDDINGS:
                stack.pop()
        elif c == "\u2069":
            # A PDI closes the innermost isolate and every embedding opened inside it.
            while stack and stack[-1] not in _ISOLATES:
                stack.pop()
            if stack:
                stack.pop()
    return text + "".join("\u2069" if c in _ISOLATES else "\u202c" for c in reversed(stack))


def _topics(value: Any, fail: Callable[[str, str], None]) -> tuple[str, ...]:
    """The names of ``topics:``, once each. A YAML number is refused, alone or in a list:
    YAML reads ``1.10`` as 1.1 and ``0x1F`` as 31, so the name shown would not be the one
    typed; quoted (``"2013"``), it is a name like any other."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        fail("topics", f"expected a list of names or one name, got {yaml_kind(value)}")
        return ()
    if len(items) > MAX_TOPICS:
        fail("topics", f"{len(items)} topics; an article may have at most {MAX_TOPICS}")
        return ()
    names: list[str] = []
    by_slug: dict[str, str] = {}
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            fail("topics", f"{item!r} is a number, not a name (in quotes it is one)")
            return ()
        if not isinstance(item, str):
            fail("topics", f"each topic must be a name, got {yaml_kind(item)}")
            return ()
        name = closed_bidi(" ".join(item.split()))
        slug = slugify(name)
        if not slug:
            fail("topics", f"{name!r} has no letters or digits to make a slug from")
            return ()
        first = by_slug.get(slug)
        if first is None:
            by_slug[slug] = name
            names.append(name)
        elif name_key(first) != name_key(name):
            fail("topics", f"{first!r} and {name!r} are different names with one slug ({slug!r})")
            return ()
    return tuple(names)
