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
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import meta

from digest.config import SiteConfig
from digest.incremental.cache import tool_identity
from digest.model import Article, Day, Term

if TYPE_CHECKING:  # pages are planned above this layer; only their fields are read here
    from digest.pipeline.plan import Page

_INLINE = 16
"""Lists up to this long are hashed inline, longer ones by a memoised hash of their own."""


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def config_identity(config: SiteConfig) -> str:
    return _digest(json.dumps(config.fingerprint_data(), sort_keys=True, default=str).encode())


_REFERENCES: dict[str, frozenset[str] | None] = {}
"""Parsed references by template source, for the life of the process (``watch``)."""


def _references_in(env: jinja2.Environment, source: str) -> set[str] | None:
    key = _digest(source.encode())
    if key not in _REFERENCES:
        try:
            names = list(meta.find_referenced_templates(env.parse(source)))
            found = None if any(n is None for n in names) else frozenset(str(n) for n in names)
        except jinja2.TemplateSyntaxError:
            found = frozenset()
        _REFERENCES[key] = found
    refs = _REFERENCES[key]
    return None if refs is None else set(refs)


class TemplateHashes:
    """Hash of each template together with every template it extends, includes or imports."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self._sources: dict[str, str | None] = {}
        self._refs: dict[str, set[str] | None] = {}
        self._closures: dict[str, str] = {}

    def _source(self, name: str) -> str | None:
        if name not in self._sources:
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                source = None
            self._sources[name] = source
        return self._sources[name]

    def _references(self, name: str) -> set[str] | None:
        """Templates ``name`` refers to; None when one is only known at render time."""
        if name not in self._refs:
            source = self._source(name)
            self._refs[name] = _references_in(self.env, source) if source is not None else set()
        return self._refs[name]

    def __call__(self, name: str) -> str:
        if name in self._closures:
            return self._closures[name]
        seen: set[str] = set()
        todo = [name]
        dynamic = False
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            refs = self._references(current)
            if refs is None:
                dynamic = True
                break
            todo.extend(refs)
        if dynamic:  # a computed template name: depend on every template there is
            seen = set(self.env.list_templates())
        parts = [f"{n}\0{self._source(n) or ''}" for n in sorted(seen)]
        self._closures[name] = _digest("\0\0".join(parts).encode())
        return self._closures[name]


class ContextHasher:
    """Stable JSON-able form of template context values, memoised per object for one build."""

    def __init__(self) -> None:
        self._memo: dict[int, Any] = {}
        self._keep: list[Any] = []  # keep memoised objects alive so their ids stay unique

    def article(self, a: Article) -> Any:
        key = id(a)
        found = self._memo.get(key)
        if found is None:
            # One short string per article: list pages hold hundreds of articles, and
            # encoding each as a list of its fields was most of a page's fingerprint.
            identity = json.dumps([a.path, a.content_hash, a.source, a.topics])
            found = self._memo[key] = "A" + _digest(identity.encode())
            self._keep.append(a)
        return found

    def _many(self, obj: Any, articles: Iterable[Article], head: list[Any]) -> Any:
        key = id(obj)
        if key not in self._memo:
            body = json.dumps([self.article(a) for a in articles], separators=(",", ":"))
            self._memo[key] = [*head, _digest(body.encode())]
            self._keep.append(obj)
        return self._memo[key]

    def value(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, str | int | float | bool):
            return obj
        if isinstance(obj, Article):
            return self.article(obj)
        if isinstance(obj, Day):
            return self._many(obj, obj.articles, ["D", obj.date.isoformat()])
        if isinstance(obj, Term):
            return self._many(obj, obj.articles, ["T", obj.kind, obj.name, obj.slug])
        if isinstance(obj, dt.date):
            return obj.isoformat()
        if isinstance(obj, dict):
            return {
                str(k): self.value(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))
            }
        if isinstance(obj, list | tuple):
            if len(obj) <= _INLINE:
                return [self.value(v) for v in obj]
            # Long lists (a month's days, the sitemap's entries) are carried by their hash,
            # memoised: many pages hold the same one, and ``watch`` hashes again only the
            # ones an edit replaced.
            key = id(obj)
            found = self._memo.get(key)
            if found is None:
                body = json.dumps([self.value(v) for v in obj], separators=(",", ":"))
                found = self._memo[key] = ["#", _digest(body.encode())]
                self._keep.append(obj)
            return found
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return [type(obj).__name__] + [
                self.value(getattr(obj, f.name)) for f in dataclasses.fields(obj)
            ]
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
            self.value(page.context),
        ]
        return _digest(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


class Stamper:
    """The fingerprint of a page: the tool, the configuration, the sources of the templates
    it renders with (as this build read them: a later patch must not fingerprint its pages
    with a template edited since, which the edit's own rebuild renders) and its context."""

    def __init__(self, env: jinja2.Environment, config: SiteConfig) -> None:
        self.templates = TemplateHashes(env)
        self.hasher = ContextHasher()
        self.identity = f"{tool_identity()}:{config_identity(config)}"

    def __call__(self, page: Page) -> str:
        return self.hasher.page(page, self.templates(page.template), self.identity)
