"""Which pages hold which articles (by object identity, for the life
of a plan), so a patch finds the pages an edited article appears on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from digest.model import Article


class Reach:
    """Which articles each container of the plan holds, directly or inside days, terms,
    groups, months and years; by object identity, kept for the life of the plan."""

    def __init__(self) -> None:
        self._paths: dict[int, frozenset[str]] = {}
        self._keep: list[Any] = []  # the objects measured stay alive: their ids stay unique

    def __call__(self, value: Any) -> frozenset[str]:
        kind = type(value)
        if kind is Article:
            return frozenset((value.path,))
        if kind is str or kind is int or value is None:
            return _NOTHING
        found = self._paths.get(id(value))
        if found is not None:
            return found
        parts: Iterable[Any]
        if kind is dict:
            parts = value.values()
        elif kind is tuple or kind is list:
            parts = value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
        else:
            parts = ()
        found = _NOTHING.union(*(self(p) for p in parts))
        self.record(value, found)
        return found

    def record(self, value: Any, paths: frozenset[str]) -> None:
        # Only large containers (a term's articles, a month) are worth the memory: small
        # ones are walked again faster than their sets would be kept.
        if len(paths) >= _REMEMBERED:
            self._paths[id(value)] = paths
            self._keep.append(value)

    def holders(self, pages: Iterable[Any]) -> Holders:
        """Which pages hold each article (see ``Holders``)."""
        direct: dict[str, list[int]] = {}
        groups: dict[int, list[int]] = {}
        for position, page in enumerate(pages):
            for value in page.context.values():  # not the context itself: one per page
                self(value)  # measures, and remembers, its large containers
            paths: set[str] = set()
            large: set[int] = set()
            self._collect(page.context, paths, large, set())
            for path in paths:
                direct.setdefault(path, []).append(position)
            for key in large:
                groups.setdefault(key, []).append(position)
        shared: dict[str, list[list[int]]] = {}
        for key, positions in groups.items():
            for path in self._paths[key]:
                shared.setdefault(path, []).append(positions)
        return Holders(direct, shared)

    def _collect(self, value: Any, paths: set[str], large: set[int], seen: set[int]) -> None:
        """Articles reached from ``value`` through small containers into ``paths``; the
        large containers met on the way into ``large``, not walked into."""
        kind = type(value)
        if kind is Article:
            paths.add(value.path)
            return
        if kind is str or kind is int or value is None or id(value) in seen:
            return
        seen.add(id(value))
        if id(value) in self._paths:
            large.add(id(value))
            return
        if kind is dict:
            parts: Iterable[Any] = value.values()
        elif kind is tuple or kind is list:
            parts = value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
        else:
            return
        for part in parts:
            self._collect(part, paths, large, seen)

    def substitute(self, value: Any, new: Mapping[str, Article], memo: dict[int, Any]) -> Any:
        """``value`` with the articles at the paths of ``new`` replaced, rebuilding only the
        containers on the way to one (shared ones once, through ``memo``)."""
        kind = type(value)
        if kind is Article:
            return new.get(value.path, value)
        if kind is str or kind is int or value is None:
            return value
        key = id(value)
        if key in memo:
            return memo[key]
        paths = self._paths.get(key)  # known for large containers only
        result = value
        if paths is None or not paths.isdisjoint(new):
            if kind is dict:
                items = {k: self.substitute(v, new, memo) for k, v in value.items()}
                if any(items[k] is not v for k, v in value.items()):
                    result = items
            elif kind is tuple or kind is list:
                # Articles inline: a topic's tuple holds thousands of them.
                parts = [
                    new.get(v.path, v) if type(v) is Article else self.substitute(v, new, memo)
                    for v in value
                ]
                if any(a is not b for a, b in zip(parts, value, strict=True)):
                    result = kind(parts)
            elif dataclasses.is_dataclass(value) and not isinstance(value, type):
                # Fields the constructor does not take (a Day's permalink) are derived.
                fields = {
                    f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init
                }
                changed = {n: self.substitute(v, new, memo) for n, v in fields.items()}
                if any(changed[n] is not v for n, v in fields.items()):
                    result = dataclasses.replace(value, **changed)
            if paths is not None and result is not value:
                self.record(result, paths)
        memo[key] = result
        return result


_NOTHING: frozenset[str] = frozenset()


@dataclass(slots=True)
class Holders:
    """Article path -> positions of the pages whose context holds it. Pages holding a
    large container (a topic's thousand articles, a year) are listed once for the
    container, not once per article in it: a site's topic pages all hold their topic."""

    direct: dict[str, list[int]]
    shared: dict[str, list[list[int]]]

    def get(self, path: str) -> set[int]:
        found = set(self.direct.get(path, ()))
        for positions in self.shared.get(path, ()):
            found.update(positions)
        return found


_REMEMBERED = 32
