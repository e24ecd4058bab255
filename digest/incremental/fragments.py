"""Fragments: what a ``cached()`` macro call rendered of one article, kept from one build to
the next in the cache.

``cached(article_item, article)`` renders a list item once per process (``reads``); a build
is a new process, so a new day rendered again the items of every article on the topic and
source pages and the entries of every feed it changed, ~45% of its rendering, although
nearly all of them show articles the last build showed the same way. A call whose render
read fields of its one article alone is kept under a key made of everything its output
depends on:

- the tool and the whole configuration (a page's fingerprint has the same);
- the template that defines the macro, with every template that one uses, as this build
  reads them (``TemplateHashes``), and the macro's name;
- the article's identity as the fingerprints take it (its path, the hash of its file's
  bytes, and the source and topics the index gave it: everything an article is made from);
- the call's other arguments, which must be plain values (strings, numbers, booleans,
  None): a call given anything else is not kept.

So a kept fragment is what the call would render again, as long as the macro's output
depends on its arguments alone, which ``cached()`` asks of its macros already. With it are
kept the fields the render read (the page's reads must name them: ``incremental.unread``).
Fragments are text, checked as they are read back: nothing read from the cache runs code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jinja2.runtime import Macro
from markupsafe import Markup

from digest.incremental.cache import Cache, key_of
from digest.incremental.reads import ARTICLE_NAMES, EVERYTHING
from digest.model import Article

_ARGUMENT_TYPES = frozenset({str, int, float, bool, type(None)})
_NAMES = ARTICLE_NAMES | {EVERYTHING}

Fragment = tuple[str, str, str, str, str]
"""A fragment as stored: (key, its templates' identity (``ident``), its article's body key,
the rendered text, the names read as a JSON list). The cache drops the ones of templates
and bodies no longer in use by these two."""


class Fragments:
    """The kept fragments of one build: looked up by ``cached()`` before it renders, and
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
        self._new: list[Fragment] = []

    def ident(self, template: str) -> str:
        """The identity of the fragments of macros defined in ``template``."""
        return key_of(self._identity, self._templates(template))

    def key(self, macro: Macro, args: tuple[Any, ...]) -> tuple[str, Article] | None:
        """The key of ``macro(*args)`` and its article; None for a call not to be kept
        (not exactly one article among plain values, or a macro of no known template)."""
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
        topics = repr(article.topics)
        at = next(i for i, v in enumerate(args) if v is article)
        rest = repr((at, tuple(v for v in args if v is not article)))
        made_of = (article.path, article.content_hash, article.source, topics, rest)
        return key_of(found[2], *made_of), article

    def _macro_key(self, macro: Macro) -> tuple[Macro, str, str] | None:
        template = getattr(getattr(macro, "_func", None), "__globals__", {}).get("name")
        if not isinstance(template, str):  # a macro made outside a template file
            return None
        ident = self.ident(template)
        return macro, ident, key_of(ident, template, macro.name)

    def get(self, key: str) -> tuple[Markup, frozenset[str]] | None:
        """The kept output and names read of the call ``key``, if any and well formed."""
        cache = self._cache()
        row = cache.get_fragment(key) if cache is not None else None
        if row is None:
            return None
        text, names = row
        try:
            read = json.loads(names) if isinstance(names, str) else None
        except ValueError:
            return None
        if not isinstance(text, str) or not isinstance(read, list) or not read:
            return None
        if not all(isinstance(name, str) and name in _NAMES for name in read):
            return None
        return Markup(text), frozenset(read)

    def made(
        self, macro: Macro, key: str, article: Article, output: Any, names: frozenset[str]
    ) -> None:
        """Keep what the call ``key`` of ``macro`` rendered: its output (escaped text only,
        as a hit gives it back as such) and the fields it read."""
        found = self._macros.get(id(macro))
        if type(output) is Markup and found is not None:
            body, read = self._body_key(article), json.dumps(sorted(names))
            self._new.append((key, found[1], body, str(output), read))

    def take(self) -> list[Fragment]:
        """The fragments rendered since the last call."""
        taken, self._new = self._new, []
        return taken
