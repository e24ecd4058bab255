"""Online clustering in time order: each article joins the nearest open story of its window
or starts one (the method is described in ``digest.clustering``)."""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable, Sequence

from digest.clustering.assemble import finish, new_id, split_previous
from digest.clustering.items import WINDOW_DAYS, Story, StoryItem, in_time_order
from digest.clustering.settle import converged, take_the_rest
from digest.clustering.terms import AGAIN, Bag, Terms

# Chosen on tests/fixtures/stories/dev (see tests/stories/evaluation.py).
_THRESHOLDS = (0.16, 0.23, 0.30)  # cosine with a story, by days since its first article
_MIN_EVIDENCE = 0.4  # shared names and numbers (see _best) two articles need at least
SAME_SOURCE = 0.1
"""Added to the threshold for joining a story that has an article of the same source and day:
one outlet rarely writes one development twice a day, and often writes one city twice."""
CROSS = 0.5
"""What a name of one article counts when the other has the word capitalised only at the
start of a sentence (or of the title), relative to a name both have: such a capital is a name
less often. Dev is flat from 0.3 to 1.0 (below 0.3 it loses links)."""
OTHER_LANGUAGE = 0.7
"""The threshold's factor for joining a story none of whose articles is in the language of
this one: only names, numbers and cognates meet across languages, so the cosine of two
reports of one development is lower (the names they must share keep it safe). Not chosen
on dev, which is flat from 0.55 to 1.0: kept from the change that brought it in."""


def cluster(items: Iterable[StoryItem], window_days: int = WINDOW_DAYS) -> list[Story]:
    """The stories of ``items``: each item in exactly one, ordered by their first item."""
    return _Clusterer(window_days).run(in_time_order(items), None, None)


def recluster(
    previous: Sequence[Story],
    items: Iterable[StoryItem],
    since: dt.datetime,
    window_days: int = WINDOW_DAYS,
    until: dt.datetime | None = None,
    settled: list[int] | None = None,
    terms: Terms | None = None,
) -> list[Story]:
    """``cluster(items)``, reusing ``previous`` for the items published before ``since``.

    ``previous`` must be ``cluster(old_items, window_days)`` for ``old_items`` that are the
    same as ``items`` before ``since`` (the caller knows which files changed). With
    ``until``, they must also be the same after ``until`` (the changes lie between the two):
    then the clustering stops as soon as it is back on ``previous``'s track past the
    change's reach (``_converged``), and the items after that keep ``previous``'s stories,
    so an edit in the past costs a few days, not the days from it to the newest.
    ``settled``: given, the ordinal of the day the run came back on that track is appended
    to it (nothing when it clustered to the end). ``terms``: the tokeniser to use, for a
    caller that clusters the same articles again (``Terms(keep_bags=True)``); else a new one.
    """
    clusterer = _Clusterer(window_days, terms)
    return clusterer.run(in_time_order(items), previous, since, until, settled)


