"""Sets of article positions as the bits of one int: each topic a bitset over the articles
in date order, so "the articles sharing at least k of these topics" is a few big-int ANDs
and ORs, and the nearest ones in date are the set bits nearest an article's own bit (used
by ``digest.pipeline.related`` and ``digest.pipeline.related_memo``)."""

from __future__ import annotations

from collections.abc import Iterable


def topic_bitsets(slugs: list[tuple[str, ...]]) -> dict[str, int]:
    """Per topic, the positions of the articles having it, as the bits of one int: built
    from a byte per eight positions, not by an OR per article, which copies the int."""
    width = len(slugs) // 8 + 1
    rows: dict[str, bytearray] = {}
    for position, topics in enumerate(slugs):
        byte, bit = position >> 3, 1 << (position & 7)
        for slug in topics:
            row = rows.get(slug)
            if row is None:
                row = rows[slug] = bytearray(width)
            row[byte] |= bit
    return {slug: int.from_bytes(row, "little") for slug, row in rows.items()}


def count_planes(bitsets: Iterable[int]) -> list[int]:
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


def at_least(planes: list[int], k: int, everyone: int) -> int:
    """The positions whose count (see ``count_planes``) is ``k`` or more."""
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


def nearest_bits(bitset: int, center: int, count: int, stamps: list[float]) -> list[int]:
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
