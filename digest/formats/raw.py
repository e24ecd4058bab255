"""The raw article format that ``digest import`` reads: scraped article text (the seed's form)
parsed into title, source, date, body and url, with no file touched.

A raw article reads, top to bottom::

    Syria, Russia to Discuss Peace Conference on Monday      <- title
    By [The Moscow Times](#)                                 <- byline
    November 17, 2013                                        <- date line
    The  **Moscow Times**                                    <- brand line (optional)
    A Syrian government delegation ...                       <- body, Markdown as written
    Original url:
    <https://www.themoscowtimes.com/...>                     <- url

The rules, chosen so that a wrong guess never loses text silently, are those of
``docs/import-format.md``; the importer's tests (``tests/import_cases/``) hold them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from digest.errors import Diagnostic, DigestError
from digest.formats.article import visible
from digest.formats.frontmatter import decode_text, split_front_matter
from digest.model import FIRST_DAY, LAST_DAY
from digest.slugs import slugify
from digest.urls import web_url_problem


@dataclass(frozen=True, slots=True)
class RawArticle:
    """What a raw article file says, before it becomes a content file."""

    title: str
    """Whitespace collapsed, heading marker removed."""
    source: str
    """The publication, from the byline or the brand line."""
    date: dt.date
    url: str
    """As written in the ``Original url:`` block (not canonicalised)."""
    body: str
    """Markdown as written, without the brand line; no leading or trailing blank lines."""


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")
_HEADING_OPEN = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_WRAPPED = re.compile(r"^(\*{1,2}|_{1,2})(?P<inner>\S(?:.*\S)?)\1$")
_BYLINE = re.compile(r"^by(?:\s*:\s*|\s+)(?P<who>\S.*)$", re.IGNORECASE)
_URL_LABEL = re.compile(
    r"^\s*[*_]*original\s*url\s*[*_]*\s*:\s*[*_]*\s*(?P<rest>.*?)\s*$", re.IGNORECASE
)
_ANGLE = re.compile(r"^<(?P<url>[^<>]*)>$")
_MD_LINK = re.compile(r"^\[[^\]]*\]\((?P<url>[^()\s]*)\)$")

_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_TIME = (
    r"(?:\s*(?:,|\||-|–|—|at|T)?\s*\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?:[ap]\.?\s?m\.?)?\s*(?:Z|[A-Z]{2,5}|(?:UTC|GMT)?\s?[+−-]\d{1,2}(?::?\d{2})?)?)?"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_FORMS = tuple(
    re.compile(rf"^{_WEEKDAY}{form}{_TIME}$", re.IGNORECASE)
    for form in (
        rf"(?P<month>[a-z]{{3,9}})\.?\s+(?P<day>\d{{1,2}}){_ORD},?\s+(?P<year>\d{{4}})",
        rf"(?P<day>\d{{1,2}}){_ORD}\.?\s+(?P<month>[a-z]{{3,9}})\.?,?\s+(?P<year>\d{{4}})",
        r"(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})",
        r"(?P<day>\d{1,2})\.(?P<mon>\d{1,2})\.(?P<year>\d{4})",
    )
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# Job titles that may follow a person's name after a comma: not the publication.
_ROLES = frozenset(
    {
        "staff",
        "staff writer",
        "staff writers",
        "staff reporter",
        "staff correspondent",
        "reporter",
        "writer",
        "correspondent",
        "special correspondent",
        "foreign correspondent",
        "senior correspondent",
        "chief correspondent",
        "contributor",
        "contributing writer",
        "contributing editor",
        "columnist",
        "editor",
        "senior editor",
        "senior writer",
    }
)
_FOR = re.compile(r"\sfor\s", re.IGNORECASE)
_PEOPLE_JOIN = re.compile(r"\s(?:and|&)\s", re.IGNORECASE)
_MAX_BYLINE_WORDS = 12
# "By Monday, talks will resume." is a sentence, not a byline ("By Jane Doe Jr." is one).
_SENTENCE_END = re.compile(r"(?:[!?:;]|\w{4,}\.)$")
_MAX_BRAND_WORDS = 6
_MAX_BRAND_CHARS = 60
_NOT_BRAND_END = tuple(".!?:;,\"'”’)-–—")
_BLOCK_START = re.compile(r"^\s*(?:[#>|<`~]|[-+*]\s|\d+[.)]\s)")


def _plain(line: str) -> str:
    """A header line as a reader sees it: links reduced to their text, emphasis gone,
    whitespace collapsed."""
    if "[" in line:
        line = _LINK.sub(r"\1", line)
    if "*" in line or "_" in line:
        line = _EMPHASIS.sub("", line)
    return " ".join(line.split())


@dataclass(slots=True)
class _Byline:
    line: int
    source: str
    people_only: bool
    """True when the byline names only people, so a brand line may name the publication."""


def _byline(plain: str, line: int) -> _Byline | None:
    """The byline on this (plain) header line, or None when it is not one."""
    match = _BYLINE.match(plain)
    if match is None:
        return None
    who = match.group("who").strip()
    if len(who.split()) > _MAX_BYLINE_WORDS or _SENTENCE_END.search(who):
        return None
    fors = _FOR.split(who)
    if len(fors) > 1 and fors[-1].strip():
        return _Byline(line, fors[-1].strip(), False)
    parts = [p.strip() for p in who.split(",")]
    parts = [p for p in parts if p]
    while len(parts) > 1 and parts[-1].casefold() in _ROLES:
        parts.pop()
    if len(parts) > 1:
        last = parts[-1]
        if last.casefold().startswith(("and ", "& ")) or _PEOPLE_JOIN.search(last):
            return _Byline(line, ", ".join(parts), True)
        return _Byline(line, last, False)
    name = parts[0] if parts else who
    return _Byline(line, name, bool(_PEOPLE_JOIN.search(name)))


def _date(plain: str) -> tuple[int, int, int] | None:
    """(year, month, day) when this (plain) line is a date line, not yet validated."""
    for form in _DATE_FORMS:
        match = form.match(plain)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("month") is not None:
            month = _MONTHS.get(groups["month"].lower())
            if month is None:
                continue
        else:
            month = int(groups["mon"])
        return int(groups["year"]), month, int(groups["day"])
    return None


def _same_name(a: str, b: str) -> bool:
    """Equal ignoring case, also for letters whose case does not round-trip (``ı`` -> ``I``),
    since mastheads are often in capitals."""
    return a.casefold() == b.casefold() or a.upper().casefold() == b.upper().casefold()


def _looks_like_brand(line: str, plain: str) -> bool:
    """A masthead rather than the start of the story: short, no sentence, no block syntax."""
    return (
        0 < len(plain) <= _MAX_BRAND_CHARS
        and len(plain.split()) <= _MAX_BRAND_WORDS
        and plain[0].isalnum()
        and not plain.endswith(_NOT_BRAND_END)
        and not _BLOCK_START.match(line)
        and "](" not in line
    )


def _title(line: str) -> str:
    text = line.strip()
    if _HEADING_OPEN.match(text):
        text = _HEADING_CLOSE.sub("", _HEADING_OPEN.sub("", text, count=1))
        if set(text.strip()) <= {"#"}:
            text = ""
    wrapped = _WRAPPED.match(text.strip())
    if wrapped:
        text = wrapped.group("inner")
    return " ".join(text.split())


def _url_token(token: str) -> str:
    token = token.strip()
    for pattern in (_ANGLE, _MD_LINK):
        match = pattern.match(token)
        if match:
            return match.group("url").strip()
    return token


def parse_raw_bytes(data: bytes, name: str) -> RawArticle:
    """``parse_raw`` for a file's bytes: binary and invalid UTF-8 are errors with their line."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DigestError.at(name, line, "binary file (contains a NUL byte), not article text")
    text, problem = decode_text(name, data)
    if problem is not None:
        raise DigestError(problem)
    assert text is not None
    return parse_raw(text, name)


