"""Parsed articles as plain data: the form the cache keeps them in.

The cache (``.digest-cache/``) may come from anywhere: restored by CI from another branch,
shipped in a repository, edited by hand. Nothing read from it may run code, so a parsed
article is stored as JSON of its fields (strings, numbers, lists), never pickled, and read
back by checking every field's type: a record that does not decode, or does not have the
exact shape, is a miss and the file is parsed again. JSON was measured against marshal
and pickle for this: it decodes a record in about the time unpickling took, and unlike
marshal its reader is meant for untrusted input.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import json.scanner
import sys
from collections import deque
from dataclasses import fields
from itertools import repeat
from types import MemberDescriptorType
from typing import Any
from zoneinfo import ZoneInfo

from digest.errors import Diagnostic
from digest.model import _ARTICLE_SLOTS, Article, Pending, day_path, one_day

FORMAT = 3
"""Changes whenever the record's shape does (the cache key includes the tool's identity,
so an old record is never even looked up; this guards records of a foreign cache)."""

ParseResult = tuple[Article | None, list[Diagnostic]]
"""What parsing one file gives: the article or None, and the problems found."""

_FIELDS = tuple(f.name for f in fields(Article) if f.init)
"""Article's constructor arguments, in order: the record's layout."""
_TYPES: dict[str, type] = {
    "body_line": int,
    "reading_time": int,
    "has_time": bool,
    "draft": bool,
    "story_alone": bool,
    "extra": dict,
    "lines": dict,
}
"""Each field's type in a record (any other but the special ones is a string)."""
_SHAPE = tuple(
    list if n == "topics" else type(None) if n == "body" else _TYPES.get(n, str) for n in _FIELDS
)
"""The type of each field's JSON value in a record, in order."""
_PUBLISHED, _SOURCE, _TOPICS, _BODY, _LINES, _EXTRA, _SLUG = (
    _FIELDS.index(n) for n in ("published", "source", "topics", "body", "lines", "extra", "slug")
)
_STR, _INT = frozenset({str}), frozenset({int})
_SCAN = json.scanner.make_scanner(json.JSONDecoder())
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


class BadRecord(ValueError):
    """A record that is not exactly what ``encode`` writes."""


Record = tuple[str, str]
"""(JSON of everything but the body, the body): the body is most of an article's bytes,
and kept apart from the JSON it needs no escaping, either way."""


def encode(result: ParseResult) -> Record | None:
    """The record of a parse result, or None when it holds a value JSON cannot carry
    exactly (a front-matter value such as a YAML set or binary in ``extra``): such an
    article is simply parsed again each time."""
    article, problems = result
    body = ""
    record: list[Any] = [FORMAT, [[p.path, p.line, p.message] for p in problems]]
    if article is not None:
        if article.extra and not _plain(article.extra):
            return None
        for name in _FIELDS:
            value = getattr(article, name)
            if name == "published":
                value = value.isoformat()
            elif name == "topics":
                value = list(value)
            elif name == "body":
                body, value = value, None
            record.append(value)
    return _ENCODER.encode(record), body


def decode(meta: Any, body: Any, tz: ZoneInfo) -> ParseResult:
    """The parse result a record holds; raises BadRecord for anything else. ``body``: the
    record's body, or a ``Pending`` that fetches it when the body is first read (see
    ``digest.incremental.bodies``)."""
    if type(meta) is not str or not (type(body) is str or isinstance(body, Pending)):
        raise BadRecord("not text")
    try:
        # The scanner itself, not ``loads``: a record is JSON with no space around it (as
        # ``encode`` writes it), and what follows its value must be nothing at all.
        record, end = _SCAN(meta, 0)
    except StopIteration:
        raise BadRecord("not JSON") from None
    except (ValueError, RecursionError) as exc:
        raise BadRecord(str(exc)) from None
    if end != len(meta) or type(record) is not list or len(record) < 2 or record[0] != FORMAT:
        raise BadRecord("not a record of this format")
    found = record[1]
    problems = [_problem(p) for p in _list(found)] if found != [] else []
    if len(record) == 2:
        return None, problems
    values = record[2:]
    # Every field's type at once (a site of 10,000 articles decodes 10,000 records): the
    # body is kept apart, so its place holds None; JSON gives objects string keys only.
    if tuple(map(type, values)) != _SHAPE:
        raise BadRecord("wrong number of fields, or a field of the wrong type")
    topics = values[_TOPICS]
    try:
        shared = _TOPIC_LISTS.get(tuple(topics))  # a few dozen lists among 10,000 articles
    except TypeError:  # a list or an object in it: not hashable
        raise BadRecord("topics: wrong type") from None
    if shared is None:
        shared = _topics(topics)
    lines = values[_LINES]
    if not set(map(type, lines.values())) <= _INT:
        raise BadRecord("lines: wrong type")
    published, day, date = _moment(values[_PUBLISHED], tz)
    values[_PUBLISHED] = published
    values[_SOURCE] = sys.intern(values[_SOURCE])
    values[_TOPICS] = shared
    values[_LINES] = _shared_dict(lines)
    if not values[_EXTRA]:
        values[_EXTRA] = _NO_EXTRA
    values[_BODY] = body
    values.append(f"{day}{values[_SLUG]}/")  # the permalink and day, as ``Article`` makes them
    values.append(date)
    # Each slot set by its descriptor, all in C: the dataclass's ``__init__`` sets twenty
    # fields one ``object.__setattr__`` at a time, most of what a record's decode took.
    article = _new(Article)
    deque(map(_SET_SLOT, _SLOTS, repeat(article), values), 0)
    return article, problems


def _topics(topics: list[Any]) -> tuple[str, ...]:
    """A record's topics as the one tuple kept for them, once they are checked."""
    if not set(map(type, topics)) <= _STR:
        raise BadRecord("topics: wrong type")
    shared = tuple(map(sys.intern, topics))
    if len(_TOPIC_LISTS) >= 100_000:  # a bound, whatever the records hold
        _TOPIC_LISTS.clear()
    _TOPIC_LISTS[shared] = shared
    return shared


_TOPIC_LISTS: dict[tuple[str, ...], tuple[str, ...]] = {}
"""Each topic list met, checked, by itself: only strings are kept, and a tuple of JSON
values equal to one of them is that very list of strings."""
_new = object.__new__
_SET_SLOT = MemberDescriptorType.__set__
_SLOTS = _ARTICLE_SLOTS
_SHARING: dict[Any, Any] = {}
"""Values many records repeat, one object each: a site of 100,000 articles has a few
dozen sources and topic lists, and nearly all of its front-matters have the same lines."""
_NO_EXTRA: dict[str, Any] = {}
"""The ``extra`` of every article with none (nothing changes an article's dicts)."""


def _shared(value: Any, key: Any = None) -> Any:
    """The one object kept for ``value`` (under ``key``, by default itself)."""
    key = value if key is None else key
    found = _SHARING.get(key)
    if found is None:
        if len(_SHARING) >= 100_000:  # a bound, whatever the records hold
            _SHARING.clear()
        found = _SHARING[key] = value
    return found


def _shared_dict(value: dict[str, int]) -> dict[str, int]:
    # Keyed by its items (names and numbers, checked), in order, after a None that no
    # topic list can hold.
    return _shared(value, (None, *value.items()))


@functools.lru_cache(maxsize=4096)
def _moment(published: str, tz: ZoneInfo) -> tuple[dt.datetime, str, dt.date]:
    """A record's publication time in the site's timezone, its day's path and its day;
    asked once per distinct one (articles given only a date share it with their day's)."""
    try:
        moment = dt.datetime.fromisoformat(published)
    except ValueError:
        raise BadRecord("published: not a date-time") from None
    if moment.tzinfo is None:
        raise BadRecord("published: no offset")
    try:
        moment = moment.astimezone(tz)
    except (ValueError, OverflowError) as exc:
        raise BadRecord(str(exc)) from None
    return moment, day_path(moment), one_day(moment.date())


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise BadRecord("expected a list")
    return value


def _problem(value: Any) -> Diagnostic:
    if (
        type(value) is not list
        or len(value) != 3
        or type(value[0]) is not str
        or type(value[1]) is not int
        or type(value[2]) is not str
    ):
        raise BadRecord("not a problem")
    return Diagnostic(value[0], value[1], value[2])


def _plain(value: Any) -> bool:
    """Whether JSON gives ``value`` back exactly: same types, dicts keyed by strings."""
    kind = type(value)
    if value is None or kind is str or kind is bool or kind is int:
        return True
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    if kind is list:
        return all(_plain(v) for v in value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False
