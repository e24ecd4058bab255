"""Fingerprints: a hash of everything a page is made from, so unchanged pages are not rendered.

A page's fingerprint covers its template and every template that one uses, the data in its
context, the whole configuration and the tool itself. Because the context data is hashed,
a topic page changes when the title of an article on it changes, with no hand-kept graph
of dependencies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jinja2

from digest.config import SiteConfig
from digest.incremental.identity import tool_identity
from digest.incremental.template_hashes import TemplateHashes
from digest.model import Article, Day, Term

if TYPE_CHECKING:  # pages are planned above this layer; only their fields are read here
    from digest.pipeline.plan import Page

_INLINE = 16
"""Lists up to this long are hashed inline, longer ones by a memoised hash of their own."""


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Exact types whose ``repr`` is their encoding."""
_PLAIN_OR_DATE = _PLAIN | {dt.date}
_DATE = {dt.date}
_TUPLE = {tuple}
_STR = {str}
_ARTICLE = {Article}


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _encode(data: Any) -> bytes:
    """Bytes of plain data (str, int, float, bool, None, and lists, tuples and dicts of
    them): ``repr`` is exact for these, the same in every process, and several times
    faster than ``json.dumps`` with options, which builds an encoder per call."""
    return repr(data).encode("utf-8", "surrogatepass")


def fingerprint_digest(data: Any) -> str:
    """The digest of plain data (see ``_encode``), as a page's fingerprint is made."""
    return _digest(_encode(data))


def config_identity(config: SiteConfig) -> str:
    return _digest(json.dumps(config.fingerprint_data(), sort_keys=True, default=str).encode())


