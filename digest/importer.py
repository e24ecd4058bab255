"""Import: raw scraped article text (the seed's form) -> front-matter Markdown under ``content/``.

A raw article reads, top to bottom::

    Syria, Russia to Discuss Peace Conference on Monday      <- title
    By [The Moscow Times](#)                                 <- byline
    November 17, 2013                                        <- date line
    The  **Moscow Times**                                    <- brand line (optional)
    A Syrian government delegation ...                       <- body, Markdown as written
    Original url:
    <https://www.themoscowtimes.com/...>                     <- url

Blank lines between the parts are optional. The rules, chosen so that a wrong guess never
loses text silently:

- **Title**: the first non-empty line, with a Markdown heading marker (``# ``, and an ATX
  closing ``#`` run) removed, and emphasis wrapping the whole line (``**...**``) unwrapped.
  A first line that is a date line, the ``Original url:`` label, or a byline with no other
  byline after it is not a title: "no title".
- **Header**: the non-empty lines straight after the title that are the byline and the date
  line, in either order, each once. Header lines are compared with links reduced to their
  text and emphasis stripped, so ``*By Jane Doe*`` and ``**November 17, 2013**`` count.
- **Byline**: ``By NAME`` (also ``BY``, ``By:``; links reduced to their text; at most 12
  words, not ending like a sentence -- ``By Monday, talks will resume.`` is the story, so a
  file whose only "byline" is that fails instead of losing its first paragraph). The source
  is the publication:

  - ``By Jane Doe for The Guardian`` -> the part after the last `` for ``;
  - ``By Jane Doe, Reuters`` -> the part after the last comma, unless that part is a job
    title (``Staff Writer``, ``Correspondent``, ... : then it is dropped and the rest
    decides) or continues a list of people (``By A, B and C``);
  - ``By Jane Doe and John Roe`` (``and`` / ``&``, or a comma list of people) names only
    people: the source is a brand line when one follows the header (a one-line paragraph of
    at most six words that does not read like a sentence), else the names as written;
  - ``By Reuters`` / ``By Jane Doe``: one name, which we cannot tell a person from a
    publication by; the name is the source.
- **Brand line**: the first non-empty line after the header, dropped when, with emphasis
  stripped and whitespace collapsed, it equals the source ignoring case (it only repeats
  the source) -- or when it supplied the source, as above. Any other line there is body.
- **Date**: ``November 17, 2013``, ``Nov. 17, 2013``, ``Nov 17 2013``, ``17 November 2013``,
  ``2013-11-17``, ``17.11.2013`` (day.month.year); ordinals (``17th``), a leading weekday
  (``Sunday, ...``) and a trailing time (``10:42 AM``, ``at 10:42 GMT``, ``T10:42:00Z``)
  are allowed; only the date is kept. A date-shaped line that is no real date
  (``February 30, 2013``) is an error on that line.
- **Url**: the last ``Original url:`` line; the URL on the same line or the next non-empty
  one, bare, in angle brackets or as a Markdown link. It must be an absolute http(s) URL.
- **Body**: every line between the header and the ``Original url:`` line, as written (blank
  lines at either end trimmed). Text after the url block, if any, is appended to the body
  rather than lost.
- **Not raw articles**: empty or whitespace-only files, binary files (a NUL byte), invalid
  UTF-8, and files that already have front-matter (they belong in ``content/`` as they are).

``digest import`` never loses or duplicates an article: a raw article whose canonical url
(``digest.urls.canonical_url``) is already in ``content/`` -- or earlier in the same run --
is skipped as a duplicate; paths that would collide get ``-2``, ``-3``... slugs (also
against existing articles of the same day and slug anywhere under ``content/``, which the
build would reject); files are created with an exclusive hard link from a complete temporary
file, so an existing file is never overwritten and an interrupted import leaves no partial
file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from digest.errors import Diagnostic, DigestError
from digest.load import FrontMatterLoader, decode_text, split_front_matter, visible
from digest.model import FIRST_DAY, LAST_DAY
from digest.progress import Progress
from digest.slugs import name_key, slugify
from digest.urls import canonical_url, web_url_problem

RAW_SUFFIXES = (".txt", ".md")
DEFAULT_SLUG = "article"

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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


# --- parsing ----------------------------------------------------------------------------

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


# --- writing ----------------------------------------------------------------------------


def render_article(raw: RawArticle, topics: Sequence[str] = ()) -> str:
    """The content file for ``raw``: front-matter per DESIGN section 3, then the body.

    Values go through a YAML dumper so titles with colons, quotes, ``#`` or a leading ``-``
    read back exactly as written.
    """
    meta: dict[str, Any] = {
        "title": raw.title,
        "source": raw.source,
        "date": raw.date,
        "url": raw.url,
    }
    if topics:
        meta["topics"] = list(topics)
    front = yaml.dump(
        meta,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=2**30,
        default_flow_style=None,
    )
    body = raw.body.rstrip("\n")
    return f"---\n{front}---\n{body}\n" if body else f"---\n{front}---\n"


# errno values meaning "this file system cannot hard-link", not "this write failed".
_NO_HARD_LINKS = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS", "EMLINK", "EACCES")
    )
    if code is not None
)


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, whole or not at all; False when it already exists.

    The data goes to a temporary file in the same folder, which is then hard-linked to its
    name: ``link`` fails rather than replace an existing file, even one created a moment
    ago by someone else. Where hard links are not supported, an ``O_EXCL`` create is the
    fallback (still never overwrites; removed again if writing fails).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            return _write_exclusive(path, data)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_exclusive(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


# --- the command --------------------------------------------------------------------------


@dataclass(slots=True)
class _Content:
    """What ``content/`` already holds that an import must not duplicate or collide with."""

    urls: dict[str, str]
    """canonical url -> display path of the article (or raw file) that has it."""
    taken: set[tuple[str, str]]
    """(YYYY-MM-DD, slug) of every article, existing or imported in this run."""


def _scan_content(content_dir: Path) -> _Content:
    """Canonical urls and (day, slug) pairs of the articles already in ``content_dir``.

    Broken files are skipped: they are ``digest check``'s business, not the import's.
    """
    known = _Content({}, set())
    for path in sorted(_walk(content_dir, (".md",)), key=lambda p: p.as_posix()):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        text, _ = decode_text(path.as_posix(), data)
        split = split_front_matter(text) if text else None
        if split is None:
            continue
        try:
            # The build's loader: no implicit timestamps, so ``date: 2013-02-30`` in some
            # other article cannot stop us from reading its ``url``.
            meta = yaml.load(split[0], Loader=FrontMatterLoader)
            url = meta.get("url") if isinstance(meta, dict) else None
            if isinstance(url, str) and url.strip():
                known.urls.setdefault(canonical_url(url), path.as_posix())
        except Exception:  # a broken article is `digest check`'s to report, not ours
            continue
        if not isinstance(meta, dict):
            continue
        day = str(meta.get("date", ""))[:10]
        slug = meta.get("slug")
        slug = slug if isinstance(slug, str) and slug else path.stem
        known.taken.add((day, slug))
    return known


def _walk(folder: Path, suffixes: tuple[str, ...], skip: Path | None = None) -> Iterator[Path]:
    """Files with one of ``suffixes`` under ``folder``; hidden entries and ``skip`` left out."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            if entry.is_dir():
                if skip is None or not _same(path, skip):
                    yield from _walk(path, suffixes, skip)
            elif entry.name.endswith(suffixes) and entry.is_file():
                yield path
        except OSError:
            continue


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _inputs(
    paths: Iterable[Path], content_dir: Path
) -> tuple[list[Path], list[Diagnostic], list[Diagnostic]]:
    """Raw files to import, sorted by path, each once; then the paths that do not exist
    (errors) and the folders with nothing to import (warnings)."""
    found: dict[str, Path] = {}
    missing: list[Diagnostic] = []
    empty: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()
    for given in paths:
        if given.is_dir():
            candidates: list[Path] = list(_walk(given, RAW_SUFFIXES, content_dir))
            if not candidates:
                empty.append(Diagnostic(given.as_posix(), 0, "no *.txt or *.md files in folder"))
        elif given.is_file():
            candidates = [given]
        else:
            missing.append(Diagnostic(given.as_posix(), 0, "no such file or folder"))
            continue
        for path in candidates:
            try:
                stat = path.stat()
            except OSError:  # vanished meanwhile: reading it will say so
                found[path.as_posix()] = path
                continue
            if (stat.st_dev, stat.st_ino) not in seen:  # the same file named twice
                seen.add((stat.st_dev, stat.st_ino))
                found[path.as_posix()] = path
    return [found[key] for key in sorted(found)], missing, empty


