"""Online clustering in time order: each article joins the nearest open story of its window
or starts one (the method is described in ``digest.clustering``)."""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable, Sequence
from hashlib import sha1
from itertools import pairwise

from digest.clustering.items import WINDOW_DAYS, Story, StoryItem
from digest.clustering.terms import Terms, weigh
from digest.slugs import slugify

_TITLE_SLUG = 60
# Chosen on tests/fixtures/stories/dev (see tests/stories/evaluation.py).
_THRESHOLDS = (0.16, 0.23, 0.30)  # cosine with a story, by days since its first article
_MIN_EVIDENCE = 0.4  # shared names and numbers (see _best) two articles need at least
SAME_SOURCE = 0.1
"""Added to the threshold for joining a story that has an article of the same source and day:
one outlet rarely writes one development twice a day, and often writes one city twice."""
OTHER_LANGUAGE = 0.7
"""The threshold's factor for joining a story none of whose articles is in the language of
this one: only names, numbers and cognates meet across languages, so the cosine of two
reports of one development is lower (the names they must share keep it safe)."""


def cluster(items: Iterable[StoryItem], window_days: int = WINDOW_DAYS) -> list[Story]:
    """The stories of ``items``: each item in exactly one, ordered by their first item."""
    return _Clusterer(window_days).run(_sorted(items), None, None)


def recluster(
    previous: Sequence[Story],
    items: Iterable[StoryItem],
    since: dt.datetime,
    window_days: int = WINDOW_DAYS,
) -> list[Story]:
    """``cluster(items)``, reusing ``previous`` for the items published before ``since``.

    ``previous`` must be ``cluster(old_items, window_days)`` for ``old_items`` that are the
    same as ``items`` before ``since`` (the caller knows which files changed).
    """
    return _Clusterer(window_days).run(_sorted(items), previous, since)


def _sorted(items: Iterable[StoryItem]) -> list[StoryItem]:
    ordered = sorted(items, key=lambda item: (item.published, item.key))
    for before, after in pairwise(ordered):
        if before.key == after.key:
            raise ValueError(f"two items with the key {before.key!r}")
    return ordered


class _Open:
    """A story under construction: its automatic members in time order, and their sum."""

    __slots__ = (
        "centroid",
        "first_day",
        "joinable",
        "languages",
        "members",
        "norm2",
        "sid",
        "sources",
    )

    def __init__(self, sid: str, first_day: int, joinable: bool = True) -> None:
        self.sid = sid
        self.first_day = first_day
        self.members: list[int] = []
        self.centroid: dict[str, float] = {}  # the sum of the members' unit vectors
        self.norm2 = 0.0  # its squared length
        self.joinable = joinable
        self.sources: set[tuple[str, int]] = set()  # (source, day) of its members
        self.languages: set[int] = set()  # of its members, when their stop words tell

    def dot(self, vector: dict[str, float]) -> float:
        centroid = self.centroid
        return sum(w * centroid[t] for t, w in vector.items() if t in centroid)

    def add(self, index: int, vector: dict[str, float], dot: float) -> None:
        self.members.append(index)
        centroid = self.centroid
        if len(self.members) == 1:  # a new story, most of them: its first vector is its sum
            self.centroid = dict(vector)
            self.norm2 = 1.0
            return
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        self.norm2 += 2.0 * dot + 1.0


_FINAL = _Open("", -(10**9), joinable=False)  # stands for the stories a resume keeps whole