class _Open:
    """A story under construction: its automatic members in time order, and their sum."""

    __slots__ = (
        "centroid",
        "decided",
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
        # Of its members (``StoryItem.lang``); a tuple, which the garbage collector leaves alone.
        self.languages: tuple[str, ...] = ()
        self.decided: dict[str, int] = {}  # kind of decision -> first day a title reported it

    def dot(self, vector: dict[str, float]) -> float:
        centroid = self.centroid
        # Only the shared terms, found in C; fsum, exactly rounded, makes the figure
        # independent of the set's (hash-seeded) order.
        return math.fsum([vector[t] * centroid[t] for t in vector.keys() & centroid.keys()])

    def add(
        self, index: int, vector: dict[str, float], dot: float, bag: Bag, lang: str, day: int
    ) -> None:
        self.members.append(index)
        if lang not in self.languages:
            self.languages += (lang,)
        if bag.decisions:
            for kind in bag.decisions:
                if kind != AGAIN:
                    self.decided.setdefault(kind, day)
        centroid = self.centroid
        if len(self.members) == 1:  # a new story, most of them: its first vector is its sum
            # The vector itself, not a copy: the caller makes a new one for every item and
            # keeps none (see ``_Clusterer.run``).
            self.centroid = vector
            self.norm2 = 1.0
            return
        for term, weight in vector.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        self.norm2 += 2.0 * dot + 1.0

    def repeats(self, bag: Bag, day: int) -> bool:
        """Whether ``bag``'s title reports a kind of decision this story reported on an
        earlier day, made again: for someone the story has not named (a capitalised word of
        the title that none of its articles has), or with a word that says so (*remaining*,
        *more*). Bail for more of a crew on Tuesday is a new story, not a follow-up of
        Monday's bail; a reaction to Monday's names whom Monday's articles named."""
        decided = self.decided
        if not any(decided.get(kind, day) < day for kind in bag.decisions):
            return False
        if AGAIN in bag.decisions:
            return True
        centroid = self.centroid
        return any(subject not in centroid for subject in bag.subjects)


_FINAL = _Open("", -(10**9), joinable=False)  # stands for the stories a resume keeps whole


class _Window:
    """The items of the last ``window`` days: their terms' document frequencies, and who
    has which name, and which other capitalised word, for finding candidates."""

    __slots__ = ("bags", "capitals", "df", "names", "recent")

    def __init__(self) -> None:
        self.bags: dict[int, dict[str, float]] = {}
        self.recent: deque[int] = deque()
        self.df: dict[str, int] = {}
        # Name -> the items having it as a name, in time order; and as another capitalised
        # word only. Lists, not deques: most terms have one or two items, and a deque costs
        # a block of 64 slots.
        self.names: dict[str, list[int]] = {}
        self.capitals: dict[str, list[int]] = {}

    def drop_before(self, day: int, days: list[int]) -> None:
        recent, df = self.recent, self.df
        while recent and days[recent[0]] < day:
            for term in self.bags.pop(recent.popleft()):
                count = df[term] - 1
                if count:
                    df[term] = count
                else:
                    del df[term]

    def push(self, index: int, terms: dict[str, float]) -> dict[str, float]:
        """Count the item in, and give its unit TF-IDF vector against the window's document
        frequencies (its own included): (1 + log tf) * log(1 + n / df) for each term."""
        # One pass for the counting and the weighing, one logarithm per distinct df (most
        # terms share a handful of small ones) and none for tf = 1: this runs for every item.
        self.recent.append(index)
        self.bags[index] = terms
        n = len(self.recent)
        df = self.df
        get = df.get
        idf: dict[int, float] = {}
        vector: dict[str, float] = {}
        total = 0.0
        for term, tf in terms.items():
            count = get(term, 0) + 1
            df[term] = count
            weight = idf.get(count)
            if weight is None:
                weight = idf[count] = math.log(1.0 + n / count)
            if tf != 1.0:
                weight = (1.0 + math.log(tf)) * weight
            vector[term] = weight
            total += weight * weight
        norm = math.sqrt(total) or 1.0
        return {term: w / norm for term, w in vector.items()}

    def post(self, index: int, bag: Bag, oldest: int, days: list[int]) -> None:
        """Index the item by its names and its other capitalised words. (The lists of its
        names were pruned when it looked them up; those of its capitals are pruned here, or
        they would grow with the archive when no article has the word as a name.)"""
        names = self.names
        for term in bag.names:
            posting = names.get(term)
            if posting is None:
                names[term] = [index]
            else:
                posting.append(index)
        capitals = self.capitals
        for term in bag.capitals:
            posting = capitals.get(term)
            if posting is None:
                capitals[term] = [index]
            else:
                if posting and days[posting[0]] < oldest:
                    if days[posting[-1]] < oldest:  # all of them: most often
                        posting.clear()
                    else:
                        _prune(posting, oldest, days)
                posting.append(index)


class _Clusterer:
    def __init__(self, window_days: int, terms: Terms | None = None) -> None:
        if window_days < 0:
            raise ValueError("window_days must be >= 0")
        self.window = window_days
        self.terms = Terms() if terms is None else terms

    def run(
        self,
        items: list[StoryItem],
        previous: Sequence[Story] | None,
        since: dt.datetime | None,
        until: dt.datetime | None = None,
        settled: list[int] | None = None,
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
            kept, forced = split_previous(items, days, auto, previous, live_from, live_day - window)
            taken.update(story.id for story in kept)

        opened: dict[str, _Open] = {}
        story_of: dict[int, _Open] = {}
        stories: list[_Open] = []
        seen = _Window()
        thresholds = _THRESHOLDS + (_THRESHOLDS[-1],) * max(0, window + 1 - len(_THRESHOLDS))

        # From ``settle`` on, a run back on ``previous``'s track stays on it (``settle``);
        # one more day for items whose dates are in other timezones than ``until``'s.
        reach = len(thresholds) - 1 + window
        settle = None if until is None or previous is None else until.date().toordinal() + reach + 2
        was = {key: story.id for story in previous for key in story.keys} if settle else {}
        last_day = None

        for position in range(replay_from, len(auto)):
            index = auto[position]
            item = items[index]
            day = days[index]
            if settle is not None and day != last_day and day >= settle:
                oldest = day - reach
                if converged(items, days, auto, position, live_from, oldest, story_of, was):
                    take_the_rest(items, auto, position, stories, previous, was, kept)
                    if settled is not None:
                        settled.append(day)
                    break
            last_day = day
            if item.override is False:  # alone: no features, no candidate
                sid = forced.get(item.key) if position < live_from else new_id(item, taken)
                if sid:
                    story = _Open(sid, day, joinable=False)
                    story.members.append(index)
                    stories.append(story)
                    taken.add(sid)
                story_of[index] = story if sid else _FINAL
                continue
            seen.drop_before(day - window, days)
            bag = self.terms.bag(item)
            vector = seen.push(index, bag.terms)

            if position < live_from:
                sid = forced[item.key]
                story = opened.get(sid) if sid else _FINAL
                if story is None:
                    story = opened[sid] = _Open(sid, day)
                    stories.append(story)
                    taken.add(sid)
                if story is not _FINAL:
                    story.add(index, vector, story.dot(vector), bag, item.lang, day)
                    story.sources.add((item.source, day))
            else:
                story, dot = _best(
                    vector, bag, item.lang, (item.source, day), seen, days, story_of, thresholds
                )
                if story is None:
                    story = _Open(new_id(item, taken), day)
                    stories.append(story)
                story.add(index, vector, dot, bag, item.lang, day)
                story.sources.add((item.source, day))
            story_of[index] = story
            seen.post(index, bag, day - len(thresholds) + 1, days)

        return finish(items, stories, kept)


def _prune(posting: list[int], oldest: int, days: list[int]) -> None:
    """Drop the items of ``posting`` older than day ``oldest``."""
    keep = 0
    while keep < len(posting) and days[posting[keep]] < oldest:
        keep += 1
    del posting[:keep]


def _evidence(bag: Bag, seen: _Window, oldest: int, days: list[int]) -> dict[int, float]:
    """The window's items (from day ``oldest`` on) that share names with ``bag``, and how
    much (see ``_best``). Drops the postings older than ``oldest`` on the way."""
    df = seen.df
    n = len(seen.recent)
    scale = math.log(1.0 + n)
    log = math.log
    evidence: dict[int, float] = {}
    get = evidence.get
    names, capitals = seen.names.get, seen.capitals.get
    # Sorted: the sums, and so the order of the candidates, do not depend on the hash seed.
    # A name meets names at full weight and capitals at CROSS, a capital meets names at
    # CROSS, in this order (the sums' order). Most terms have no posting, or one whose items
    # have all left the window (they are in time order: the last one tells); those cost a
    # look-up or two and no call of _prune.
    looks = [
        (t, look, w) for t in sorted(bag.names) for look, w in ((names, 1.0), (capitals, CROSS))
    ]
    looks += [(t, names, CROSS) for t in sorted(bag.capitals)]
    for term, look, weight in looks:
        posting = look(term)
        if posting:
            if days[posting[-1]] < oldest:
                posting.clear()
                continue
            if days[posting[0]] < oldest:
                _prune(posting, oldest, days)
            share = weight * log(1.0 + n / df.get(term, 1)) / scale
            for other in posting:
                evidence[other] = get(other, 0.0) + share
    return evidence


def _best(
    vector: dict[str, float],
    bag: Bag,
    lang: str,
    source_day: tuple[str, int],
    seen: _Window,
    days: list[int],
    story_of: dict[int, _Open],
    thresholds: tuple[float, ...],
) -> tuple[_Open | None, float]:
    """The story the item joins (None: a story of its own), and its dot product with it.

    Candidates are the open stories with an item that shares enough names with this one
    (a name of one of the two that the other has capitalised at the start of a sentence
    counts for ``CROSS``: *Athens metro workers walk out* / *strike brings Athens to a
    standstill*): their idf, each relative to that of a term only one item of the window has,
    summed (a name the two alone have counts about 0.7 whatever the size of the window,
    one that half the window has about 0.2). Of those, the story whose centroid is nearest
    by cosine, when that clears the threshold of its age (higher by ``SAME_SOURCE`` for a
    story that has an article of this source on this day, lower by ``OTHER_LANGUAGE`` for
    one with no article in this one's language); not one that this item would repeat a
    decision of (``_Open.repeats``).
    """
    day = source_day[1]
    oldest = day - len(thresholds) + 1
    evidence = _evidence(bag, seen, oldest, days)
    best, best_dot, best_margin = None, 0.0, 0.0
    looked: set[_Open] = set()  # by identity: _Open has no __eq__
    for other, amount in evidence.items():
        if amount < _MIN_EVIDENCE:
            continue
        story = story_of[other]
        if not story.joinable or story.first_day < oldest or story in looked:
            continue
        looked.add(story)
        dot = story.dot(vector)
        threshold = thresholds[day - story.first_day]
        if lang and lang not in story.languages:
            threshold *= OTHER_LANGUAGE
        margin = dot / math.sqrt(story.norm2) - threshold
        if source_day in story.sources:
            margin -= SAME_SOURCE
        if margin >= 0 and (best is None or margin > best_margin) and not story.repeats(bag, day):
            best, best_dot, best_margin = story, dot, margin
    return best, best_dot
