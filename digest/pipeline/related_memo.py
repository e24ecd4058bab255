"""The last build's related lists, kept as a cache memo, and what of them a build may keep:
a list is worked out again only when the change could reach it (``still_right``,
``retest_for``), so a new day costs its own articles, not the whole site's."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from digest.incremental.identity import tool_identity
from digest.incremental.memos import Memo, same_memo, text_of
from digest.pipeline.topic_bits import at_least, count_planes

FORMAT = 2
"""Of the memo's record: a memo of another format is ignored."""

Lists = tuple[list[str], list[list[int]], list[tuple[int, float]]]
"""A memo's keys, each key's list (positions among the keys), and each list's bounds
(``related._choose``)."""


def decode_memo(memo: Memo | None, limit: int) -> Lists | None:
    """A memo's keys, lists and bounds, checked; None for anything else."""
    if WRITTEN and WRITTEN[0][1] == limit and same_memo(memo, WRITTEN[0][0]):
        return WRITTEN[0][2]  # what it was written from (never changed in place)
    try:
        data = json.loads(text_of(memo))  # type: ignore[arg-type]
        if data["format"] != FORMAT or data["tool"] != tool_identity() or data["limit"] != limit:
            return None
        keys, counts, flat = data["keys"], data["counts"], data["related"]
        if not (type(keys) is type(counts) is type(flat) is list) or len(counts) != len(keys):
            return None
        # Types by ``set(map(type, ...))``: at C speed (a site's memo holds 60,000 numbers).
        if len(set(keys)) != len(keys) or not set(map(type, keys)) <= _STR:
            return None
        if not set(map(type, counts)) <= _INT or not set(map(type, flat)) <= _INT:
            return None
        if sum(counts) != len(flat) or (counts and not 0 <= min(counts) <= max(counts) <= limit):
            return None
        if flat and not 0 <= min(flat) <= max(flat) < len(keys):
            return None
        fewest, farthest = data["fewest"], data["farthest"]
        if not (type(fewest) is type(farthest) is list) or len(fewest) != len(farthest):
            return None
        if len(fewest) != len(keys) or not set(map(type, fewest)) <= _INT:
            return None
        if not set(map(type, farthest)) <= _NUMBER or not all(map(math.isfinite, farthest)):
            return None
        if fewest and not (min(fewest) >= 0 and min(farthest) >= 0):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    return keys, split_lists(counts, flat), list(zip(fewest, farthest, strict=True))


_STR, _INT, _NUMBER = frozenset({str}), frozenset({int}), frozenset({int, float})


def split_lists(counts: list[int], flat: list[int]) -> list[list[int]]:
    lists, start = [], 0
    for count in counts:
        lists.append(flat[start : start + count])
        start += count
    return lists


def reusable(
    memo: Lists | None, keys: list[str]
) -> tuple[list[list[int] | None], list[int], list[tuple[int, float]]] | None:
    """Per current position, the last build's list in current positions when the article
    and every article on its list are unchanged (their keys are in the memo), else None;
    the positions of the articles that are new or changed; and each position's bounds
    (``related._choose``) as the memo has them. None: no memo, or a change too large for
    the memo to pay."""
    if memo is None:
        return None
    old_keys, lists, old_bounds = memo
    here = {key: i for i, key in enumerate(keys)}
    now = [here.get(key) for key in old_keys]  # old position -> current, if unchanged
    reused: list[list[int] | None] = [None] * len(keys)
    bounds: list[tuple[int, float]] = [(0, 0.0)] * len(keys)
    for old, chosen in enumerate(lists):
        i = now[old]
        if i is not None:
            moved = [now[j] for j in chosen]
            if None not in moved:
                reused[i] = moved  # type: ignore[assignment]
                bounds[i] = old_bounds[old]
    kept = set(now)
    added = [i for i in range(len(keys)) if i not in kept]
    if len(added) * 8 > len(keys) + 64:  # most lists would be worked out again anyway
        return None
    return reused, added, bounds