class _Clusterer:
    def __init__(self, window_days: int) -> None:
        if window_days < 0:
            raise ValueError("window_days must be >= 0")
        self.window = window_days
        self.terms = Terms()

    def run(
        self,
        items: list[StoryItem],
        previous: Sequence[Story] | None,
        since: dt.datetime | None,
    ) -> list[Story]:
        window = self.window
        days = [item.published.date().toordinal() for item in items]
        auto = [
            i for i, item in enumerate(items) if item.override is None or item.override is False
        ]

        # A resume replays the items from two windows before ``since`` with the assignment
        # of ``previous`` (to rebuild the window's document frequencies and the stories
        # that later items may join), and keeps the stories begun before that whole.
        live_from, replay_from = 0, 0
        forced: dict[str, str] = {}
        kept: list[Story] = []
        taken: set[str] = set()
        if previous is not None and since is not None:
            live_from = next(
                (p for p, i in enumerate(auto) if items[i].published >= since), len(auto)
            )
            live_day = days[auto[live_from]] if live_from < len(auto) else 10**9
            replay_from = next(
                (p for p, i in enumerate(auto) if days[i] >= live_day - 2 * window), live_from
            )
            kept, forced = _split_previous(
                items, days, auto, previous, live_from, live_day - window
            )
            taken.update(story.id for story in kept)

        opened: dict[str, _Open] = {}
        story_of: dict[int, _Open] = {}
        stories: list[_Open] = []
        bags: dict[int, dict[str, float]] = {}  # the window's items' terms, for df
        postings: dict[str, deque[int]] = {}  # capital -> the window's items having it
        names_of: dict[int, set[str]] = {}  # the window's items' names
        recent: deque[int] = deque()
        df: dict[str, int] = {}
        thresholds = _THRESHOLDS + (_THRESHOLDS[-1],) * max(0, window + 1 - len(_THRESHOLDS))

        for position in range(replay_from, len(auto)):
            index = auto[position]
            item = items[index]
            day = days[index]
            if item.override is False:  # alone: no features, no candidate
                sid = forced.get(item.key) if position < live_from else _new_id(item, taken)
                if sid:
                    story = _Open(sid, day, joinable=False)
                    story.members.append(index)
                    stories.append(story)
                    taken.add(sid)
                story_of[index] = story if sid else _FINAL
                continue
            while recent and days[recent[0]] < day - window:
                gone = recent.popleft()
                del names_of[gone]
                for term in bags.pop(gone):
                    count = df[term] - 1
                    if count:
                        df[term] = count
                    else:
                        del df[term]
            bag, item_names, capitals, language = self.terms.bag(item)
            names_of[index] = item_names
            for term in bag:
                df[term] = df.get(term, 0) + 1
            recent.append(index)
            bags[index] = bag
            n = len(recent)
            vector = weigh(bag, df, n)

            if position < live_from:
                sid = forced[item.key]
                story = opened.get(sid) if sid else _FINAL
                if story is None:
                    story = opened[sid] = _Open(sid, day)
                    stories.append(story)
                    taken.add(sid)
                if story is not _FINAL:
                    story.add(index, vector, story.dot(vector))
                    story.sources.add((item.source, day))
                    story.languages.add(language)
            else:
                story, dot = _best(
                    vector,
                    item_names,
                    capitals,
                    names_of,
                    (item.source, day),
                    language,
                    postings,
                    days,
                    day,
                    story_of,
                    df,
                    n,
                    thresholds,
                )
                if story is None:
                    story = _Open(_new_id(item, taken), day)
                    stories.append(story)
                story.add(index, vector, dot)
                story.sources.add((item.source, day))
                story.languages.add(language)
            story_of[index] = story
            for term in capitals:
                posting = postings.get(term)
                if posting is None:
                    postings[term] = deque((index,))
                else:
                    posting.append(index)

        return _finish(items, stories, kept)


def _split_previous(
    items: list[StoryItem],
    days: list[int],
    auto: list[int],
    previous: Sequence[Story],
    live_from: int,
    open_day: int,
) -> tuple[list[Story], dict[str, str]]:
    """The previous stories that stay as they are, and the story id of each item to replay
    ("" for the items of those kept stories). ``previous`` may cover items from ``since`` on
    (the result before an edit): they are ignored."""
    before = {items[i].key: i for i in auto[:live_from]}
    overridden = {item.key for item in items if isinstance(item.override, str)}
    kept: list[Story] = []
    forced: dict[str, str] = {}
    seen = 0
    for story in previous:
        if story.explicit:
            continue
        # Its items from ``since`` on are clustered again; those before keep their story.
        members = [key for key in story.keys if key not in overridden and key in before]
        if not members:
            continue
        seen += len(members)
        first = before[members[0]]
        if days[first] < open_day:
            # No item from ``since`` on can join it: it is final, and so is its id.
            kept.append(_strip(story, members, items, before))
            for key in members:
                forced[key] = ""
        else:
            for key in members:
                forced[key] = story.id
    if seen != len(before):
        raise ValueError("previous does not match the items before since")
    return kept, forced


def _strip(story: Story, members: list[str], items: list[StoryItem], at: dict[str, int]) -> Story:
    if len(members) == len(story.keys):
        return story
    return _make(story.id, [items[at[key]] for key in members], explicit=False)