class ContextHasher:
    """Stable plain-data form of template context values, memoised per object for one build.

    Dispatch is by exact type first (the plan's contexts are made of a handful of types,
    and an ``isinstance`` chain per value was most of the time), then by ``isinstance`` for
    subclasses. Other dataclass objects (``Story``, ``Entry``, ``Group`` ...) are not
    memoised: nearly all are on one page only, and memoising them cost more than it saved.
    """

    def __init__(self) -> None:
        self._memo: dict[int, Any] = {}
        self._keep: list[Any] = []  # keep memoised objects alive so their ids stay unique
        self._shapes: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]]]] = {}
        self._exact: dict[type, Any] = {
            str: _same,
            int: _same,
            float: _same,
            bool: _same,
            type(None): _same,
            Article: self.article,
            Day: self._day,
            Term: self._term,
            dt.date: _isoformat,
            dt.datetime: _isoformat,
            dict: self._dict,
            list: self._sequence,
            tuple: self._sequence,
        }

    def article(self, a: Article) -> Any:
        found = self._memo.get(id(a))
        return found if found is not None else self.identify((a,))[0]

    def identify(self, articles: Iterable[Article]) -> list[str]:
        """Memoise the identity of each of ``articles`` (a build: all, in one pass): one short
        string per article (list pages hold hundreds of articles, and encoding each as
        a list of its fields was most of a page's fingerprint), made from what its page
        shows of it: its file's bytes, path, and the source and topics the index gave it."""
        memo, keep, out = self._memo, self._keep, []
        for a in articles:
            try:
                # Joined, not ``repr``: twice as fast, and unambiguous while no field holds
                # the separator (checked by counting it; else the ``repr``, which holds none).
                text = "\0".join((a.path, a.content_hash, a.source, *a.topics))
                if text.count("\0") != 2 + len(a.topics):
                    text = repr((a.path, a.content_hash, a.source, a.topics))
            except TypeError:  # not all strings: a subclass's article, or a test's
                text = repr((a.path, a.content_hash, a.source, a.topics))
            found = memo[id(a)] = "A" + _digest(text.encode("utf-8", "surrogatepass"))
            keep.append(a)
            out.append(found)
        return out

    def with_identities(self, identities: Mapping[int, str]) -> ContextHasher:
        """A hasher that knows this one's articles, but those of ``identities`` (by the ids
        of objects this one keeps alive) by the identity given: the pages as they would
        hash with those articles as they were (``incremental.unread``)."""
        other, memo = ContextHasher(), self._memo
        # Identities are the memo's only strings. Of the rest, the days and terms that hold
        # none of those articles hash as they do here; the others, and long lists (which
        # may hold anything), are hashed again.
        other._memo = {key: form for key, form in memo.items() if type(form) is str}
        changed = identities.keys()
        for obj in self._keep:
            kind = type(obj)
            if (kind is Day or kind is Term) and changed.isdisjoint(map(id, obj.articles)):
                form = memo.get(id(obj))
                if form is not None:
                    other._memo[id(obj)] = form
        other._memo.update(identities)
        other._keep = self._keep
        return other

    def joined(self, articles: tuple[Article, ...] | list[Article]) -> str:
        """The identities of ``articles`` end to end. Article identities are all "A" and
        32 hex digits: joined, they stay apart. Looked up by ``map`` (no Python call per
        article): a site's term pages and day groups hold every article several times."""
        get = self._memo.get
        forms = list(map(get, map(id, articles)))
        if None in forms:
            self.identify({id(a): a for a in articles if get(id(a)) is None}.values())
            forms = list(map(get, map(id, articles)))
        return "".join(forms)

    def _many(self, obj: Any, articles: tuple[Article, ...], head: list[Any]) -> Any:
        key = id(obj)
        if key not in self._memo:
            self._memo[key] = [*head, _digest(self.joined(articles).encode())]
            self._keep.append(obj)
        return self._memo[key]

    def _day(self, obj: Day) -> Any:
        found = self._memo.get(id(obj))
        if found is None:
            found = self._many(obj, obj.articles, ["D", obj.date.isoformat()])
        return found

    def _term(self, obj: Term) -> Any:
        found = self._memo.get(id(obj))
        if found is None:
            found = self._many(obj, obj.articles, ["T", obj.kind, obj.name, obj.slug])
        return found

    def _dict(self, obj: dict[Any, Any]) -> Any:
        if set(map(type, obj)) <= _STR:  # a context: its names are their own text
            keys = sorted(obj)
            return dict(zip(keys, self._items([obj[k] for k in keys]), strict=True))
        items = sorted(obj.items(), key=lambda kv: str(kv[0]))
        return dict(
            zip([str(k) for k, _ in items], self._items([v for _, v in items]), strict=True)
        )

    def _sequence(self, obj: list[Any] | tuple[Any, ...]) -> Any:
        if len(obj) <= _INLINE:
            return self._seen(obj)
        # Long lists (a month's days, the sitemap's entries) are carried by their hash,
        # memoised: many pages hold the same one, and ``watch`` hashes again only the
        # ones an edit replaced.
        key = id(obj)
        found = self._memo.get(key)
        if found is None:
            if set(map(type, obj)) == _ARTICLE:  # a feed's entries, a day's related lists
                found = self._memo[key] = ["#A", _digest(self.joined(obj).encode())]
            elif _plain_rows(obj):  # the sitemap's entries: their own form, checked at C speed
                found = self._memo[key] = ["#", _digest(_encode(obj))]
            else:
                found = self._memo[key] = ["#", _digest(_encode(self._items(obj)))]
            self._keep.append(obj)
        return found

    def _seen(self, obj: list[Any] | tuple[Any, ...]) -> list[Any]:
        """``_items`` of a short sequence, at the speed of a lookup when every item is one
        already hashed (the articles of a group, an entry, a story): the memo holds only
        objects kept alive, so the id of an item found there is that object's."""
        get = self._memo.get
        out = list(map(get, map(id, obj)))
        if None not in out:  # memoised forms are never None
            return out
        kinds = set(map(type, obj))
        if kinds <= _PLAIN_OR_DATE and type(obj) is tuple:
            # A story's sources, a sitemap entry: it is its own form (``repr`` of a date
            # is exact and the same in every process).
            return obj
        if kinds == _DATE:  # a story's days
            return [v.isoformat() for v in obj]
        return self._items(obj)

    def _items(self, obj: Iterable[Any]) -> list[Any]:
        # The common cases (articles already seen, strings, None) are done here, not
        # through ``value``: a call per item was most of the time.
        memo, value = self._memo, self.value
        out = []
        for v in obj:
            kind = type(v)
            if kind is Article:
                out.append(memo.get(id(v)) or self.article(v))
            elif kind is str or v is None:
                out.append(v)
            elif kind is tuple and len(v) <= _INLINE:
                out.append(self._seen(v))
            elif kind is dt.date:
                out.append(v.isoformat())
            else:
                out.append(value(v))
        return out

    def _shape(self, kind: type) -> tuple[str, Callable[[Any], tuple[Any, ...]]]:
        """Name and a getter of every field (as a tuple)."""
        shape = self._shapes.get(kind)
        if shape is None:
            names = [f.name for f in dataclasses.fields(kind)]
            get = operator.attrgetter(*names) if names else (lambda _: ())
            if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
                one = get
                get = lambda obj: (one(obj),)  # noqa: E731
            shape = self._shapes[kind] = (kind.__name__, get)
        return shape

    def _dataclass(self, obj: Any) -> Any:
        name, get = self._shape(type(obj))
        return [name, *self._items(get(obj))]

    def value(self, obj: Any) -> Any:
        handler = self._exact.get(type(obj))
        if handler is not None:
            return handler(obj)
        # Subclasses (enums ...) as their plain value, which is what they hash as.
        if isinstance(obj, str):
            return str.__str__(obj)
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Article):
            return self.article(obj)
        if isinstance(obj, Day):
            return self._day(obj)
        if isinstance(obj, Term):
            return self._term(obj)
        if isinstance(obj, dt.date):
            return obj.isoformat()
        if isinstance(obj, dict):
            return self._dict(obj)
        if isinstance(obj, list | tuple):
            return self._sequence(obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            self._exact[type(obj)] = self._dataclass  # its next objects skip this chain
            return self._dataclass(obj)
        raise TypeError(f"cannot fingerprint {type(obj).__name__}")

    def page(self, page: Page, template_hash: str, site_identity: str) -> str:
        data = [
            site_identity,
            template_hash,
            page.path,
            page.url,
            page.feed,
            page.title,
            page.lastmod.isoformat() if page.lastmod else None,
            # Tagged: a page hashed from what it is made from never equals one hashed
            # from its context.
            ["made_from", self.value(page.made_from)]
            if page.made_from is not None
            else self.value(page.context),
        ]
        return _digest(_encode(data))


def _plain_rows(obj: list[Any] | tuple[Any, ...]) -> bool:
    """Whether ``obj`` is a tuple of tuples of plain values and dates (``repr`` is exact
    for all of them)."""
    return (
        type(obj) is tuple
        and set(map(type, obj)) == _TUPLE
        and set(map(type, itertools.chain.from_iterable(obj))) <= _PLAIN_OR_DATE
    )


def _same(obj: Any) -> Any:
    return obj


def _isoformat(obj: dt.date) -> str:
    return obj.isoformat()


class Stamper:
    """The fingerprint of a page: the tool, the configuration, the sources of the templates
    it renders with (as this build read them: a later patch must not fingerprint its pages
    with a template edited since, which the edit's own rebuild renders) and its context."""

    def __init__(
        self, env: jinja2.Environment, config: SiteConfig, known: Mapping[str, Any] | None = None
    ) -> None:
        """``known``: the template references the last build found (``Manifest.templates``)."""
        self.templates = TemplateHashes(env, known)
        self.hasher = ContextHasher()
        self.identity = f"{tool_identity()}:{config_identity(config)}"

    def __call__(self, page: Page) -> str:
        return self.hasher.page(page, self.templates(page.template), self.identity)
