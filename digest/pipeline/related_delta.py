"""Related lists by delta: ``watch``'s replans update the last plan's lists in memory for
the articles that left and came, instead of passing over every article's list.

``related_lists`` is ``related.related_with_memo`` (the same lists, the same memo text when
it is read) and, for a lazy memo (``watch``), keeps what the next replan starts from: the
articles in order with their topics' slugs, times, lists and bounds, and each topic's
bitset. The next call with that memo takes out the positions of the articles gone and puts
in those of the articles come (every bitset shifted by one bit for each, a few hundred big-
int operations), then works out again only the lists the change can reach:

- the new articles' own;
- the lists that held an article gone (found among the articles sharing a topic with it);
- the lists a new article may enter: among the articles sharing a topic with one, those
  whose bounds it beats (``related_memo.retest_for``, the rule ``related_with_memo`` uses).

Taking away an article that is not on a list leaves the list as it was, and the relative
order of the others too (``related_memo.still_right``), so these are all the lists that
change; tests/pipeline/test_related_delta.py holds the result equal to the lists worked
out from nothing after any steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from digest.incremental.memos import LazyText, Memo
from digest.model import Article
from digest.pipeline.index_delta import changed_between
from digest.pipeline.related import (
    _choose,
    _slugs,
    _stamps,
    memo_key,
    memo_text,
    related_with_memo,
)
from digest.pipeline.related_memo import WRITTEN, retest_for
from digest.pipeline.topic_bits import topic_bitsets

MAX_CHANGED = 64
"""More articles gone and come than this: the lists are worked out as a build does."""


@dataclass(slots=True)
class _Lists:
    """What the lists of ``articles`` are made of, position by position."""

    articles: tuple[Article, ...]
    slugs: list[tuple[str, ...]]
    stamps: list[float]
    lists: list[tuple[Article, ...]]
    bounds: list[tuple[int, float]]
    bits: dict[str, int]
    limit: int


_kept: list[tuple[Memo, _Lists]] = []
"""The memo of the last lazy call, with what it was made from."""


def updates(memo: Memo | None, limit: int = 5) -> bool:
    """Whether ``related_lists`` with ``memo`` updates the lists by delta."""
    return bool(_kept) and _kept[0][0] is memo and _kept[0][1].limit == limit


def related_lists(
    articles: tuple[Article, ...], limit: int = 5, memo: Memo | None = None, lazy: bool = False
) -> tuple[list[tuple[Article, ...]], Memo]:
    """``related_with_memo(articles, limit, memo, lazy)``, by delta from the last lazy
    call's lists when ``memo`` is that call's."""
    if lazy and updates(memo, limit):
        state = _kept[0][1]
        if state.articles is articles:  # asked again of the lists it just made (plan_ahead)
            return list(state.lists), _kept[0][0]
        if _update(state, articles):
            snapshot = _snapshot(state)
            text = LazyText(lambda: _encode(snapshot))
            _kept[:] = [(text, state)]
            WRITTEN.clear()  # no longer the last memo: a later reader decodes the text
            return list(state.lists), text
    _kept.clear()
    lists, text = related_with_memo(articles, limit, memo, lazy)
    if lazy and limit > 0 and WRITTEN and WRITTEN[0][0] is text:
        slugs, stamps = _slugs(articles), _stamps(articles)
        if all(len(set(topics)) == len(topics) for topics in slugs):
            bounds = list(WRITTEN[0][2][2])
            state = _Lists(
                articles, slugs, stamps, list(lists), bounds, topic_bitsets(slugs), limit
            )
            _kept[:] = [(text, state)]
    return lists, text


def _update(state: _Lists, articles: tuple[Article, ...]) -> bool:
    """Make ``state`` that of ``articles``; False (and ``state`` unusable) when the change
    is not one to update for."""
    gone, came = changed_between(state.articles, articles)
    if len(gone) + len(came) > MAX_CHANGED:
        return False
    if len(articles) - len(came) != len(state.articles) - len(gone):
        return False  # an article twice
    new_slugs = _slugs(tuple(articles[p] for p in came))
    if any(len(set(topics)) != len(topics) for topics in new_slugs):
        return False
    slugs, stamps, lists, bounds, bits = (
        state.slugs,
        state.stamps,
        state.lists,
        state.bounds,
        state.bits,
    )
    gone_articles = [state.articles[p] for p in gone]
    gone_slugs = {slug for p in gone for slug in slugs[p]}
    for p in reversed(gone):
        del slugs[p], stamps[p], lists[p], bounds[p]
        low = (1 << p) - 1
        for slug, bitset in list(bits.items()):
            shifted = (bitset & low) | ((bitset >> (p + 1)) << p)
            if shifted:
                bits[slug] = shifted
            else:
                del bits[slug]
    came_stamps = _stamps(tuple(articles[p] for p in came))
    for p, topics, stamp in zip(came, new_slugs, came_stamps, strict=True):
        slugs.insert(p, topics)
        stamps.insert(p, stamp)
        lists.insert(p, ())
        bounds.insert(p, (0, 0.0))
        low = (1 << p) - 1
        for slug, bitset in bits.items():
            bits[slug] = (bitset & low) | ((bitset >> p) << (p + 1))
        for slug in topics:
            bits[slug] = bits.get(slug, 0) | (1 << p)
    state.articles = articles

    everyone = (1 << len(articles)) - 1
    redo = set(came)
    if gone_articles:
        # A list that held an article gone shares a topic with it.
        reach = 0
        for slug in gone_slugs:
            reach |= bits.get(slug, 0)
        gone_ids = {id(a) for a in gone_articles}
        for position in _positions(reach):
            if not gone_ids.isdisjoint(map(id, lists[position])):
                redo.add(position)
    if came:
        retest = retest_for(came, slugs, stamps, state.limit, lambda: bits)
        reach = 0
        for slug in {slug for topics in new_slugs for slug in topics}:
            reach |= bits[slug]
        at: dict[int, int] = {}

        def positions_of(listed: tuple[Article, ...]) -> Callable[[], list[int]]:
            # Asked of the few lists ``still_right`` looks at: the site's positions by
            # identity are made for the first of them.
            def chosen() -> list[int]:
                if not at:
                    at.update(zip(map(id, articles), range(len(articles)), strict=True))
                return [at[id(a)] for a in listed]

            return chosen

        for position in _positions(reach):
            if position in redo:
                continue
            listed = lists[position]
            if retest(position, len(listed), bounds[position], positions_of(listed)):
                redo.add(position)
    for position in sorted(redo):
        chosen, fewest, farthest = _choose(
            position, slugs[position], bits, stamps, everyone, state.limit
        )
        lists[position] = tuple([articles[i] for i in chosen])
        bounds[position] = (fewest, farthest)
    return True


def _positions(bitset: int) -> list[int]:
    """The set bits of ``bitset``, lowest first."""
    text = bin(bitset)[:1:-1]  # least significant first, without "0b"
    return [i for i, digit in enumerate(text) if digit == "1"]


def _snapshot(state: _Lists) -> tuple[tuple[Article, ...], list, list, list, list, int]:
    return (
        state.articles,
        list(state.slugs),
        list(state.stamps),
        list(state.lists),
        list(state.bounds),
        state.limit,
    )


def _encode(snapshot: tuple[tuple[Article, ...], list, list, list, list, int]) -> str:
    articles, slugs, stamps, lists, bounds, limit = snapshot
    at = {id(a): i for i, a in enumerate(articles)}
    keys = [memo_key(a, t, w) for a, t, w in zip(articles, slugs, stamps, strict=True)]
    return memo_text(keys, [[at[id(a)] for a in chosen] for chosen in lists], bounds, limit)