def _best(
    vector: dict[str, float],
    item_names: set[str],
    capitals: set[str],
    names_of: dict[int, set[str]],
    source_day: tuple[str, int],
    language: int,
    postings: dict[str, deque[int]],
    days: list[int],
    day: int,
    story_of: dict[int, _Open],
    df: dict[str, int],
    n: int,
    thresholds: tuple[float, ...],
) -> tuple[_Open | None, float]:
    """The story the item joins (None: a story of its own), and its dot product with it.

    Candidates are the open stories with an item that shares enough names with this one
    (a name of one of the two that the other has capitalised, at the start of a sentence
    too: *Athens metro workers walk out* / *strike brings Athens to a standstill*): their
    idf, each relative to that of a term only one item of the window has,
    summed (a name the two alone have counts about 0.7 whatever the size of the window,
    one that half the window has about 0.2). Of those, the story whose centroid is nearest
    by cosine, when that clears the threshold of its age (higher by ``SAME_SOURCE`` for a
    story that has an article of this source on this day).
    """
    oldest = day - len(thresholds) + 1
    scale = math.log(1.0 + n)
    evidence: dict[int, float] = {}
    for term in capitals:
        posting = postings.get(term)
        if posting is None:
            continue
        while posting and days[posting[0]] < oldest:
            posting.popleft()
        if posting:
            share = math.log(1.0 + n / df.get(term, 1)) / scale
            if term in item_names:
                for other in posting:
                    evidence[other] = evidence.get(other, 0.0) + share
            else:
                for other in posting:
                    if term in names_of[other]:
                        evidence[other] = evidence.get(other, 0.0) + share
    best, best_dot, best_margin = None, 0.0, 0.0
    seen: set[int] = set()
    for other, amount in evidence.items():
        if amount < _MIN_EVIDENCE:
            continue
        story = story_of[other]
        if not story.joinable or story.first_day < oldest or id(story) in seen:
            continue
        seen.add(id(story))
        dot = story.dot(vector)
        threshold = thresholds[day - story.first_day]
        if language >= 0 and language not in story.languages and len(story.languages) > 0:
            threshold *= OTHER_LANGUAGE
        margin = dot / math.sqrt(story.norm2) - threshold
        if source_day in story.sources:
            margin -= SAME_SOURCE
        if margin >= 0 and (best is None or margin > best_margin):
            best, best_dot, best_margin = story, dot, margin
    return best, best_dot


def _finish(items: list[StoryItem], stories: list[_Open], kept: list[Story]) -> list[Story]:
    """The Story values, with the overridden items placed (pass 2)."""
    groups: dict[str, list[StoryItem]] = {}
    order: list[str] = []
    for story in stories:
        if story.sid not in groups:
            order.append(story.sid)
        groups.setdefault(story.sid, []).extend(items[m] for m in story.members)
    explicit: dict[str, list[StoryItem]] = {}
    for story in kept:
        if story.id not in groups:
            order.append(story.id)
            groups[story.id] = []
    kept_by_id = {story.id: story for story in kept}
    for item in items:
        if isinstance(item.override, str):
            target = groups.get(item.override)
            if target is None:
                explicit.setdefault(item.override, []).append(item)
            else:
                target.append(item)
    result: list[Story] = []
    by_key = {item.key: item for item in items}
    for sid in order:
        members = groups[sid]
        if sid in kept_by_id:
            members = [by_key[key] for key in kept_by_id[sid].keys if key in by_key] + members
        result.append(_make(sid, members, explicit=False))
    result.extend(_make(sid, members, explicit=True) for sid, members in explicit.items())
    result.sort(key=lambda story: (by_key[story.lead].published, story.lead))
    return result


def _make(sid: str, members: list[StoryItem], explicit: bool) -> Story:
    members = sorted(members, key=lambda item: (item.published, item.key))
    sources: dict[str, None] = {}
    days: dict[dt.date, None] = {}
    for item in members:
        sources.setdefault(item.source, None)
        days.setdefault(item.published.date(), None)
    lead = members[0]
    return Story(
        id=sid,
        keys=tuple(item.key for item in members),
        lead=lead.key,
        title=lead.title,
        sources=tuple(sources),
        days=tuple(sorted(days)),
        explicit=explicit,
    )


def _new_id(item: StoryItem, taken: set[str]) -> str:
    day = item.published.date().isoformat()
    slug = slugify(item.title, _TITLE_SLUG) or sha1(item.key.encode()).hexdigest()[:8]
    base = f"{day}-{slug}"
    sid, n = base, 1
    while sid in taken:
        n += 1
        sid = f"{base}-{n}"
    taken.add(sid)
    return sid
