"""Reads: which fields of articles each page's templates read while it was rendered.

A page's fingerprint hashes every article in its context whole, so an edit to one article's
body marks every page listing that article (its day, its topics, the pages that show it as
related ...) as changed, although those pages show only its title and summary. ``watch``
must not re-render a hundred pages for a typo, and must not guess either: which fields a
user's own template shows is not known in advance.

So the templates are watched as they render. Attribute and item lookups in Jinja go through
``Environment.getattr``/``getitem`` (the hooks Jinja's own sandbox uses); ``ReadTracking``
records the name of every lookup on an ``Article``. Anything that could expose an article
beyond named fields (printing it, passing it to a filter that stringifies or serialises it,
a method call, an unknown attribute) records ``EVERYTHING``. Rendering is deterministic,
so a page whose render read only fields that an edit left unchanged renders to the same
bytes again, and need not be rendered.

The reads of each rendered page are kept in ``.digest-cache/`` beside the manifest
(``PageReads``), valid only together with the fingerprint of the render they came from.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.utils import _PassArg

from digest.model import Article

EVERYTHING = "*"
"""A read that may depend on any field: the page is re-rendered on any change."""

MAX_PATHS = 64
"""Past this many articles, a field's read is kept as "of every article" (``None``): a month
page reading the titles of 450 articles re-renders on any title change anyway."""

Reads = dict[str, frozenset[str] | None]
"""Field name (or ``EVERYTHING``) -> paths of the articles whose field was read; ``None``
for "any article"."""

ARTICLE_NAMES = frozenset(
    [f.name for f in dataclasses.fields(Article)]
    + [name for name, value in vars(Article).items() if isinstance(value, property)]
)
"""Fields and properties of ``Article``: the names a read may record. Any other name (a
method, a dunder) records ``EVERYTHING``."""

STRUCTURAL_FILTERS = frozenset(
    {
        "length",
        "count",
        "first",
        "last",
        "list",
        "reverse",
        "batch",
        "slice",
        "default",
        "d",
        "map",
        "select",
        "reject",
        "selectattr",
        "rejectattr",
        "groupby",
        "sort",
        "unique",
        "min",
        "max",
        "sum",
        "attr",
    }
)
"""Filters that only move articles around or reach their fields through
``Environment.getattr``/``getitem`` (``map(attribute='title')``, ``sort(attribute=...)``),
where the field read is recorded. Every other filter given an article records
``EVERYTHING``."""

FIELD_FILTERS: dict[str, tuple[str, ...]] = {
    "body_html": ("body",),
    "entry_id": ("canonical_url",),
}
"""Our own filters that take an article and read known fields of it."""


def exposes_article(value: Any, seen: set[int] | None = None) -> bool:
    """Whether ``value`` is, or holds (in containers or dataclasses), an ``Article``."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return False
    if kind is Article:
        return True
    seen = set() if seen is None else seen
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        return any(exposes_article(v, seen) for v in value.values()) or any(
            exposes_article(k, seen) for k in value
        )
    if isinstance(value, list | tuple | set | frozenset):
        return any(exposes_article(v, seen) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(exposes_article(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    return False


class ReadTracking(jinja2.Environment):
    """A Jinja environment that records which article fields templates read; take them
    after each render with ``take_reads``."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("finalize", self._finalize)
        super().__init__(**options)
        self.reads: dict[str, set[str] | None] = {}

    def take_reads(self) -> Reads:
        """The reads since the last call (one page's render), and start afresh."""
        taken: Reads = {
            name: None if paths is None or len(paths) > MAX_PATHS else frozenset(paths)
            for name, paths in self.reads.items()
        }
        self.reads = {}
        return taken

    def _read(self, name: str, article: Article | None) -> None:
        """Record a read of ``name`` on ``article`` (None: on some article, unknown)."""
        if article is None:
            self.reads[name] = None
            return
        paths = self.reads.setdefault(name, set())
        if paths is not None:
            paths.add(article.path)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Article:
            self._read(attribute if attribute in ARTICLE_NAMES else EVERYTHING, obj)
        # As jinja2.Environment.getattr; inlined because it runs for every lookup.
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(obj) is Article:
            known = isinstance(argument, str) and argument in ARTICLE_NAMES
            self._read(argument if known else EVERYTHING, obj)
        return super().getitem(obj, argument)

    def _finalize(self, value: Any) -> Any:
        """Every ``{{ ... }}`` passes here: printing an article prints all of it."""
        if type(value) is Article:
            self._read(EVERYTHING, value)
        elif not isinstance(value, str) and exposes_article(value):
            self._read(EVERYTHING, None)
        return value

    def track_filters(self) -> None:
        """Wrap the filters (call after adding the site's own) so that an article passed to
        one records what that filter may read."""
        for name, func in list(self.filters.items()):
            if name in STRUCTURAL_FILTERS:
                continue
            self.filters[name] = self._tracked(func, FIELD_FILTERS.get(name))

    def _tracked(self, func: Callable[..., Any], fields: tuple[str, ...] | None) -> Any:
        skip = 0 if _PassArg.from_obj(func) is None else 1  # the context or environment

        @functools.wraps(func)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            first, rest = args[skip : skip + 1], [*args[skip + 1 :], *kwargs.values()]
            if fields and first and type(first[0]) is Article:
                for name in fields:
                    self._read(name, first[0])
                first = ()
            if any(exposes_article(v) for v in (*first, *rest)):
                self._read(EVERYTHING, None)
            return func(*args, **kwargs)

        return tracked


def changed_names(old: Article, new: Article) -> frozenset[str]:
    """The fields and properties that differ between two versions of an article."""
    return frozenset(n for n in ARTICLE_NAMES if getattr(old, n) != getattr(new, n))


def affected(reads: Reads | None, path: str, names: Iterable[str]) -> bool:
    """Whether a render that read ``reads`` may change when the article at ``path``
    changes in ``names``; unknown reads (None) may."""
    if reads is None:
        return True
    for name in (EVERYTHING, *names):
        if name in reads:
            paths = reads[name]
            if paths is None or path in paths:
                return True
    return False


class PageReads:
    """``output path -> (fingerprint, reads)`` of the last render of each page, kept in the
    cache folder beside the manifest. A page's reads are trusted only together with the
    fingerprint they were recorded under; anything missing or damaged reads as unknown,
    which re-renders the page (never an error)."""

    FORMAT = 2

    def __init__(self, cache_dir: Path, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = cache_dir / f"reads-{key}.json"
        self.entries: dict[str, tuple[str, Reads]] = {}

    def load(self) -> PageReads:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != self.FORMAT:
                raise ValueError("unknown format")
            names = [[str(n) for n in group] for group in data["names"]]
            paths = [str(p) for p in data["paths"]]
            self.entries = {}
            for page, (fingerprint, groups) in data["pages"].items():
                reads: Reads = {}
                for names_at, paths_at in groups:
                    found = None if paths_at is None else frozenset(paths[i] for i in paths_at)
                    reads.update(dict.fromkeys(names[names_at], found))
                self.entries[str(page)] = (str(fingerprint), reads)
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            self.entries = {}
        return self

    def get(self, path: str, fingerprint: str) -> Reads | None:
        entry = self.entries.get(path)
        return entry[1] if entry is not None and entry[0] == fingerprint else None

    def put(self, path: str, fingerprint: str, reads: Reads) -> None:
        self.entries[path] = (fingerprint, reads)

    def keep_only(self, paths: Iterable[str]) -> None:
        wanted = set(paths)
        self.entries = {p: e for p, e in self.entries.items() if p in wanted}

    def save(self) -> None:
        """Best effort: a file that cannot be written only costs renders next time."""
        # Names and paths are numbered once: most pages read the same fields, and an
        # article's path recurs in the reads of every page showing it.
        names: dict[tuple[str, ...], int] = {}
        paths: dict[str, int] = {}
        pages = {}
        for page, (fingerprint, reads) in sorted(self.entries.items()):
            by_paths: dict[frozenset[str] | None, list[str]] = {}
            for name, found in reads.items():
                by_paths.setdefault(found, []).append(name)
            groups = []
            for found, group in by_paths.items():
                at = names.setdefault(tuple(sorted(group)), len(names))
                ids = None
                if found is not None:
                    ids = sorted(paths.setdefault(p, len(paths)) for p in found)
                groups.append([at, ids])
            pages[page] = [fingerprint, sorted(groups, key=lambda g: (g[0], g[1] or []))]
        record = {
            "format": self.FORMAT,
            "names": [list(group) for group in names],
            "paths": list(paths),
            "pages": pages,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            tmp.write_text(json.dumps(record, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass
