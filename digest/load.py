"""Load: find ``content/**/*.md`` (sorted), split front-matter, validate -> articles + errors."""

from __future__ import annotations

import calendar
import datetime as dt
import errno
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from digest import records
from digest.cache import Cache, key_of, tool_identity
from digest.errors import Diagnostic
from digest.frontmatter import fast_front_matter
from digest.langtags import language_tag_problem
from digest.markdown import summarize
from digest.model import FIRST_DAY, LAST_DAY, Article
from digest.parallel import ordered_map
from digest.records import ParseResult, Record
from digest.slugs import name_key, slug_problem, slugify
from digest.urls import canonical_url, site_path_problem, web_url_problem

CONTENT_DIR = "content"
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
        "draft",
        "lang",
    }
)

MAX_ARTICLE_BYTES = 10_000_000
"""Larger files are refused unread: Markdown rendering time grows with size, and a
file this big in ``content/`` is a mistake, not an article."""
MAX_TOPICS = 100
"""Topics one article may list: each is two output files (its page and its feed)."""
MAX_DEPTH = 20
"""Nesting of front-matter values (the top-level mapping is level 1)."""

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AliasError(Exception):
    """A YAML alias in front-matter; the node it repeats starts on ``line`` (0-based)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _DuplicateKeyError(Exception):
    """A key given twice in one mapping: at ``line``, first at ``first`` (both 0-based)."""

    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key, line, first)
        self.key, self.line, self.first = key, line, first


class FrontMatterLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML without implicit timestamps: we parse dates ourselves, with our messages
    (PyYAML would raise a bare ValueError for ``2013-02-30``). Aliases are refused: a few
    lines of them (a "billion laughs") expand to more data than any machine holds for
    whatever walks or copies the values. A key given twice is refused: PyYAML keeps the
    last value without a word, and the user meant one of them."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Every node is constructed once; meeting one again means an alias repeats it.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _AliasError(node.start_mark.line)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                ident, line = (key_node.tag, key_node.value), key_node.start_mark.line
                if ident in seen:
                    raise _DuplicateKeyError(str(key_node.value), line, seen[ident])
                seen[ident] = line
        return super().construct_mapping(node, deep)


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_FM_HANDLER = frontmatter.YAMLHandler()
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:", re.MULTILINE)
_DATETIME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    # An offset with seconds (a local mean time, as Python prints one) is read to be refused
    # by name rather than as "not a date".
    r"(?:(?P<utc>Z)|(?P<offset>[+-](?P<oh>\d{2}):?(?P<om>\d{2})(?::(?P<os>\d{2}))?))?)?",
    re.IGNORECASE,
)
_RANGE = f"the supported range {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
# Not calendar.month_name: that follows the machine's locale.
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file found on disk."""

    path: Path
    rel: str
    """Path relative to the site root, posix separators: the name used in messages."""


@dataclass(slots=True)
class LoadResult:
    articles: list[Article]
    """Valid articles, in path order (drafts included only when asked for)."""
    errors: list[Diagnostic]
    cache_keys: list[str] = field(default_factory=list)
    """The cache entry of every file read, to keep them and drop the rest."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """What is worth saying but stops nothing (a ``.MD`` file left unread)."""


Discovered = tuple[list[SourceFile], list[Diagnostic], list[Diagnostic]]
"""``discover``'s answer: the content files, the problems met finding them, and warnings."""

_MARKDOWN_LOOKALIKE = (".md", ".markdown", ".mdown", ".mkd")
"""Endings (any case) of files that look meant as articles though only ``.md`` is read."""