def run_import(
    paths: list[Path],
    *,
    content_dir: Path,
    dry_run: bool,
    topics: list[str],
    root: Path,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Import raw article files into ``content_dir``; 0 when none failed, else 1.

    Prints each written file (or, with ``dry_run``, each file it would write) on stdout,
    each failure as ``path:line: error: ...`` and each duplicate as a note on stderr, and a
    final ``imported N, duplicates N, failed N`` line. Duplicates are not failures.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    # ``root`` is unused: the CLI derives content_dir from it, and paths are shown as given.
    topic_names = _check_topics(topics)
    files, missing, empty = _inputs(paths, content_dir)
    progress = Progress(err, len(files))
    report = progress.print
    for diagnostic in missing:
        report(diagnostic.format(), err)
    for diagnostic in empty:
        report(diagnostic.format("warning"), err)
    known = _scan_content(content_dir)
    imported = duplicates = 0
    failed = len(missing)
    made_dirs: set[Path] = set()
    try:
        for done, path in enumerate(files, start=1):
            name = path.as_posix()
            try:
                raw = parse_raw_bytes(path.read_bytes(), name)
                canonical = canonical_url(raw.url)
                if (other := known.urls.get(canonical)) is not None:
                    duplicates += 1
                    note = f"duplicate of {other} (same canonical url), skipped"
                    report(Diagnostic(name, 0, note).format("note"), err)
                    continue
                data = render_article(raw, topic_names).encode("utf-8")
                target = _place(name, raw, data, content_dir, known, dry_run, made_dirs)
                known.urls[canonical] = target.as_posix()
                imported += 1
                report(f"would write {target.as_posix()}" if dry_run else target.as_posix(), out)
            except DigestError as exc:
                failed += 1
                for diagnostic in exc.diagnostics:
                    report(diagnostic.format(), err)
            except OSError as exc:
                failed += 1
                report(Diagnostic(name, 0, f"cannot read: {exc.strerror or exc}").format(), err)
            finally:
                progress.update(done)
    finally:
        progress.clear()
    summary = f"imported {imported}, duplicates {duplicates}, failed {failed}"
    print(summary + (" (dry run: nothing written)" if dry_run else ""), file=out)
    out.flush()
    return 1 if failed else 0


def _check_topics(topics: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for topic in topics:
        name = " ".join(topic.split())
        slug = slugify(name)
        if not slug:
            problems.append(
                Diagnostic("--topics", 0, f"{name!r} has no letters or digits to name a topic")
            )
        elif slug not in seen:
            seen[slug] = name
            names.append(name)
        elif name_key(seen[slug]) != name_key(name):
            message = f"{seen[slug]!r} and {name!r} are different names with one slug ({slug!r})"
            problems.append(Diagnostic("--topics", 0, message))
    if problems:
        raise DigestError(problems)
    return names


def _place(
    name: str,
    raw: RawArticle,
    data: bytes,
    content_dir: Path,
    known: _Content,
    dry_run: bool,
    made_dirs: set[Path],
) -> Path:
    """Write ``data`` as ``content_dir/YYYY/MM/DD/<slug>.md`` with the first free slug
    (``slug``, ``slug-2``, ...); the path it took (or would take, with ``dry_run``).

    A write that fails is a ``DigestError`` about ``name``, the raw file being imported.
    """
    day = raw.date.isoformat()
    folder = content_dir / f"{raw.date.year:04d}" / f"{raw.date.month:02d}" / f"{raw.date.day:02d}"
    base = slugify(raw.title) or DEFAULT_SLUG
    number = 1
    while True:
        slug = base if number == 1 else f"{base}-{number}"
        number += 1
        target = folder / f"{slug}.md"
        if (day, slug) in known.taken or os.path.lexists(target):
            continue
        if dry_run:
            break
        try:
            if folder not in made_dirs:
                folder.mkdir(parents=True, exist_ok=True)
                made_dirs.add(folder)
            if _write_new(target, data):
                break
        except OSError as exc:
            message = f"cannot write {target.as_posix()}: {exc.strerror or exc}"
            raise DigestError(Diagnostic(name, 0, message)) from exc
    known.taken.add((day, slug))
    return target
