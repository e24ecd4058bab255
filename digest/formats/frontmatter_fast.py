"""A fast path for the front-matter almost every article has: flat ``key: value`` lines.

Why: PyYAML (even with libyaml) spends ~0.1 ms on each front-matter, most of it in the
Python half (events, nodes, resolvers, constructors); a site of ten thousand articles
pays a second or more for what is nearly always five lines like::

    title: "Syria, Russia to Discuss Peace Conference on Monday"
    source: The Moscow Times
    date: 2013-11-17
    url: https://www.themoscowtimes.com/2013/11/17/syria-russia-a-29641
    topics: [Syria, Russia, Diplomacy]

The contract: ``fast_front_matter(text, loader)`` returns exactly what
``yaml.load(text, Loader=loader)`` returns -- same keys in the same order, same values
and the same types (``True`` is not ``1``, ``"1"`` is not ``1``) -- or None, meaning
"not sure: ask PyYAML". It never raises and never reports an error: anything doubtful,
invalid or merely unusual (tabs, anchors, tags, block scalars, multi-line values, nested
mappings, duplicate keys, indented comments, escapes, floats...) is None, and PyYAML
decides, with its own messages. So a bug here can only ever be a wrong None (slower),
never a different value; ``tests/formats/test_frontmatter_fast.py`` checks that against PyYAML.

The subset, one YAML line each (blank lines and ``#`` comments at column 0 between them):

* ``key: value`` at column 0; ``key`` is ``[A-Za-z_][A-Za-z0-9_-]*`` and must resolve to
  a string (``yes:`` is the key ``True``); ``key:`` alone is ``None`` unless block
  sequence items follow (``- item`` lines, all at the same indentation, column 0 too);
* a value or sequence item is a one-line double-quoted string without ``\\`` or ``"``
  inside, a one-line single-quoted string, or a plain scalar that cannot be taken for
  anything else (no leading indicator, no ``": "``, no trailing ``:``); a value may
  also be a one-line flow sequence ``[a, "b", 'c']`` of such scalars (no ``:``, ``?``, ``#`` or
  brackets in its plain items); a comment (`` #...``) may follow;
* a plain scalar is typed by the loader's own implicit resolvers (``loader`` is passed
  in, so its table is the one used: no timestamps for ``FrontMatterLoader``); strings,
  nulls, booleans and plain decimal integers are built here, any other type (floats,
  ``0x1F``, ``1_000``, ``12:30``...) is left to PyYAML.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from yaml.constructor import SafeConstructor

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,127}):(?: +(.*))?\Z")
"""``key:`` and what follows its separator; the key is kept short (YAML limits simple
keys to 1024 characters: PyYAML's business)."""
_ITEM_LINE = re.compile(r"( *)- +(.*)\Z")
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
"""Integers ``int()`` reads exactly as PyYAML's constructor does (no ``_``, no base
prefix, no sexagesimal; few enough digits never to meet Python's digit limit)."""

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
"""Characters a plain scalar cannot start with (``-?:`` can, before a non-space, but
that is left to PyYAML)."""
_FLOW_PLAIN_BAD = frozenset(',[]{}:#"?')
"""Characters kept out of plain items of a flow sequence, anywhere in them (PyYAML ends
them at ``?``, libyaml does not)."""

_FAIL = object()
"""Not in the subset: the caller answers None."""


def fast_front_matter(text: str, loader: type) -> dict[str, Any] | None:
    """``yaml.load(text, Loader=loader)`` for simple front-matter, or None when not sure.

    ``loader`` must be a ``SafeLoader``/``CSafeLoader`` subclass (its resolvers are
    used); when its constructors for the types built here are not ``SafeConstructor``'s,
    the answer is always None.
    """
    if not _compatible(loader):
        return None
    resolvers = loader.yaml_implicit_resolvers
    if None in resolvers:  # resolvers for any first character: none in SafeLoader
        return None
    result: dict[str, Any] = {}
    open_key: str | None = None  # a ``key:`` with no value, which items may follow
    items: list[Any] | None = None
    indent = 0
    for line in text.split("\n"):
        if not line or line.isspace():
            if line.strip(" "):  # whitespace other than spaces
                return None
            continue
        if not line.isprintable():  # tabs, controls, BOM, other line breaks...
            return None
        first = line[0]
        if first == "#":
            continue
        if first == " " or first == "-":
            m = _ITEM_LINE.match(line)
            if m is None or open_key is None:
                return None
            spaces, rest = m.groups()
            if not rest:
                return None
            if items is None:
                items = []
                indent = len(spaces)
                result[open_key] = items
            elif len(spaces) != indent:
                return None
            value = _block_value(rest, resolvers, False)
            if value is _FAIL:
                return None
            items.append(value)
            continue
        m = _KEY_LINE.match(line)
        if m is None:
            return None
        key, rest = m.groups()
        if key in result or _resolve(resolvers, key) != _STR:
            return None
        if not rest or rest[0] == "#":
            value = _plain("", resolvers)
            if value is _FAIL:
                return None
            open_key = key
        else:
            value = _block_value(rest, resolvers, True)
            if value is _FAIL:
                return None
            open_key = None
        items = None
        result[key] = value
    return result or None


@functools.cache
def _compatible(loader: type) -> bool:
    """Whether ``loader`` builds strings, nulls, booleans, ints, lists and dicts as
    ``SafeConstructor`` does, and types scalars by implicit resolvers only."""
    mine, safe = loader.yaml_constructors, SafeConstructor.yaml_constructors
    return not getattr(loader, "yaml_path_resolvers", None) and all(
        mine.get(tag) is safe[tag] for tag in (_STR, _NULL, _BOOL, _INT, _SEQ, _MAP)
    )


def _resolve(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]], value: str) -> str:
    """The tag of a plain scalar: ``yaml.resolver.BaseResolver.resolve`` for a table
    without wildcard (``None``) resolvers, and without path resolvers."""
    for tag, regexp in resolvers.get(value[:1], ()):  # "" for "": the empty scalar's list
        if regexp.match(value):
            return tag
    return _STR


def _plain(value: str, resolvers: dict[Any, Any]) -> Any:
    """A plain scalar's value, as SafeConstructor builds it, or ``_FAIL``."""
    if value[:1] not in resolvers:  # the common case, spared a call
        return value
    tag = _resolve(resolvers, value)
    if tag == _STR:
        return value
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return SafeConstructor.bool_values[value.lower()]
    if tag == _INT and _DECIMAL.match(value):
        return int(value)
    return _FAIL


def _after(rest: str) -> bool:
    """Whether what follows a value on its line is nothing, spaces or a comment."""
    if not rest:
        return True
    if rest[0] != " ":
        return False
    rest = rest.lstrip(" ")
    return not rest or rest[0] == "#"


def _block_value(text: str, resolvers: dict[Any, Any], flow_ok: bool) -> Any:
    """The value that is the rest of a ``key: `` or ``- `` line (not empty, no leading
    space), or ``_FAIL``."""
    first = text[0]
    if first == '"' or first == "'":
        value, end = _quoted(text, 0)
        if value is _FAIL or not _after(text[end:]):
            return _FAIL
        return value
    if first == "[":
        return _flow_sequence(text, resolvers) if flow_ok else _FAIL
    if first in _INDICATORS or first == " ":
        return _FAIL
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut]
    text = text.rstrip(" ")
    if ": " in text or text.endswith(":"):
        return _FAIL
    return _plain(text, resolvers)


def _quoted(text: str, start: int) -> tuple[Any, int]:
    """(value, index after the closing quote) of the quoted scalar at ``text[start]``,
    or (``_FAIL``, 0) when it does not close on this line or has what is not handled."""
    quote = text[start]
    if quote == '"':
        end = text.find('"', start + 1)
        if end < 0:
            return _FAIL, 0
        value = text[start + 1 : end]
        if "\\" in value:
            return _FAIL, 0
        return value, end + 1
    parts = []
    pos = start + 1
    while True:
        end = text.find("'", pos)
        if end < 0:
            return _FAIL, 0
        parts.append(text[pos:end])
        if text.startswith("'", end + 1):  # '' is one quote
            parts.append("'")
            pos = end + 2
            continue
        return "".join(parts), end + 1


def _flow_sequence(text: str, resolvers: dict[Any, Any]) -> Any:
    """A one-line ``[a, "b", 'c']`` (``text`` starts with ``[``), or ``_FAIL``."""
    close = text.find("]")
    if close < 0:
        return _FAIL
    inner = text[1:close]
    if '"' in inner or "'" in inner:
        return _quoting_flow_sequence(text, resolvers)
    if not _after(text[close + 1 :]) or _FLOW_PLAIN_BAD.intersection(inner.replace(",", "")):
        return _FAIL
    if not inner or inner.isspace():
        return []
    items = []
    for part in inner.split(","):
        raw = part.strip(" ")
        if not raw or raw[0] in _INDICATORS:  # also ``[a,]``: PyYAML's to judge
            return _FAIL
        value = _plain(raw, resolvers)
        if value is _FAIL:
            return _FAIL
        items.append(value)
    return items


def _quoting_flow_sequence(text: str, resolvers: dict[Any, Any]) -> Any:
    """``_flow_sequence`` for one with quotes in it, which may hide ``,`` and ``]``."""
    items: list[Any] = []
    pos = 1
    size = len(text)
    while True:
        while pos < size and text[pos] == " ":
            pos += 1
        if pos >= size:
            return _FAIL
        char = text[pos]
        if char == "]" and not items:
            pos += 1
            break
        if char == '"' or char == "'":
            value, pos = _quoted(text, pos)
            if value is _FAIL:
                return _FAIL
            while pos < size and text[pos] == " ":
                pos += 1
        else:
            if char in _INDICATORS:
                return _FAIL
            end = pos
            while end < size and text[end] not in _FLOW_PLAIN_BAD:
                end += 1
            value = _plain(text[pos:end].rstrip(" "), resolvers)
            if value is _FAIL:
                return _FAIL
            pos = end
        items.append(value)
        if pos >= size:
            return _FAIL
        if text[pos] == "]":
            pos += 1
            break
        if text[pos] != ",":
            return _FAIL
        pos += 1
    return items if _after(text[pos:]) else _FAIL
