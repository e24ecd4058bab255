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
(``digest.incremental.page_reads``), valid only together with the fingerprint of the
render they came from.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
from jinja2.runtime import Macro
from markupsafe import Markup, escape

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

_MISSING: Any = object()
_PLAIN = frozenset({str, Markup, int, float, bool, type(None)})


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


MAX_CACHED_CALLS = 20_000
"""Entries of ``ReadTracking.cached`` kept at most (each holds a rendered fragment)."""


@dataclasses.dataclass(slots=True)
class _Call:
    macro: Any
    args: tuple[Any, ...]
    output: Any
    reads: dict[str, set[str] | None]
    names: frozenset[str] | None = None
    """When every read was of one article (a list item's): the fields read..."""
    path: str = ""
    """... and that article's path; the page's reads take such calls in bulk."""


_NAME_SETS: dict[frozenset[str], frozenset[str]] = {}
"""One object per set of field names read (a theme's items read a handful of sets), so that
grouping a page's items by it is a look-up by identity."""


def _one_article(reads: dict[str, set[str] | None]) -> tuple[frozenset[str] | None, str]:
    """(The names read, the path) when ``reads`` are of one article alone, else (None, "")."""
    path = None
    for paths in reads.values():
        if paths is None or len(paths) != 1:
            return None, ""
        (only,) = paths
        if path is None:
            path = only
        elif only != path:
            return None, ""
    if path is None:
        return None, ""
    names = frozenset(reads)
    return _NAME_SETS.setdefault(names, names), path


