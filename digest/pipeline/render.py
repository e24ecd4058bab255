"""Render: the Jinja2 environment (site templates over the built-in theme) and its filters."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import jinja2
from markupsafe import Markup

from digest import __version__
from digest.config import SiteConfig
from digest.errors import Diagnostic, DigestError
from digest.formats import escaping
from digest.formats.markdown import markdown_settings, render_markdown
from digest.incremental.cache import Cache
from digest.incremental.fragments import Fragment, Fragments
from digest.incremental.identity import key_of, tool_identity
from digest.incremental.reads import Reads, ReadTracking
from digest.model import MONTH_NAMES, WEEKDAY_NAMES, Article, day_path
from digest.parallel import in_background
from digest.pipeline.plan import Page, json_feed_url
from digest.project import TEMPLATES_DIR
from digest.slugs import slugify
from digest.words import words_for

if TYPE_CHECKING:
    from digest.incremental.fingerprint import Stamper

THEME_DIR = Path(__file__).resolve().parents[1] / "theme"


def format_date(value: dt.date | dt.datetime, style: str = "long") -> str:
    """Locale-independent English dates, so output never depends on the machine's locale.

    ``long``: Sunday, November 17, 2013 · ``medium``: November 17, 2013 ·
    ``short``: Nov 17, 2013 · ``month``: November 2013 · ``iso``: 2013-11-17.
    """
    if style == "iso":
        return value.isoformat()
    month = MONTH_NAMES[value.month - 1]
    if style == "long":
        return f"{WEEKDAY_NAMES[value.weekday()]}, {month} {value.day}, {value.year}"
    if style == "medium":
        return f"{month} {value.day}, {value.year}"
    if style == "short":
        return f"{month[:3]} {value.day}, {value.year}"
    if style == "month":
        return f"{month} {value.year}"
    raise ValueError(f"unknown date style {style!r} (long, medium, short, month, iso)")


def format_time(value: dt.datetime) -> str:
    return f"{value:%H:%M}"


def rfc3339(value: dt.datetime) -> str:
    """Every date-time we write (feeds, ``<time datetime>``, meta tags), e.g.
    ``2013-11-17T00:00:00+01:00``, or with ``Z`` for UTC.

    RFC 3339 and HTML offsets are whole minutes, but a zone's local mean time before
    standard time is not (Berlin until 1893: +00:53:28); such an instant is written in
    UTC, the same instant in a form every reader accepts. Seconds' fractions are dropped.
    """
    offset = value.utcoffset()
    if offset is not None and offset % _MINUTE:
        value = value.astimezone(dt.UTC)
    text = value.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_MINUTE = dt.timedelta(minutes=1)


_JSON = json.JSONEncoder(ensure_ascii=False)
"""The encoder ``json.dumps(value, ensure_ascii=False)`` uses, made once: ``dumps`` makes
one per call when given an option, and that was most of a value's time (a JSON feed's
entry has ten values, a feed fifty entries)."""


def json_value(value: object) -> Markup:
    """``value`` as JSON text, for the JSON feeds: UTF-8 as written (no ``\\u`` escapes),
    never HTML-escaped (the file is JSON, not HTML)."""
    if isinstance(value, tuple):
        value = list(value)
    return Markup(_JSON.encode(value))


@functools.lru_cache(maxsize=65536)
def uuid_urn(name: str) -> str:
    """A stable Atom id for a URL-like name: the same name gives the same id in every build.
    Kept per name: an article is an entry of the feeds of each of its topics, its source's
    and the site's."""
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def entry_id(article: Article) -> str:
    """An article's feed id follows its original URL, so it survives a move of the site."""
    return uuid_urn(article.canonical_url)


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, keyed by name and source
    checksum, so ``watch`` does not recompile the theme on every rebuild."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._store.get(bucket.key + bucket.checksum)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key + bucket.checksum] = bucket.bytecode_to_string()

    @property
    def filled(self) -> bool:
        return bool(self._store)

    def taken(self) -> dict[str, bytes]:
        return dict(self._store)

    def add(self, compiled: dict[str, bytes]) -> None:
        """Compiled templates from another process of this build; ours are kept."""
        for key, code in compiled.items():
            self._store.setdefault(key, code)


_BYTECODE: dict[str, _MemoryBytecodeCache] = {}
"""One cache per configuration: Jinja folds constant expressions such as
``'/assets/style.css'|url`` at compile time, so compiled code embeds the base path."""


