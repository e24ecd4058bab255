"""Site configuration from ``digest.toml``: typed, with defaults, every problem located."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import Diagnostic, DigestError
from digest.l10n import Text, base_language, language_warning, shipped_table, strings_problems
from digest.langtags import language_tag_problem
from digest.slugs import name_key, slugify
from digest.urls import web_url_problem

CONFIG_NAME = "digest.toml"
CONTENT_DIR = "content"
STRINGS_DIR = "strings"
"""The site's own theme words, one file per language: ``strings/<language>.toml``."""


def project_problem(root: Path) -> Diagnostic | None:
    """Why ``root`` is not a site project, or None when it is: it must hold ``content/`` or
    ``digest.toml``. A mistyped ``--root`` would otherwise build an empty site, or check
    nothing and say "no errors"."""
    if (root / CONTENT_DIR).is_dir() or (root / CONFIG_NAME).is_file():
        return None
    return Diagnostic(
        str(root), 0, f"not a site project (no {CONTENT_DIR}/ folder or {CONFIG_NAME}); see --root"
    )


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Settings of one site; every field has a default so no ``digest.toml`` is needed."""

    title: str = "Digest"
    """The site's name, shown in the header, titles and feeds."""
    description: str = "A daily digest of news articles."
    """Used as the meta description of pages that have none of their own."""
    base_url: str = "http://localhost/"
    """Absolute URL the site is published at; its path is the base path of every link."""
    timezone: str = "UTC"
    """IANA zone: an article's day is its date in this zone."""
    language: str = "en"
    """Default ``lang`` of pages and articles."""
    days_per_page: int = 7
    """Days listed on each home page (``/``, ``/page/N/``)."""
    per_page: int = 50
    """Articles on each topic and source page."""
    cname: str = ""
    """When set, written to ``/CNAME`` for a custom domain on GitHub Pages."""
    allow_html: bool = False
    """Let raw HTML in Markdown through; off, it is shown escaped."""
    search: bool = False
    """Build ``/search/`` (needs the ``search`` extra)."""
    stories: bool = True
    """Group the articles about one news development into stories (``/stories/<id>/``)."""
    strings: tuple[tuple[str, Text], ...] = ()
    """The site's own theme words (``strings/<language>.toml``, then ``[strings]`` over it),
    over the language's: see digest/l10n.py."""
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Automatic topic rules: (topic, keywords) for articles whose front-matter has none."""
    path: str = field(default=CONFIG_NAME, compare=False)
    """Where the settings came from, for messages."""
    base_url_set: bool = field(default=False, compare=False)
    """Whether ``base_url`` was given (else the default, which links to localhost)."""
    language_line: int = field(default=0, compare=False)
    """The line of ``language`` in ``path``, for the warning about it."""

    @property
    def base_path(self) -> str:
        """The path part of ``base_url``, always starting and ending with ``/``."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def site_url(self) -> str:
        """``base_url`` with a trailing slash."""
        return self.base_url if self.base_url.endswith("/") else self.base_url + "/"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_base_url(self, base_url: str) -> SiteConfig:
        """A copy with another ``base_url`` (``--base-url``), validated like the file's."""
        problem = _base_url_problem(base_url)
        if problem:
            raise DigestError.at("--base-url", 0, problem)
        return replace(self, base_url=base_url, base_url_set=True)

    @property
    def warnings(self) -> list[Diagnostic]:
        """What a build warns of in these settings: a language the theme has no words in,
        unless the site's own strings give every one of them."""
        own = {key for key, _ in self.strings}
        missing = sum(key not in own for key in shipped_table("en"))
        message = language_warning(self.language, missing)
        return [Diagnostic(self.path, self.language_line, message)] if message else []

    def fingerprint_data(self) -> dict[str, Any]:
        """Every setting, for cache keys: a page depends on the config it is rendered with."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.compare}


_TYPES: dict[str, type] = {
    "title": str,
    "description": str,
    "base_url": str,
    "timezone": str,
    "language": str,
    "days_per_page": int,
    "per_page": int,
    "cname": str,
    "allow_html": bool,
    "search": bool,
    "stories": bool,
}
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def _base_url_problem(url: str) -> str | None:
    problem = web_url_problem(url)
    if problem:
        return f"base_url: {problem}"
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return f"base_url: {url!r} must not have a query or fragment"
    # The base path goes into every link, plain-text outputs included, as it is written.
    if found := _NOT_IN_URLS.search(url):
        char = found.group()
        return (
            f"base_url: {url!r} contains {char!r}, which a URL cannot hold; write it "
            f"percent-encoded (%{ord(char):02X})"
        )
    return None


_NOT_IN_URLS = re.compile(r'["<>\\^`{|}]')
"""ASCII characters RFC 3986 allows nowhere in a URL (whitespace and control characters
``web_url_problem`` refuses already)."""


class _KeyLines:
    """Finds the line of a key in TOML text, since ``tomllib`` keeps no positions."""

    _TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
    _KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, str], int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if m := self._TABLE.match(line):
                table = m.group(1).strip().strip("\"'")
                self._lines.setdefault((table, ""), number)
            elif m := self._KEY.match(line):
                key = m.group(1)
                if key[:1] in "\"'":
                    key = key[1:-1]
                self._lines.setdefault((table, key), number)

    def line(self, key: str, table: str = "") -> int:
        return self._lines.get((table, key)) or self._lines.get((table, "")) or 1


def load_config(root: Path) -> SiteConfig:
    """Read ``root/digest.toml`` (defaults when absent); raises DigestError with all problems."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return with_strings_file(SiteConfig(), root)
    return with_strings_file(parse_config(_read_text(path, CONFIG_NAME), CONFIG_NAME), root)