def parse_raw(text: str, name: str) -> RawArticle:
    """Read one raw article; every problem found is raised together as a ``DigestError``
    whose diagnostics are located in ``name`` (line numbers count from 1)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        raise DigestError.at(name, 1, "empty file (expected a raw article: title, byline, ...)")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DigestError.at(name, line, "binary file (contains a NUL byte), not article text")
    if split_front_matter(text) is not None:
        raise DigestError.at(
            name, 1, "already an article (has front-matter): copy it into content/ instead"
        )
    lines = text.split("\n")
    count = len(lines)
    blank = [not line.strip() for line in lines]
    first = next((i for i in range(count) if not blank[i]), None)
    if first is None:
        raise DigestError.at(name, 1, "empty file (only whitespace)")
    problems: list[Diagnostic] = []

    def fail(index: int, message: str) -> None:
        problems.append(Diagnostic(name, index + 1, message))

    # The url block: the last "Original url:" line.
    label = next((i for i in range(count - 1, first - 1, -1) if _is_label(lines[i])), None)
    url = ""
    end = count  # body (and header) stop here
    tail: list[str] = []
    if label is None:
        last = max(i for i in range(count) if not blank[i])
        fail(last, "no 'Original url:' line found (expected after the body, with the URL)")
    else:
        end = label
        match = _URL_LABEL.match(lines[label])
        assert match is not None
        rest, url_index = match.group("rest"), label
        if not rest:
            url_index = next((i for i in range(label + 1, count) if not blank[i]), -1)
            rest = lines[url_index] if url_index >= 0 else ""
        url = _url_token(rest)
        if not url or (":" not in url and " " in url):
            fail(label, "'Original url:' is not followed by a URL")
            url = ""
        elif problem := web_url_problem(url):
            fail(url_index, f"url: {problem}")
            url = ""
        tail_start = max(label, url_index) + 1
        tail = lines[tail_start:] if url else []

    # Title: the first non-empty line, unless it is plainly something else.
    title = ""
    title_index = first
    head = first + 1
    first_plain = _plain(lines[first])
    title_byline: _Byline | None = None
    if first == label or _date(first_plain) is not None:
        head = first
    else:
        title = _title(lines[first])
        title_byline = _byline(first_plain, first + 1)

    # Header: byline and date, each once, in either order.
    byline: _Byline | None = None
    date_at: tuple[int, tuple[int, int, int]] | None = None
    i = head
    while True:
        while i < end and blank[i]:
            i += 1
        if i >= end:
            break
        plain = _plain(lines[i])
        if byline is None and (found := _byline(plain, i + 1)) is not None:
            byline = found
        elif date_at is None and (ymd := _date(plain)) is not None:
            date_at = (i, ymd)
        else:
            break
        i += 1
    if byline is None and title_byline is not None:
        byline, title = title_byline, ""
    # Where the header stopped is where a missing part belongs (or its last line, at the end).
    expected_at = (
        i if i < end else max((k for k in range(first, end) if not blank[k]), default=first)
    )
    if not visible(title):  # a line of control or zero-width characters is no headline
        fail(title_index, "no title (expected the headline on the first non-empty line)")

    # Brand line: repeats the source, or names it when the byline names only people.
    source = byline.source if byline else ""
    if byline is not None and i < end:
        brand = _plain(lines[i])
        one_line = i + 1 >= end or blank[i + 1]
        if _same_name(brand, source):
            i += 1
        elif byline.people_only and one_line and _looks_like_brand(lines[i], brand):
            source = brand
            i += 1
    if byline is None:
        fail(expected_at, "no byline (By ...) found after the title")
    elif not slugify(source):
        fail(byline.line - 1, f"byline: source {source!r} has no letters or digits")

    date: dt.date | None = None
    if date_at is None:
        fail(expected_at, "no date line found after the title (e.g. 'November 17, 2013')")
    else:
        index, (year, month, day) = date_at
        try:
            date = dt.date(year, month, day)
        except ValueError as exc:
            fail(index, f"date: {_plain(lines[index])!r} is not a valid date ({exc})")
        else:
            if not FIRST_DAY <= date <= LAST_DAY:  # a build would refuse the file we wrote
                supported = f"the supported range {FIRST_DAY} to {LAST_DAY}"
                fail(index, f"date: {_plain(lines[index])!r} is outside {supported}")
                date = None

    if problems or date is None:
        raise DigestError(problems)

    body = "\n\n".join(part for part in (_trim(lines[i:end]), _trim(tail)) if part)
    return RawArticle(title, source, date, url, body)


def _trim(lines: list[str]) -> str:
    """The lines as written, without blank lines at either end."""
    start, stop = 0, len(lines)
    while start < stop and not lines[start].strip():
        start += 1
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    return "\n".join(lines[start:stop])


def _is_label(line: str) -> bool:
    return "rl" in line.lower() and _URL_LABEL.match(line) is not None