def _bytecode_for(config: SiteConfig) -> _MemoryBytecodeCache:
    key = json.dumps(config.fingerprint_data(), sort_keys=True, default=str)
    return _BYTECODE.setdefault(key, _MemoryBytecodeCache())


AHEAD_FROM = 1000
"""Articles from which ``compile_ahead`` starts its process: a small site's build is over
before the process would be of use (and the test suite builds thousands of them)."""


def compile_ahead(root: Path, config: SiteConfig, jobs: int, articles: int) -> Callable[[], None]:
    """Start compiling every template of the site in a process of its own, beside the
    loading and planning of this one; returns the call that takes the compiled templates
    into this process (and so into the workers it forks to render), to be made before the
    first render. Each worker compiled the templates it used itself, a tenth of a second of
    every build that renders a page. Nothing here when ``jobs`` is 1 or the templates of
    this configuration are compiled already (``watch``'s rebuilds), or the site has fewer
    than ``AHEAD_FROM`` articles: the call does nothing.

    The compiled code comes from this build's own process, never from the cache; it is
    found by the template's name and source checksum, so a template that failed to compile
    there, or changed since, is compiled (and its error reported) when rendered."""
    store = _bytecode_for(config)
    if jobs <= 1 or store.filled or articles < AHEAD_FROM:
        return lambda: None

    def compile_all() -> dict[str, bytes]:
        try:
            env = Renderer(root, config).env
            names = env.list_templates()
        except Exception:  # the build's own renderer reports it
            return {}
        for name in names:
            try:
                env.get_template(name)
            except Exception:  # rendering it reports the problem, at its line
                continue
        return _bytecode_for(config).taken()

    pending = in_background(compile_all, jobs)
    return lambda: store.add(pending())


