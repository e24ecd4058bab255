"""Fragments: what a ``kept()`` macro call rendered of one article, kept from one build to
the next in the cache.

``cached(article_item, article)`` renders a list item once per process (``reads``); a build
is a new process, so a new day rendered again the entries of every feed it changed (fifty
each, ~30% of its rendering's CPU), although 49 of each feed's 50 are articles the last build
showed the same way. ``kept(atom_entry, article)`` is ``cached`` whose call, when its render
read fields of its one article alone, is kept under a key made of everything its output
depends on:

- the tool and the whole configuration (a page's fingerprint has the same);
- the template that defines the macro, with every template that one uses, as this build
  reads them (``TemplateHashes``), and the macro's name;
- the article's identity as the fingerprints take it (its path, the hash of its file's
  bytes, and the source and topics the index gave it: everything an article is made from);
- the call's other arguments, which must be plain values (strings, numbers, booleans,
  None): a call given anything else is not kept.

So a kept fragment is what the call would render again, as long as the macro's output
depends on its arguments alone, which ``cached()`` asks of its macros already. A look-up is
an SQLite query (~20-50 us for an article's fragments, ~13 us an article when a feed's fifty
are fetched at once): worth it for a feed's entry (~90 us to render) and a topic page's list
item (~50 us, its page's articles listed in its ``days``), not for a related item (an
article page's few, looked up one query each), which stays ``cached()``. With it are
kept the fields the render read (the page's reads must name them: ``incremental.unread``).
Fragments are text, checked as they are read back: nothing read from the cache runs code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jinja2.runtime import Macro
from markupsafe import Markup

from digest.incremental.cache import Cache
from digest.incremental.identity import key_of
from digest.incremental.reads import ARTICLE_NAMES, EVERYTHING
from digest.model import Article

_ARGUMENT_TYPES = frozenset({str, int, float, bool, type(None)})
_NAMES = ARTICLE_NAMES | {EVERYTHING}

Fragment = tuple[str, str, str, str, str, str]
"""A fragment as stored: (key, its article's identity, its templates' identity (``ident``),
its article's body key, the rendered text, the names read as a JSON list). The cache drops
the ones of templates and bodies no longer in use by these two."""

Call = tuple[str, Article, str]
"""A call to keep: its key, its article and the article's identity."""

FETCHED_AT_MOST = 4096
"""Articles whose fragments are held at once (fetched, not yet asked for)."""

ASKED_AT_MOST = 1 << 16
"""Articles remembered as fetched already, whose fragments are no longer held because each
was given (``cached`` answers their calls from then on) or there were none."""

_MISSING: Any = object()


def listed(context: Mapping[str, Any]) -> Iterator[Article]:
    """The articles of a page's context's lists: a feed's entries, and a term page's
    ``days``, a list of ``(date, articles)`` pairs (one level of nesting, no deeper)."""
    for value in context.values():
        if type(value) in (list, tuple) and value and type(value[0]) is tuple:
            for pair in value:
                if type(pair) is tuple:
                    for part in pair:
                        yield from _articles_in(part)
        else:
            yield from _articles_in(value)


def _articles_in(value: Any) -> Iterator[Article]:
    """The articles of ``value`` when it is a list of them."""
    if type(value) in (list, tuple) and value and type(value[0]) is Article:
        yield from (a for a in value if type(a) is Article)


def _names_in(text: str) -> frozenset[str] | None:
    """The field names read as kept (a JSON list of known names), None if damaged."""
    try:
        read = json.loads(text)
    except ValueError:
        return None
    if not isinstance(read, list) or not read:
        return None
    if not all(isinstance(name, str) and name in _NAMES for name in read):
        return None
    return frozenset(read)


class Fragments:
    """The kept fragments of one build: looked up by ``kept()`` before it renders, and
    the ones it rendered collected for the cache (``take``)."""

    def __init__(
        self,
        cache: Callable[[], Cache | None],
        identity: str,
        templates: Callable[[str], str],
        body_key: Callable[[Article], str],
    ) -> None:
        """``cache``: the cache in use now, if any (``watch`` opens one per patch);
        ``identity``: the tool's and the configuration's (``Stamper.identity``);
        ``templates``: a template's hash with those it uses (``Stamper.templates``);
        ``body_key``: an article's body key (``Renderer.body_key``)."""
        self._cache = cache
        self._identity = identity
        self._templates = templates
        self._body_key = body_key
        self._macros: dict[int, tuple[Macro, str, str] | None] = {}
        self._articles: dict[int, tuple[Article, str]] = {}
        self._fetched: dict[str, dict[Any, tuple[Any, Any]]] = {}
        self._asked: set[str] = set()  # identities fetched: not looked up again
        self._names: dict[str, frozenset[str] | None] = {}
        self._new: list[Fragment] = []
        self.pending: Mapping[str, Any] | None = None
        """The context of the page rendering (``Renderer``): the articles it lists are
        fetched at its first call looked for, in one query."""

    def ident(self, template: str) -> str:
        """The identity of the fragments of macros defined in ``template``."""
        return key_of(self._identity, self._templates(template))

    def key(self, macro: Macro, args: tuple[Any, ...]) -> Call | None:
        """The key of ``macro(*args)``, its article and the article's identity; None for a
        call not to be kept (not exactly one article among plain values, or a macro of no
        known template)."""
        article = None
        for value in args:
            if type(value) is Article:
                if article is not None:
                    return None
                article = value
            elif type(value) not in _ARGUMENT_TYPES:
                return None
        if article is None:
            return None
        found = self._macros.get(id(macro))
        if found is None or found[0] is not macro:
            found = self._macros[id(macro)] = self._macro_key(macro)
        if found is None:
            return None
        identity = self._identity_of(article)
        if args[0] is article:
            rest = repr(args[1:])
        else:
            at = next(i for i, v in enumerate(args) if v is article)
            rest = repr((at, args[:at], args[at + 1 :]))
        return f"{found[2]}{identity}{rest}", article, identity

    def _identity_of(self, article: Article) -> str:
        known = self._articles.get(id(article))
        if known is None or known[0] is not article:
            made_of = (article.path, article.content_hash, article.source, repr(article.topics))
            known = self._articles[id(article)] = (article, key_of(*made_of))
        return known[1]

    def fetch(self, articles: Iterable[Article]) -> None:
        """Fetch the fragments of ``articles`` in one query (a feed's fifty entries) rather
        than one query each as their calls come."""
        # Every page of a topic lists fifty articles whose calls ``cached`` answers once
        # they were fetched and given: those are not asked for again (in ``watch``, most).
        cache = self._cache()
        if cache is None:
            return
        asked = self._asked
        wanted = sorted(
            {identity for identity in map(self._identity_of, articles) if identity not in asked}
        )[:FETCHED_AT_MOST]
        if not wanted:
            return
        self._make_room(len(wanted))
        rows: dict[str, dict[Any, tuple[Any, Any]]] = {}
        for identity, key, *row in cache.get_fragments(wanted):
            rows.setdefault(identity, {})[key] = tuple(row)  # type: ignore[assignment]
        self._fetched.update(rows)
        asked.update(wanted)

    def _make_room(self, wanted: int) -> None:
        """Forget what is held once it would grow past its bound; the articles whose
        fragments go unasked are fetched again when next wanted."""
        if len(self._fetched) + wanted > FETCHED_AT_MOST:
            self._asked.difference_update(self._fetched)
            self._fetched.clear()
        if len(self._asked) + wanted > ASKED_AT_MOST:
            self._asked.clear()

    def _macro_key(self, macro: Macro) -> tuple[Macro, str, str] | None:
        template = getattr(getattr(macro, "_func", None), "__globals__", {}).get("name")
        if not isinstance(template, str):  # a macro made outside a template file
            return None
        ident = self.ident(template)
        return macro, ident, key_of(ident, template, macro.name)

    def get(self, call: Call) -> tuple[Markup, frozenset[str]] | None:
        """The kept output and names read of ``call``, if any and well formed. The first
        call of an article not fetched (``fetch``) fetches all of its fragments (its entry
        of each feed), each given once (``cached`` asks once per process)."""
        key, _, identity = call
        if self.pending is not None:
            context, self.pending = self.pending, None
            self.fetch(listed(context))
        rows = self._fetched.get(identity)
        if rows is None:
            cache = self._cache()
            if cache is None or identity in self._asked:  # given all it had, or had none
                return None
            self._make_room(1)
            rows = self._fetched[identity] = {
                row[1]: row[2:] for row in cache.get_fragments([identity])
            }
            self._asked.add(identity)
        row = rows.pop(key, None)
        if not rows:
            del self._fetched[identity]  # ``_asked`` remembers it
        if row is None:
            return None
        text, names = row
        read = self._names.get(names, _MISSING) if isinstance(names, str) else None
        if read is _MISSING:
            read = self._names[names] = _names_in(names)
        if not isinstance(text, str) or read is None:
            return None
        return Markup(text), read

    def made(self, macro: Macro, call: Call, output: Any, names: frozenset[str]) -> None:
        """Keep what ``call`` of ``macro`` rendered: its output (escaped text only, as a hit
        gives it back as such) and the fields it read."""
        found = self._macros.get(id(macro))
        if type(output) is Markup and found is not None:
            key, article, identity = call
            body, read = self._body_key(article), json.dumps(sorted(names))
            self._new.append((key, identity, found[1], body, str(output), read))

    def take(self) -> list[Fragment]:
        """The fragments rendered since the last call."""
        taken, self._new = self._new, []
        return taken