def _read_text(path: Path, name: str) -> str:
    """A settings file as text; not UTF-8 or unreadable a located error."""
    try:
        data = path.read_bytes()
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DigestError.at(name, line, "not valid UTF-8") from None
    except OSError as exc:
        raise DigestError.at(name, 0, f"cannot read: {exc.strerror}") from None


def strings_file(root: Path, language: str) -> Path | None:
    """The site's words file for ``language``: ``strings/<tag>.toml``, else the file of
    its base language (``strings/pt.toml`` for ``pt-BR``)."""
    for tag in dict.fromkeys((language, base_language(language))):
        path = root / STRINGS_DIR / f"{tag}.toml"
        if path.is_file():
            return path
    return None


def with_strings_file(config: SiteConfig, root: Path) -> SiteConfig:
    """``config`` with the words of the site's ``strings/<language>.toml`` under its
    ``[strings]`` (which wins, key by key); every problem of the file located in it."""
    path = strings_file(root, config.language)
    if path is None:
        return config
    name = path.relative_to(root).as_posix()
    data, lines = _toml(_read_text(path, name), name)
    problems: list[Diagnostic] = []
    words = dict(_strings(data, lines, name, problems, table=""))
    if problems:
        raise DigestError(problems)
    words.update(config.strings)
    return replace(config, strings=tuple(sorted(words.items())))


def _toml(text: str, name: str) -> tuple[dict[str, Any], _KeyLines]:
    """TOML text as data and the lines of its keys; invalid TOML a located error."""
    # Windows editors save a BOM and CRLF (Notepad), old Mac ones CR: TOML allows only CRLF
    # and LF, and no BOM. Read them as an article file is read, one line per line.
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(m.group(1)) if m else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise DigestError.at(name, line, f"invalid TOML: {message}") from None
    return data, _KeyLines(text)


def parse_config(text: str, name: str = CONFIG_NAME) -> SiteConfig:
    """Parse and validate TOML text; raises DigestError listing every problem."""
    data, lines = _toml(text, name)
    problems: list[Diagnostic] = []
    values: dict[str, Any] = {}

    for key, value in data.items():
        if key in ("topics", "strings"):
            continue
        expected = _TYPES.get(key)
        if expected is None:
            known = ", ".join(sorted([*_TYPES, "strings", "topics"]))
            problems.append(
                Diagnostic(name, lines.line(key), f"unknown setting {key!r} (known: {known})")
            )
            continue
        # bool is a subclass of int: `per_page = true` must not pass as 1.
        if type(value) is not expected:
            problems.append(
                Diagnostic(
                    name,
                    lines.line(key),
                    f"{key}: expected {_TYPE_NAMES[expected]}, got {_toml_type(value)}",
                )
            )
            continue
        values[key] = value

    for key, problem in _value_problems(values):
        problems.append(Diagnostic(name, lines.line(key), problem))

    topics: list[tuple[str, tuple[str, ...]]] = []
    topic_slugs: dict[str, str] = {}
    raw_topics = data.get("topics", {})
    if not isinstance(raw_topics, dict):
        problems.append(
            Diagnostic(name, lines.line("topics"), "topics: expected a table of keyword lists")
        )
        raw_topics = {}
    for topic, keywords in raw_topics.items():
        line = lines.line(topic, "topics")
        if isinstance(keywords, str):
            keywords = [keywords]
        if not isinstance(keywords, list) or not all(
            isinstance(k, str) and k.strip() for k in keywords
        ):
            problems.append(
                Diagnostic(name, line, f"topics.{topic}: expected a list of non-empty strings")
            )
            continue
        slug = slugify(topic)
        if not slug:
            problems.append(
                Diagnostic(name, line, f"topics: {topic!r} has no letters or digits for a slug")
            )
            continue
        if (first := topic_slugs.setdefault(slug, topic)) != topic:
            # Two rules for one topic page: the articles of one would show under the other.
            if name_key(first) == name_key(topic):
                message = f"topics: {topic!r} is {first!r} again; give it one keyword list"
            else:
                message = (
                    f"topics: {topic!r} and {first!r} are different names with one slug "
                    f"({slug!r}); tell them apart by a letter or digit"
                )
            problems.append(Diagnostic(name, line, message))
            continue
        topics.append((topic, tuple(k.strip() for k in keywords)))

    strings = _strings(data.get("strings", {}), lines, name, problems)
    if problems:
        raise DigestError(problems)
    return SiteConfig(
        **values,
        strings=strings,
        topics=tuple(topics),
        path=name,
        base_url_set="base_url" in values,
        language_line=lines.line("language") if "language" in data else 0,
    )


def _strings(
    raw: Any, lines: _KeyLines, name: str, problems: list[Diagnostic], table: str = "strings"
) -> tuple[tuple[str, Text], ...]:
    """``[strings]`` (or a words file, ``table=""``): theme words by key (``"nav.latest" =
    "Últimas"``, a plural as a table of CLDR categories); every unknown key or bad value a
    located error."""
    if not isinstance(raw, dict):
        problems.append(Diagnostic(name, lines.line("strings"), "strings: expected a table"))
        return ()
    found = []
    for key, problem, value in strings_problems(raw):
        if problem:
            problems.append(Diagnostic(name, _strings_line(lines, key, table), problem))
        else:
            found.append((key, value))
    return tuple(sorted(found))


def _strings_line(lines: _KeyLines, key: str, table: str = "strings") -> int:
    """A dotted key's line: written whole (``"nav.latest" =``) or as a table of its own."""
    head, _, last = key.rpartition(".")
    dot = f"{table}." if table else ""
    for where in ((table, key), (f"{dot}{head}", last), (f"{dot}{key}", "")):
        if where in lines._lines:
            return lines._lines[where]
    return lines.line("", table) if table else 1


def _value_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    if "base_url" in values and (p := _base_url_problem(values["base_url"])):
        problems.append(("base_url", p))
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                ("timezone", f"timezone: unknown time zone {values['timezone']!r} (e.g. 'UTC')")
            )
    for key in ("days_per_page", "per_page"):
        if key in values and values[key] < 1:
            problems.append((key, f"{key}: must be at least 1, got {values[key]}"))
    if values.get("cname"):
        cname = values["cname"]
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)+", cname):
            problems.append(("cname", f"cname: {cname!r} is not a domain name"))
    if "language" in values and (p := language_tag_problem(values["language"])):
        problems.append(("language", f"language: {p}"))
    if "title" in values and not values["title"].strip():
        problems.append(("title", "title: must not be empty"))
    return problems


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