class Renderer:
    """Renders pages with the site's templates, falling back to the built-in theme."""

    def __init__(self, root: Path, config: SiteConfig, cache: Cache | None = None) -> None:
        self.root = root
        self.config = config
        self.cache = cache
        self.new_bodies: list[tuple[str, str]] = []
        """Bodies rendered (not found in the cache) since the caller last took them."""
        self._body_identity = key_of(
            tool_identity(),
            json.dumps(markdown_settings(config.allow_html, config.base_path), sort_keys=True),
        )
        # Read once: filters run hundreds of thousands of times in a build.
        self._base_path, self._site_url = config.base_path, config.site_url
        self._abs_urls: dict[str, str] = {}
        self.site_templates = root / TEMPLATES_DIR
        self.search_path = [str(self.site_templates), str(THEME_DIR / "templates")]
        # Records the article fields each page reads: see digest/incremental/reads.py.
        self.env = ReadTracking(
            loader=jinja2.FileSystemLoader(self.search_path),
            # Plain text (robots.txt) is not HTML: escaping would put ``&amp;`` in its URLs.
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "htm", "xml"),
                disabled_extensions=("txt",),
                default_for_string=True,
                default=True,
            ),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            bytecode_cache=_bytecode_for(config),
        )
        self.env.code_generator_class = escaping.ShortcutCodeGenerator
        words = self.words = words_for(config.language, config.strings)
        self.env.filters.update(
            url=self.url,
            abs_url=self.abs_url,
            date=words.date,
            time=format_time,
            rfc3339=rfc3339,
            day_path=day_path,
            uuid_urn=uuid_urn,
            entry_id=entry_id,
            slugify=slugify,
            json_feed=json_feed_url,
            json=json_value,
            body_html=self.body_html,
        )
        # Our string and date filters fail on an article: no need to watch them.
        self.env.track_filters(
            rejecting=(
                "url",
                "abs_url",
                "date",
                "time",
                "rfc3339",
                "day_path",
                "uuid_urn",
                "slugify",
                "json_feed",
                "json",
            )
        )
        self.env.tests["slugified"] = lambda name, slug: slugify(name) == slug
        self.env.globals.update(site=config, base_path=config.base_path, version=__version__)
        # The theme's words (digest/l10n.py): t('key', name=value), n('plural.key', count).
        self.env.globals.update(
            t=words.text,
            n=words.count,
            plain=words.plain,
            plain_count=words.plain_count,
            plural_forms=words.plural_forms,
            number=words.number,
            lang_attrs=words.lang_attrs,
            dir_attr=words.dir_attr,
            search_strings=words.search_strings,
        )

    def url(self, site_path: str) -> str:
        """A site path (``/2013/11/17/``) as a link carrying the base path."""
        return self._base_path + site_path.lstrip("/")

    def abs_url(self, site_path: str) -> str:
        """A site path as an absolute URL under ``base_url`` (feeds, canonical links)."""
        found = self._abs_urls.get(site_path)
        if found is None:  # every page links the same few dozen site paths absolutely
            found = self._abs_urls[site_path] = urljoin(self._site_url, site_path.lstrip("/"))
        return found

    def body_key(self, article: Article) -> str:
        """The cache key of the article's rendered body: the file's bytes (which the body
        is made from) and the Markdown settings. Not the body itself: an article page whose
        rendered body is cached need not fetch the Markdown (``digest.incremental.bodies``)."""
        return key_of(self._body_identity, article.content_hash)

    def body_html(self, article: Article) -> Markup:
        key = self.body_key(article)
        html = self.cache.get_body(key) if self.cache is not None else None
        if html is None:
            html = render_markdown(article.body, self.config.allow_html, self.config.base_path)
            self.new_bodies.append((key, html))
        return Markup(html)

    def take_reads(self) -> Reads:
        """Article fields read by the pages rendered since the last call (see
        ``digest.incremental.reads``)."""
        return self.env.take_reads()

    def take_new_bodies(self) -> list[tuple[str, str]]:
        taken, self.new_bodies = self.new_bodies, []
        return taken

    def keep_fragments(self, stamp: Stamper) -> None:
        """Keep what ``kept()`` renders of an article from one build to the next, and
        find what the last build kept (``digest.incremental.fragments``)."""
        self.env.fragments = Fragments(
            lambda: self.cache, stamp.identity, stamp.templates, self.body_key
        )

    def take_new_fragments(self) -> list[Fragment]:
        """The fragments rendered since the last call, for the cache."""
        return self.env.fragments.take() if self.env.fragments is not None else []

    def keys_in_use(self, articles: Iterable[Article]) -> tuple[Iterator[str], Iterator[str]]:
        """The keys of the bodies of ``articles`` and the identities of this build's
        fragments (by the templates there are): the cache drops the others' entries, and
        asks for these only then."""
        bodies = map(self.body_key, articles)
        fragments = self.env.fragments
        if fragments is None:
            return bodies, iter(())
        return bodies, map(fragments.ident, self.env.list_templates())

    def render(self, page: Page) -> bytes:
        """One page's bytes; template problems become DigestError at the template's line."""
        fragments = self.env.fragments
        if fragments is not None:  # its listed articles fetched at its first kept() call
            fragments.pending = page.context
        try:
            template = self.env.get_template(page.template)
            text = template.render(page=page, **page.context)
        except jinja2.TemplateSyntaxError as exc:
            raise DigestError.at(
                self._template_name(exc.filename), exc.lineno, exc.message or ""
            ) from None
        except jinja2.TemplateNotFound as exc:
            raise DigestError.at(
                self._template_name(None), 0, f"template {exc.name!r} not found"
            ) from None
        except Exception as exc:  # a template error at render time: point at the template
            where = self._template_frame(exc)
            if where is None:
                raise
            raise DigestError.at(where[0], where[1], f"{type(exc).__name__}: {exc}") from None
        finally:
            if fragments is not None:
                fragments.pending = None
        return text.encode("utf-8")

    def _template_name(self, filename: str | None) -> str:
        if not filename:
            return TEMPLATES_DIR
        path = Path(filename)
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return f"(built-in theme) {path.name}"

    def _template_frame(self, exc: BaseException) -> tuple[str, int] | None:
        dirs = [Path(p) for p in self.search_path]
        found = None
        for frame in traceback.extract_tb(exc.__traceback__):
            path = Path(frame.filename)
            if any(d in path.parents for d in dirs) and frame.lineno:
                found = (self._template_name(frame.filename), frame.lineno)
        return found


def check_templates(root: Path) -> None:
    """Refuse a symlink in ``templates/`` that leads outside the site project, as the
    content's and the static files' are refused: Jinja's loader would follow it and
    render whatever it points to into the site."""
    folder = root / TEMPLATES_DIR
    if not folder.is_dir():
        return
    project = root.resolve()
    problems = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back to a folder already walked: a loop, or a second name
            dirnames[:] = []
            continue
        seen.add(real)
        inside = []
        for name in sorted([*dirnames, *filenames]):
            path = Path(dirpath, name)
            if path.is_symlink() and project not in path.resolve().parents:
                rel = path.relative_to(root).as_posix()
                problems.append(Diagnostic(rel, 0, "symlink leads outside the site project"))
            elif name in dirnames:
                inside.append(name)
        dirnames[:] = inside
    if problems:
        raise DigestError(problems)