def retest_for(
    added: list[int],
    slugs: list[tuple[str, ...]],
    stamps: list[float],
    limit: int,
    all_bits: Callable[[], dict[str, int]],
) -> Callable[[int, int, tuple[int, float], Callable[[], list[int]]], bool]:
    """Whether an unchanged article's list (every article on it unchanged) is to be worked
    out again now that the ``added`` (new or changed) articles are there: it is, when one
    of them shares a topic with the article and the list is short, or shares more than the
    list's fewest (its bounds, ``related._choose``); when one shares exactly that few and
    the list's farthest of those is no nearer than the added dates, ``still_right`` says.
    One look-up in a few bitsets for most articles: a new day reaches most of the site's
    articles by some topic, and lists whose bounds it does not beat are most of those.

    The retest takes the list's length, its bounds and the call that gives its positions:
    those are asked for only when ``still_right`` is (``watch``'s lists hold articles)."""
    bits = all_bits()
    width = len(stamps) // 8 + 1
    sets = [frozenset(slugs[i]) for i in added]
    news: dict[str, list[int]] = {}
    for i, topics in zip(added, sets, strict=True):
        for slug in topics:
            news.setdefault(slug, []).append(i)
    # Per count of topics, the positions sharing at least that many with an added article.
    sharing: dict[int, int] = {}
    everyone = (1 << len(stamps)) - 1
    for topics in sets:
        planes = count_planes(bits[slug] for slug in topics)
        for n in range(1, len(topics) + 1):
            sharing[n] = sharing.get(n, 0) | at_least(planes, n, everyone)
    flags = {n: positions.to_bytes(width, "little") for n, positions in sharing.items()}
    none = bytes(width)
    low, high = min(stamps[i] for i in added), max(stamps[i] for i in added)
    lazy_sets = _TopicSets(slugs)

    def retest(
        position: int, count: int, bounds: tuple[int, float], chosen: Callable[[], list[int]]
    ) -> bool:
        byte, bit = position >> 3, position & 7
        if not flags.get(1, none)[byte] >> bit & 1 or limit <= 0:
            return False  # no topic in common with any added article
        if count < limit:
            return True
        fewest, farthest = bounds
        if flags.get(fewest + 1, none)[byte] >> bit & 1:
            return True
        here = stamps[position]
        # A second of slack: the test only spares ``still_right`` the lists out of reach.
        if here + farthest + 1 < low or here - farthest - 1 > high:
            return False
        return not still_right(position, chosen(), news, lazy_sets, stamps, limit)  # type: ignore[arg-type]

    return retest


class _TopicSets(dict):  # type: ignore[type-arg]
    """Position -> its topics as a set, for ``still_right``: made on first use (it asks
    for a few hundred of the site's articles)."""

    def __init__(self, slugs: list[tuple[str, ...]]) -> None:
        super().__init__()
        self._slugs = slugs

    def __missing__(self, key: int) -> frozenset[str]:
        value = self[key] = frozenset(self._slugs[key])
        return value


def still_right(
    position: int,
    chosen: list[int],
    added: dict[str, list[int]],
    sets: list[frozenset[str]],
    stamps: list[float],
    limit: int,
) -> bool:
    """Whether the last build's list (every article on it unchanged) is still the list of
    the unchanged article at ``position``, given the new or changed articles (their
    positions ``added`` by topic).

    The list takes every article sharing more than ``k`` topics, then the nearest in date
    sharing ``k`` (the fewest any article on it shares), ties to the newer. Taking an
    article away that is not on the list changes no choice, and the relative order of the
    others stays as it was, so only an added article can change the list: by sharing a
    topic when the list is short, more than ``k`` topics, or ``k`` topics and being no
    farther in date than the farthest of those (ties counted as a change).
    """
    mine = sets[position]
    sharing: dict[int, int] = {}  # added position -> topics shared with this article
    for slug in mine:
        for i in added.get(slug, ()):
            sharing[i] = sharing.get(i, 0) + 1
    if not sharing:
        return True
    if len(chosen) < limit:
        return False
    if not chosen:  # limit 0
        return True
    here = stamps[position]
    if max(sharing.values()) == 1:
        # The usual new day: each added article shares one topic, the fewest any article
        # on the list can share, and is farther in date than the whole list.
        nearest = min([abs(stamps[i] - here) for i in sharing])
        if all([abs(stamps[j] - here) < nearest and not mine.isdisjoint(sets[j]) for j in chosen]):
            return True
    shares = [len(mine & sets[i]) for i in chosen]
    fewest = min(shares)
    if max(sharing.values()) > fewest:
        return False
    farthest = max(
        abs(stamps[i] - here) for i, n in zip(chosen, shares, strict=True) if n == fewest
    )
    return all(shared < fewest or abs(stamps[i] - here) > farthest for i, shared in sharing.items())


WRITTEN: list[tuple[Memo, int, Lists]] = []
"""The memo this process wrote last, its limit and what it holds: ``watch`` plans again
from the memo of its last plan, which need not be decoded and checked again."""