def discover(root: Path) -> Discovered:
    """Every ``*.md`` under ``root/content``, sorted by path; hidden files and folders skipped.

    Symlinks are followed while they stay inside the site project; one leading out, or a
    loop, is an error rather than a silent skip.
    """
    content = root / CONTENT_DIR
    found: list[SourceFile] = []
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    if not content.is_dir():
        return found, errors, warnings
    real_root = root.resolve()
    seen_dirs: set[str] = set()

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def walk(folder: Path) -> Iterator[Path]:
        real = os.path.realpath(folder)
        if real in seen_dirs:
            errors.append(Diagnostic(rel(folder), 0, "symlink loop: folder already visited"))
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            errors.append(Diagnostic(rel(folder), 0, f"cannot read folder: {exc.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink() and not _inside(Path(os.path.realpath(path)), real_root):
                errors.append(
                    Diagnostic(rel(path), 0, "symlink leads outside the site project; refused")
                )
                continue
            try:
                is_dir = entry.is_dir()
                if not is_dir and entry.name.endswith(".md") and entry.is_symlink():
                    os.stat(path)  # a broken link or a loop raises here
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    message = "symlink loop: it leads back to itself"
                elif exc.errno == errno.ENOENT:
                    message = "broken symlink: what it points to does not exist"
                else:
                    message = f"cannot read: {exc.strerror}"
                errors.append(Diagnostic(rel(path), 0, message))
                continue
            if is_dir:
                yield from walk(path)
            elif entry.name.endswith(".md") and entry.is_file():
                yield path
            elif entry.name.lower().endswith(_MARKDOWN_LOOKALIKE) and entry.is_file():
                # Left out without a word, an article named ``x.MD`` would just be missing.
                message = "not read: articles end in .md"
                warnings.append(Diagnostic(rel(path), 0, message))

    for path in walk(content):
        found.append(SourceFile(path, rel(path)))
    found.sort(key=lambda f: f.rel)
    return found, errors, warnings


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def load_articles(
    root: Path,
    tz: ZoneInfo,
    drafts: bool = False,
    cache: Cache | None = None,
    jobs: int = 1,
    found: Discovered | None = None,
) -> LoadResult:
    """Load and validate every article under ``root/content``; all problems are collected.

    A file whose bytes were parsed before (same path, timezone and tool) comes from the
    cache; the others are parsed. Both happen in ``jobs`` processes, reading included:
    this process only collects, so it is not the one all the others wait for. ``found``:
    ``discover(root)``, when the caller already asked (its list is not changed).
    """
    files, errors, warnings = found if found is not None else discover(root)
    errors = list(errors)
    identity = tool_identity()

    def load(source: SourceFile) -> _Loaded:
        return _load_one(source, tz, identity, cache)

    results: list[ParseResult] = []
    keys: list[str] = []
    for key, result, record in ordered_map(load, files, jobs):
        results.append(result)
        if key is None:  # not read: nothing to cache
            continue
        keys.append(key)
        if cache is not None and record is not None:
            cache.put_record(key, record)

    articles: list[Article] = []
    for article, problems in results:
        errors.extend(problems)
        if article is not None and (drafts or not article.draft):
            articles.append(article)
    return LoadResult(articles, errors, keys, list(warnings))


_Loaded = tuple[str | None, ParseResult, Record | None]
"""(cache key, or None when the file was not read; the result; its record when the cache
should store it, i.e. the file was parsed rather than found in the cache)."""


def _load_one(source: SourceFile, tz: ZoneInfo, identity: str, cache: Cache | None) -> _Loaded:
    try:
        size = source.path.stat().st_size
        if size > MAX_ARTICLE_BYTES:  # refused unread: it may be gigabytes
            limit = f"articles are limited to {MAX_ARTICLE_BYTES // 1_000_000} MB"
            message = f"file is {size / 1e6:.1f} MB; {limit}"
            return None, (None, [Diagnostic(source.rel, 0, message)]), None
        data = source.path.read_bytes()
    except FileNotFoundError:
        # Deleted since it was listed: the site is built as if it had never been there
        # (the next build sees the folder as it is then).
        return None, (None, []), None
    except OSError as exc:
        return None, (None, [Diagnostic(source.rel, 0, f"cannot read: {exc.strerror}")]), None
    key = key_of(identity, tz.key, source.rel, data)
    found = cache.get_record(key) if cache is not None else None
    if found is not None:
        try:
            return key, records.decode(*found, tz), None
        except records.BadRecord:  # damaged or foreign: parsed again, and stored anew
            pass
    result = parse_article(source.rel, data, tz)
    return key, result, records.encode(result)


def decode_text(rel: str, data: bytes) -> tuple[str | None, Diagnostic | None]:
    """UTF-8 text with a BOM dropped and line endings made ``\\n``; invalid UTF-8 is an error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Diagnostic(rel, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front-matter YAML, body, line where the body starts), or None when the text does not
    open with a ``---`` line or never closes it."""
    if not _FM_HANDLER.detect(text):
        return None
    try:
        fm, body = _FM_HANDLER.split(text)
    except ValueError:
        return None
    # ``fm`` starts with the newline that ends line 1 (the opening ``---``) and ends with
    # the one before the closing ``---``; ``body`` starts with the newline after it.
    body_line = fm.count("\n") + 2
    return fm, body[1:] if body.startswith("\n") else body, body_line


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
        if _FM_HANDLER.detect(text):
            return None, [Diagnostic(rel, 1, "front-matter is not closed by a '---' line")]
        return None, [Diagnostic(rel, 1, "no front-matter: the file must start with a '---' line")]
    fm_text, body, body_line = split
    meta, problem = _load_yaml(rel, fm_text)
    if problem is not None:
        return None, [problem]
    return _validate(rel, data, meta, fm_text, body, body_line, tz)


def _unconstructable(fm_text: str) -> tuple[int, str]:
    """(line, key) of the first top-level value PyYAML cannot construct, or (1, '')."""
    try:
        node = yaml.compose(fm_text, Loader=FrontMatterLoader)
    except Exception:  # the composer failing too leaves nothing more precise to say
        return 1, ""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            try:
                FrontMatterLoader("").construct_object(value_node, deep=True)
            except Exception:
                return key_node.start_mark.line + 1, str(key_node.value)
    return 1, ""


def _load_yaml(rel: str, fm_text: str) -> tuple[dict[str, Any], Diagnostic | None]:
    meta = fast_front_matter(fm_text, FrontMatterLoader)  # None: not sure, PyYAML decides
    if meta is not None:  # a non-empty mapping of scalars and lists of them: no checks due
        return meta, None
    try:
        meta = yaml.load(fm_text, Loader=FrontMatterLoader)
    except _AliasError as exc:
        message = "YAML anchors and aliases are not allowed in front-matter"
        return {}, Diagnostic(rel, exc.line + 1, message)
    except _DuplicateKeyError as exc:
        message = f"{exc.key}: given twice (first on line {exc.first + 1})"
        return {}, Diagnostic(rel, exc.line + 1, message)
    except yaml.MarkedYAMLError as exc:
        # A value nested too deep gets the message of the check below whichever layer
        # refuses it first: libyaml's own limit, or an error after the value.
        mark = exc.problem_mark or exc.context_mark
        too_deep = _too_deep_problem(rel, fm_text, mark.line + 1 if mark else 1)
        if too_deep is not None:
            return {}, too_deep
        # The context mark points at what was left open (a ``[`` or a key), which is
        # where the user has to look; the problem mark is often the end of the text.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        what = ": ".join(p for p in (exc.context, exc.problem) if p) or "malformed"
        return {}, Diagnostic(rel, line, f"invalid YAML in front-matter: {what}")
    except yaml.YAMLError as exc:
        return {}, Diagnostic(rel, 1, f"invalid YAML in front-matter: {exc}")
    except RecursionError:  # pure-Python PyYAML (no libyaml) composes recursively
        too_deep = _too_deep_problem(rel, fm_text, 1)
        return {}, too_deep or Diagnostic(rel, 1, "invalid YAML in front-matter: nested too deeply")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # PyYAML's constructors raise plain errors when a value does not fit its type
        # (``!!int 'abc'``, an untagged ``0x_``): still the user's input, never a traceback.
        line, key = _unconstructable(fm_text)
        where = f"{key}: " if key else ""
        return {}, Diagnostic(
            rel, line, f"{where}invalid YAML value in front-matter ({type(exc).__name__}: {exc})"
        )
    if meta is None:
        return {}, Diagnostic(rel, 1, "front-matter is empty (title, source, date and url needed)")
    if not isinstance(meta, dict):
        return {}, Diagnostic(
            rel, 2, f"front-matter must be a mapping of keys to values, not {_yaml_kind(meta)}"
        )
    for key, value in meta.items():
        if _too_deep(value, MAX_DEPTH - 1):
            return {}, _too_deep_diagnostic(rel, fm_text, key)
    return meta, None


def _too_deep_diagnostic(rel: str, fm_text: str, key: Any) -> Diagnostic:
    line = _key_lines(fm_text).get(key, 1) if isinstance(key, str) else 1
    return Diagnostic(rel, line, f"{key}: nested more than {MAX_DEPTH} levels deep")


def _too_deep_problem(rel: str, fm_text: str, line: int) -> Diagnostic | None:
    """``_load_yaml``'s own nesting message, for front-matter YAML refused before that check
    could see the value: libyaml's own limit (1,000 levels, since the libyaml of PyYAML
    6.0.4), pure-Python PyYAML's recursion, or any error met after a value already nested too
    deep. At the first top-level key whose value is too deep; at ``line`` when a key itself
    is. None when nothing nests too deep before the error."""
    outcome, key, depth = _walk_depth(fm_text, _BaseLoader)
    if outcome == "limit" and depth == 0:
        # libyaml refused the first node before any event of it: the pure-Python parser has
        # no limit and needs no recursion, and is quick here, the deep part being at the start.
        outcome, key, depth = _walk_depth(fm_text, yaml.SafeLoader)
    if outcome == "list":  # what the check after loading says of it
        return Diagnostic(rel, 2, "front-matter must be a mapping of keys to values, not a list")
    if outcome is None:
        return None
    if key is not _NO_KEY:
        return _too_deep_diagnostic(rel, fm_text, key)
    return Diagnostic(rel, line, f"front-matter nested more than {MAX_DEPTH} levels deep")


_NESTING_LIMIT = "maximum nesting depth"
"""What libyaml's own nesting limit says (the ``problem`` of its ScannerError)."""
_NO_KEY = object()


def _walk_depth(fm_text: str, loader_class: type) -> tuple[str | None, Any, int]:
    """(outcome, key, depth) of reading the parser events of ``fm_text`` until a level is
    more than ``MAX_DEPTH`` deep. Outcome: "deep" (in the value of top-level ``key``, or in a
    key: ``_NO_KEY``), "list" (in a top-level list), "limit" (libyaml's nesting limit, which
    it meets before handing over the events of a flow collection still open on the line:
    ``key`` is the top-level key whose value was being read, ``depth`` the depth reached in
    the events), or None (an other error, or nothing too deep)."""
    loader = FrontMatterLoader("")
    depth, key, is_key, top_list = 0, _NO_KEY, True, False
    try:
        for event in yaml.parse(fm_text, Loader=loader_class):
            if isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue  # stream and document starts and ends
            if depth == 0:
                top_list = isinstance(event, yaml.SequenceStartEvent)
            elif depth == 1 and not top_list:  # key, value, key, value ... of the top mapping
                if is_key:
                    key = _scalar_key(loader, event)
                is_key = not is_key
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return ("list" if top_list else "deep"), key, depth
    except yaml.MarkedYAMLError as exc:
        if _NESTING_LIMIT in (exc.problem or ""):
            if top_list:
                return "list", _NO_KEY, depth
            in_value = depth > 1 or (depth == 1 and not is_key)
            return "limit", (key if in_value else _NO_KEY), depth
    except yaml.YAMLError:
        pass
    return None, _NO_KEY, depth


def _scalar_key(loader: Any, event: Any) -> Any:
    """A top-level key as ``yaml.load`` makes it (``1: [...]`` is the key ``1``)."""
    if not isinstance(event, yaml.ScalarEvent):
        return _NO_KEY  # a collection (or an alias, refused anyway) as a key
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    try:
        return loader.construct_object(yaml.ScalarNode(tag, event.value, style=event.style))
    except Exception:  # ``!!int abc:``: the key as written is the best name for it
        return event.value


def _too_deep(value: Any, levels: int) -> bool:
    """Whether lists and mappings nest deeper than ``levels`` in ``value``; iterative, as
    the value may nest thousands deep (a tree: aliases were refused)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > levels:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _key_lines(fm_text: str) -> dict[str, int]:
    """The file line of each top-level key of the front-matter."""
    return {m.group(1): fm_text.count("\n", 0, m.start()) + 1 for m in _KEY_LINE.finditer(fm_text)}


def _validate(
    rel: str,
    data: bytes,
    meta: dict[str, Any],
    fm_text: str,
    body: str,
    body_line: int,
    tz: ZoneInfo,
) -> tuple[Article | None, list[Diagnostic]]:
    key_lines = _key_lines(fm_text)
    problems: list[Diagnostic] = []

    def fail(key: str, message: str) -> None:
        problems.append(Diagnostic(rel, key_lines.get(key, 1), f"{key}: {message}"))

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
            fail(key, f"expected text, got {_yaml_kind(value)}")
            return ""
        text = " ".join(str(value).split())
        if not visible(text):
            fail(key, "must not be empty")
            return ""
        return text

    title = required_text("title")
    source = required_text("source")
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

    author = optional_text("author")
    image = optional_text("image")
    if image.startswith("/"):
        if p := site_path_problem(image):
            fail("image", p)
    elif image and (p := web_url_problem(image)):
        fail(
            "image",
            p if p.startswith("must") else p + " (or a path on this site starting with '/')",
        )
    lang = optional_text("lang")
    if lang and (p := language_tag_problem(lang)):
        fail("lang", p)
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        fail("draft", f"expected true or false, got {_yaml_kind(draft)}")
    summary = optional_text("summary") if "summary" in meta else ""

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
        lang=lang,
        draft=bool(draft),
        extra=extra,
        lines=key_lines,
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
        return None, False, f"expected a date (YYYY-MM-DD), got {_yaml_kind(value)}"
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
        return f"{_MONTH_NAMES[month - 1]} {year:04d} has {days} days"
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


def _topics(value: Any, fail: Callable[[str, str], None]) -> tuple[str, ...]:
    """The names of ``topics:``, once each. A YAML number is refused, alone or in a list:
    YAML reads ``1.10`` as 1.1 and ``0x1F`` as 31, so the name shown would not be the one
    typed; quoted (``"2013"``), it is a name like any other."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        fail("topics", f"expected a list of names or one name, got {_yaml_kind(value)}")
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
            fail("topics", f"each topic must be a name, got {_yaml_kind(item)}")
            return ()
        name = " ".join(item.split())
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


def _yaml_kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
