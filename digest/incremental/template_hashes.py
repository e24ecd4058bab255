"""Template hashes: each template's source hashed together with every template it extends,
includes or imports, as a page's fingerprint takes it (``digest.incremental.fingerprint``).
Which templates a source refers to is found by parsing it once per process, or taken from
what the last build found (``Manifest.templates``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2 import meta

from digest.incremental.identity import tool_identity

_REFERENCES: dict[str, frozenset[str] | None] = {}
"""Parsed references by template source, for the life of the process (``watch``)."""

References = dict[str, list[str] | None]
"""Template key (``_reference_key``) -> the templates it refers to, sorted (None: one is
only known at render time): JSON data, kept in the manifest for the next build."""


def _reference_key(source: str) -> str:
    # The tool (which sets up the environment) and Jinja's version decide how a source
    # parses, so both are part of the key of what a parse found.
    text = f"{tool_identity()}\0{jinja2.__version__}\0{source}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _references_in(
    env: jinja2.Environment, source: str, known: Mapping[str, Any] | None = None
) -> tuple[str, frozenset[str] | None]:
    """The key of ``source`` and the templates it refers to (None: a name computed at
    render time). ``known``: what earlier builds found, by key: parsing every template
    again is most of the cost of fingerprinting a new day's pages. Read as data, and
    checked: anything but a list of names is parsed anew."""
    key = _reference_key(source)
    if key not in _REFERENCES:
        found = (known or {}).get(key, _UNKNOWN)
        if found is None or (type(found) is list and all(type(n) is str for n in found)):
            _REFERENCES[key] = None if found is None else frozenset(found)
        else:
            try:
                names = list(meta.find_referenced_templates(env.parse(source)))
                parsed = None if any(n is None for n in names) else frozenset(map(str, names))
            except jinja2.TemplateSyntaxError:
                parsed = frozenset()
            _REFERENCES[key] = parsed
    return key, _REFERENCES[key]


_UNKNOWN: Any = object()


class TemplateHashes:
    """Hash of each template together with every template it extends, includes or imports."""

    def __init__(self, env: jinja2.Environment, known: Mapping[str, Any] | None = None) -> None:
        self.env = env
        self._known = known
        self._sources: dict[str, str | None] = {}
        self._refs: dict[str, set[str] | None] = {}
        self._closures: dict[str, str] = {}
        self.references: References = {}
        """What this build found of each template it read, for the next one (``known``)."""

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
            refs: set[str] | None = set()
            if source is not None:
                key, found = _references_in(self.env, source, self._known)
                self.references[key] = None if found is None else sorted(found)
                refs = None if found is None else set(found)
            self._refs[name] = refs
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
        joined = "\0\0".join(parts).encode()
        self._closures[name] = hashlib.blake2b(joined, digest_size=16).hexdigest()
        return self._closures[name]