class ReadTracking(jinja2.Environment):
    """A Jinja environment that records which article fields templates read; take them
    after each render with ``take_reads``."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("finalize", self._finalize)
        super().__init__(**options)
        self.reads: dict[str, set[str] | None] = {}
        self._items: dict[frozenset[str], list[str]] = {}
        """Reads of ``cached`` calls of one article each, by the names read: merged into
        ``reads`` in one go (``_merge_items``), not field by field for every item."""
        self._calls: dict[tuple[int, ...], _Call] = {}
        self.fragments: Any = None
        """Where calls are kept from one build to the next (``incremental.fragments``)."""
        self.globals["cached"] = self.cached
        self.globals["kept"] = self.kept
        self.globals["kept_each"] = self.kept_each

    def cached(self, macro: Any, *args: Any) -> Any:
        """``{{ cached(article_item, article, false) }}``: ``article_item(article, false)``,
        rendered once per process for the same macro and the same argument objects (like
        Hugo's ``partialCached``). An article listed on many pages is rendered once, and
        each later use records the fields the first one read. Only for a macro whose
        output depends on its arguments alone (not on the calling template's context)."""
        return self._cached("cached", macro, args)

    def kept(self, macro: Any, *args: Any) -> Any:
        """``{{ kept(atom_entry, article) }}``: ``cached``, and a call of one article is
        also kept in the cache for the next build (``fragments``): for a macro that takes
        longer to render than a look-up in the cache (~20-50 us), such as a feed's entry."""
        return self._cached("kept", macro, args)

    def kept_each(self, macro: Any, items: Iterable[Any], end: str = "") -> Markup:
        """``{{ kept_each(article_item, articles, "\\n") }}``: ``kept(macro, item)`` of each
        of ``items``, each followed by ``end`` (escaped as any text), as one text: a topic
        page's fifty items in one call of the template, not fifty (each call of a function
        from a template costs a few microseconds of Jinja's before the function runs)."""
        cached = self._cached
        outputs = [cached("kept", macro, (item,)) for item in items]  # each its own Markup
        after = str(escape(end))
        # Joined as the ``str`` they are: a ``Markup``'s ``+`` and ``join`` escape again each
        # part, which is markup already.
        return Markup(after.join(outputs) + after if outputs else "")

    def _cached(self, name: str, macro: Any, args: tuple[Any, ...]) -> Any:
        if not isinstance(macro, Macro):
            raise TypeError(f"{name}() takes a macro, not {type(macro).__name__}")
        key = (id(macro), *map(id, args))
        found = self._calls.get(key)
        # The entry holds the objects it was made for, so their ids cannot be reused while
        # it exists: same ids, same objects.
        if found is None or found.macro is not macro:
            call = self._call(macro, args, name == "kept")
            if len(self._calls) >= MAX_CACHED_CALLS:
                self._calls.clear()  # pages come in date order: old entries are the cold ones
            found = self._calls[key] = call
        if found.names is not None:
            paths = self._items.get(found.names)
            if paths is None:
                self._items[found.names] = [found.path]
            else:
                paths.append(found.path)
            return found.output
        for name, paths in found.reads.items():
            current = self.reads.get(name, _MISSING)
            if paths is None or current is None:
                self.reads[name] = None
            elif current is _MISSING:
                self.reads[name] = set(paths)
            else:
                current |= paths
        return found.output

    def _call(self, macro: Macro, args: tuple[Any, ...], keep: bool) -> _Call:
        """``macro(*args)`` with what it read: kept from the last build (``keep``: looked
        for there, and kept there if it was rendered), or rendered."""
        fragments = self.fragments
        kept = fragments.key(macro, args) if keep and fragments is not None else None
        if kept is not None:
            hit = fragments.get(kept)
            if hit is not None:
                output, names = hit
                path = kept[1].path
                names = _NAME_SETS.setdefault(names, names)
                return _Call(macro, args, output, {}, names, path)  # reads: ``names``
        outer, self.reads = self.reads, {}
        outer_items, self._items = self._items, {}
        try:
            output = macro(*args)
        finally:
            self._merge_items()
            inner, self.reads = self.reads, outer
            self._items = outer_items
        names, path = _one_article(inner)
        if kept is not None and names is not None and path == kept[1].path:
            fragments.made(macro, kept, output, names)
        return _Call(macro, args, output, inner, names, path)

    def _merge_items(self) -> None:
        """Add the reads of the ``cached`` items taken since the last merge to ``reads``."""
        if not self._items:
            return
        reads = self.reads
        for names, item_paths in self._items.items():
            for name in names:
                current = reads.get(name, _MISSING)
                if current is _MISSING:
                    reads[name] = set(item_paths)
                elif current is not None:
                    current.update(item_paths)
        self._items = {}

    def take_reads(self) -> Reads:
        """The reads since the last call (one page's render), and start afresh."""
        self._merge_items()
        taken: Reads = {}
        shared: dict[frozenset[str], frozenset[str]] = {}  # most fields are read of one article
        for name, paths in self.reads.items():
            if paths is None or len(paths) > MAX_PATHS:
                taken[name] = None
            else:
                found = frozenset(paths)
                taken[name] = shared.setdefault(found, found)
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
            # ``_read`` inlined: this runs for every lookup in every template.
            name = attribute if attribute in ARTICLE_NAMES else EVERYTHING
            paths = self.reads.get(name, _MISSING)
            if paths is _MISSING:
                self.reads[name] = {obj.path}
            elif paths is not None:
                paths.add(obj.path)
            try:
                return getattr(obj, attribute)  # the common case, spared the call below
            except AttributeError:
                pass
        return super().getattr(obj, attribute)

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

    def track_filters(self, rejecting: Iterable[str] = ()) -> None:
        """Wrap the filters (call after adding the site's own) so that an article passed to
        one records what that filter may read. ``rejecting``: filters that fail on anything
        but their strings and dates (an article given to one fails the build, it cannot
        show in a page), left unwrapped for speed."""
        skipped = STRUCTURAL_FILTERS | set(rejecting)
        for name, func in list(self.filters.items()):
            if name in skipped and name not in FIELD_FILTERS:
                continue
            self.filters[name] = self._tracked(func, FIELD_FILTERS.get(name))

    def _tracked(self, func: Callable[..., Any], fields: tuple[str, ...] | None) -> Any:
        # functools.wraps copies the decorators' marks (pass_context ...) with the rest of
        # the function's attributes, so Jinja calls the wrapper as it would call ``func``;
        # the context or environment it may pass first is no article, nor holds one.

        @functools.wraps(func)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            if not kwargs and all(type(v) in _PLAIN for v in args):
                return func(*args)  # the common case: strings, numbers
            if fields and args and type(args[0]) is Article:  # our filters take no context
                for name in fields:
                    self._read(name, args[0])
                rest: list[Any] = [*args[1:], *kwargs.values()]
            else:
                rest = [*args, *kwargs.values()]
            if any(exposes_article(v) for v in rest):
                self._read(EVERYTHING, None)
            return func(*args, **kwargs)

        return tracked


PLACE_FIELDS = ("path", "published", "slug", "canonical_url", "source", "topics", "draft")
"""Fields that decide where an article appears (its day, order, URL, topic and source
pages, related articles, duplicates): a change to one of them is a full rebuild. Reads
cannot vouch for them: the plan and its values read them in Python (a term's latest day,
an entry's sources), not through the templates' lookups."""


STORY_FIELDS = ("title", "summary", "lang", "story", "story_alone")
"""What story clustering reads besides the place fields (``pipeline.stories.story_item``): with
stories on, a change to one of them may regroup the stories around the article."""


def same_place(old: Article, new: Article, stories: bool = False) -> bool:
    """Whether two versions of an article have the same place fields (and, with
    ``stories``, story fields): the edits reads can vouch for."""
    names = PLACE_FIELDS + STORY_FIELDS if stories else PLACE_FIELDS
    return all(getattr(old, name) == getattr(new, name) for name in names)


def changed_names(old: Article, new: Article, assumed: Iterable[str] = ()) -> frozenset[str]:
    """The fields and properties that differ between two versions of an article; the
    ``assumed`` ones count as changed without being compared."""
    assumed = frozenset(assumed)
    return frozenset(n for n in ARTICLE_NAMES if n in assumed or getattr(old, n) != getattr(new, n))
