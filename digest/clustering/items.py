"""What clustering takes and gives: ``StoryItem`` (an article, as far as stories care) and
``Story``; and the rule for a front-matter ``story:`` value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from digest.slugs import slug_problem

WINDOW_DAYS = 2
"""Follow-ups join a story for up to this many days after its first article."""

MAX_ID_LENGTH = 80


@dataclass(frozen=True, slots=True)
class StoryItem:
    """What clustering needs of an article."""

    key: str
    """Unique: the article's file path."""
    title: str
    text: str
    """Plain text: the summary or start of the body (more is slower, not better)."""
    source: str
    published: dt.datetime
    """Aware; its date (in its own timezone) is the article's day."""
    lang: str = ""
    override: str | bool | None = None
    """Front-matter ``story:``: an id, ``False`` for "alone", None when absent."""


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    keys: tuple[str, ...]
    """Every article's key, in time order (published, key)."""
    lead: str
    """The first article: the story's id and title come from it."""
    title: str
    sources: tuple[str, ...]
    """Distinct sources in order of first appearance."""
    days: tuple[dt.date, ...]
    """The distinct days of its articles, in order."""
    explicit: bool = False
    """Whether the id came from an override (``story: <id>``)."""


def override_problem(value: object) -> str | None:
    """Why a front-matter ``story:`` value is not acceptable, or None when it is.

    ``false`` or an id: 1 to 80 characters, letters, digits, ``.``, ``_``, ``~`` and ``-``,
    starting with a letter or digit (the id is a folder name, ``/stories/<id>/``).
    """
    if value is False:
        return None
    if not isinstance(value, str) or isinstance(value, bool):
        return "must be a story id (letters, digits, '.', '_', '~', '-') or false"
    if len(value) > MAX_ID_LENGTH:
        return f"the id {value[:20]!r}... is longer than {MAX_ID_LENGTH} characters"
    problem = slug_problem(value)
    return problem


def in_time_order(items: Iterable[StoryItem]) -> list[StoryItem]:
    """``items`` by (published, key), the order clustering takes them in; keys are unique."""
    ordered = sorted(items, key=lambda item: (item.published, item.key))
    for before, after in pairwise(ordered):
        if before.key == after.key:
            raise ValueError(f"two items with the key {before.key!r}")
    return ordered
