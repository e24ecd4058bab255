"""Related articles: up to N sharing the most topics with an article, nearest in date first.

Exact, and fast enough for 100,000 articles: each topic is a bitset over the articles in
date order, so "the articles sharing at least k of this article's topics" is a few big-int
ANDs and ORs, and the nearest ones in date are the set bits nearest the article's own bit.
"""

from __future__ import annotations

from collections.abc import Iterable

from digest.model import Article
from digest.slugs import slugify


def related_articles(articles: tuple[Article, ...], limit: int = 5) -> list[tuple[Article, ...]]:
    """For each article of ``articles`` (newest first), its related articles in order."""
    bits: dict[str, int] = {}
    slugs = [tuple(slugify(t) for t in a.topics) for a in articles]
    for position, topics in enumerate(slugs):
        for slug in topics:
            bits[slug] = bits.get(slug, 0) | (1 << position)

    stamps = [a.published.timestamp() for a in articles]
    everyone = (1 << len(articles)) - 1
    result: list[tuple[Article, ...]] = []
    for position, topics in enumerate(slugs):
        chosen: list[int] = []
        taken = 1 << position
        counts = _count(bits[slug] for slug in topics)
        for shared in range(len(topics), 0, -1):
            if len(chosen) >= limit:
                break
            level = _at_least(counts, shared, everyone) & ~taken
            if not level:
                continue
            nearest = _nearest_bits(level, position, limit - len(chosen), stamps)
            chosen.extend(nearest)
            for index in nearest:
                taken |= 1 << index
        result.append(tuple(articles[i] for i in chosen))
    return result


def _count(bitsets: Iterable[int]) -> list[int]:
    """Per position, how many of ``bitsets`` have its bit: a binary number per position,
    one big int per binary digit (least significant first). Adding the topics one by one
    costs a few ANDs each; trying every combination of them grows as 2 ** topics."""
    planes: list[int] = []
    for carry in bitsets:
        for digit, plane in enumerate(planes):
            planes[digit], carry = plane ^ carry, plane & carry
            if not carry:
                break
        if carry:
            planes.append(carry)
    return planes


def _at_least(planes: list[int], k: int, everyone: int) -> int:
    """The positions whose count (see ``_count``) is ``k`` or more."""
    if k.bit_length() > len(planes):
        return 0
    above, equal = 0, everyone
    for digit in range(len(planes) - 1, -1, -1):
        if k >> digit & 1:
            equal &= planes[digit]
        else:
            above |= equal & planes[digit]
            equal &= ~planes[digit]
    return above | equal


def _nearest_bits(bitset: int, center: int, count: int, stamps: list[float]) -> list[int]:
    """The ``count`` set bits nearest ``center`` in date (ties: the newer, lower index).

    Positions are in date order, so a bit outside a window around ``center`` is at least as
    far in date as the window's edge on its side: the window is wide enough once the
    ``count``-th nearest bit inside it is nearer than both edges.
    """
    length = bitset.bit_length()
    count = min(count, bitset.bit_count())
    when = stamps[center]

    def distance(i: int) -> float:
        return abs(stamps[i] - when)

    width = 32
    while True:
        low = max(0, center - width)
        high = center + width
        window = (bitset >> low) & ((1 << (high - low + 1)) - 1)
        indices = []
        while window:
            lowest = window & -window
            indices.append(low + lowest.bit_length() - 1)
            window ^= lowest
        indices.sort(key=lambda i: (distance(i), i))
        if len(indices) >= count:
            worst = distance(indices[count - 1])
            left_ok = low == 0 or worst < distance(low - 1)
            right_ok = high >= length - 1 or worst <= distance(high + 1)
            if left_ok and right_ok:
                return indices[:count]
        if low == 0 and high >= length - 1:
            return indices[:count]
        width *= 4
