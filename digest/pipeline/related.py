"""Related articles: up to N sharing the most topics with an article, nearest in date first.

Exact, and fast enough for 100,000 articles: each topic is a bitset over the articles in
date order, so "the articles sharing at least k of this article's topics" is a few big-int
ANDs and ORs, and the nearest ones in date are the set bits nearest the article's own bit.

A build after a small change starts from the last build's lists (``related_with_memo``):
an article's list is worked out again only when the change could reach it (see
``_still_right``), so a new day costs its own articles, not the whole site's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence

from digest.incremental.cache import tool_identity
from digest.incremental.memos import LazyText, Memo, same_memo, text_of
from digest.model import Article
from digest.slugs import slugify

RELATED_MEMO = "related"
"""The cache memo holding the last build's lists (``related_with_memo``)."""
_FORMAT = 1


def related_articles(articles: tuple[Article, ...], limit: int = 5) -> list[tuple[Article, ...]]:
    """For each article of ``articles`` (newest first), its related articles in order."""
    return related_with_memo(articles, limit)[0]


def related_of_some(
    articles: tuple[Article, ...], positions: Iterable[int], limit: int = 5
) -> dict[int, tuple[Article, ...]]:
    """The related lists of the articles at ``positions`` only, as ``related_articles``
    gives them: for ``watch``'s pages of the files just saved, which cannot wait for the
    whole site's lists (``digest.commands.ahead``)."""
    slugs, stamps = _slugs(articles), _stamps(articles)
    bits = _bitsets(slugs)
    everyone = (1 << len(articles)) - 1
    return {
        at: tuple([articles[i] for i in _choose(at, slugs[at], bits, stamps, everyone, limit)])
        for at in positions
    }


def _slugs(articles: tuple[Article, ...]) -> list[tuple[str, ...]]:
    # A site has few topic names and many articles: each name is slugified once.
    slug_of: dict[str, str] = {}
    return [
        tuple([slug_of.get(t) or slug_of.setdefault(t, slugify(t)) for t in a.topics])
        for a in articles
    ]


def _stamps(articles: tuple[Article, ...]) -> list[float]:
    return [a.published.timestamp() for a in articles]


def related_with_memo(
    articles: tuple[Article, ...], limit: int = 5, memo: Memo | None = None, lazy: bool = False
) -> tuple[list[tuple[Article, ...]], Memo]:
    """``related_articles``, starting from ``memo`` (what the last build returned, or
    anything else: a memo that does not decode, or is of another tool, is ignored), and the
    memo for the next build (``lazy``: as a ``LazyText``, for ``watch``, which keeps none)."""
    slugs, stamps, keys = _facts(articles)
    # Slugs are unique within an article (the loader dedupes them): the reuse rule counts
    # shared topics as sets, as ``_count`` does only then.
    unique = all(len(set(topics)) == len(topics) for topics in slugs)
    old = _decode(memo, limit) if unique else None
    if old is not None and old[0] == keys:  # nothing that shapes a list changed
        lists = _split(old[1], old[2])
        return [tuple([articles[i] for i in chosen]) for chosen in lists], memo  # type: ignore[return-value]
    known = _reusable(old, keys)
    everyone = (1 << len(articles)) - 1
    bits: dict[str, int] = {}

    def all_bits() -> dict[str, int]:
        if not bits:  # only once a list is worked out: a new day reuses nearly all
            bits.update(_bitsets(slugs))
        return bits

    def choose(position: int) -> list[int]:
        return _choose(position, slugs[position], all_bits(), stamps, everyone, limit)

    chosen_all: list[list[int]] = []
    if known is not None:
        reused, added = known
        sets = [frozenset(topics) for topics in slugs]
        # Per topic, the new or changed articles having it: what each list is checked
        # against, without a set operation per list and new article.
        news: dict[str, list[int]] = {}
        for i in added:
            for slug in sets[i]:
                news.setdefault(slug, []).append(i)
        quiet = _quiet_test(added, sets, stamps, limit, all_bits)
        for position in range(len(articles)):
            chosen = reused[position]
            if chosen is None or (
                not news.keys().isdisjoint(sets[position])
                and not quiet(position, chosen)
                and not _still_right(position, chosen, news, sets, stamps, limit)
            ):
                chosen = choose(position)
            chosen_all.append(chosen)
    else:
        for position in range(len(articles)):
            chosen_all.append(choose(position))
    result = [tuple([articles[i] for i in chosen]) for chosen in chosen_all]
    record = {
        "format": _FORMAT,
        "tool": tool_identity(),
        "limit": limit,
        "keys": keys,
        "counts": [len(chosen) for chosen in chosen_all],
        "related": [i for chosen in chosen_all for i in chosen],
    }

    encode = functools.partial(json.dumps, record, separators=(",", ":"))
    text: Memo = LazyText(encode) if lazy else encode()
    _written[:] = [(text, limit, (keys, record["counts"], record["related"]))]
    return result, text


_seen: dict[int, tuple[Article, tuple[str, ...], float, str]] = {}
"""Each article of the last call's, by identity, with its slugs, time and key: ``watch``
plans again from the same articles, but a few."""

_written: list[tuple[Memo, int, _Memo]] = []
"""The memo this process wrote last, its limit and what it holds: ``watch`` plans again
from the memo of its last plan, which need not be decoded and checked again."""


def _facts(articles: tuple[Article, ...]) -> tuple[list[tuple[str, ...]], list[float], list[str]]:
    """Each article's topic slugs, time, and key: what a list depends on besides positions
    (the topics, the time, and the order among articles of one time, ``newest_first``: the
    slug, then the path). An article whose key is in the memo is unchanged for its own
    list and the others'."""
    seen: dict[int, tuple[Article, tuple[str, ...], float, str]] = {}
    last = _seen.get
    missing = [a for a in articles if (k := last(id(a))) is None or k[0] is not a]
    if missing:
        slugs, stamps = _slugs(tuple(missing)), _stamps(tuple(missing))
        for i, a in enumerate(missing):
            key = f"{a.path}\0{stamps[i]!r}\0{a.slug}\0{' '.join(slugs[i])}"
            seen[id(a)] = (a, slugs[i], stamps[i], key)
    get = seen.get
    facts = [get(id(a)) or last(id(a)) for a in articles]  # (an id taken again is in ``seen``)
    _seen.clear()
    for fact in facts:
        _seen[id(fact[0])] = fact  # type: ignore[index]
    _, slugs, stamps, keys = zip(*facts, strict=True) if facts else ((), (), (), ())
    return list(slugs), list(stamps), list(keys)


def _choose(
    position: int,
    topics: Sequence[str],
    bits: dict[str, int],
    stamps: list[float],
    everyone: int,
    limit: int,
) -> list[int]:
    """Positions of the related articles of the article at ``position``, in order."""
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
    return chosen


_Memo = tuple[list[str], list[int], list[int]]


def _decode(memo: Memo | None, limit: int) -> _Memo | None:
    """A memo's keys, list lengths and lists (end to end), checked; None for anything else."""
    if _written and _written[0][1] == limit and same_memo(memo, _written[0][0]):
        return _written[0][2]  # what it was written from (never changed in place)
    try:
        data = json.loads(text_of(memo))  # type: ignore[arg-type]
        if data["format"] != _FORMAT or data["tool"] != tool_identity() or data["limit"] != limit:
            return None
        keys, counts, flat = data["keys"], data["counts"], data["related"]
        if not (type(keys) is type(counts) is type(flat) is list) or len(counts) != len(keys):
            return None
        if len(set(keys)) != len(keys) or not all(type(k) is str for k in keys):
            return None
        if not all(type(n) is int for n in counts) or not all(type(i) is int for i in flat):
            return None
        if sum(counts) != len(flat) or (counts and not 0 <= min(counts) <= max(counts) <= limit):
            return None
        if flat and not 0 <= min(flat) <= max(flat) < len(keys):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    return keys, counts, flat


def _split(counts: list[int], flat: list[int]) -> list[list[int]]:
    lists, start = [], 0
    for count in counts:
        lists.append(flat[start : start + count])
        start += count
    return lists


def _reusable(
    memo: _Memo | None, keys: list[str]
) -> tuple[list[list[int] | None], list[int]] | None:
    """Per current position, the last build's list in current positions when the article
    and every article on its list are unchanged (their keys are in the memo), else None;
    and the positions of the articles that are new or changed. None: no memo, or a change
    too large for the memo to pay."""
    if memo is None:
        return None
    old_keys, counts, flat = memo
    here = {key: i for i, key in enumerate(keys)}
    now = [here.get(key) for key in old_keys]  # old position -> current, if unchanged
    reused: list[list[int] | None] = [None] * len(keys)
    for old, chosen in enumerate(_split(counts, flat)):
        i = now[old]
        if i is not None:
            moved = [now[j] for j in chosen]
            if None not in moved:
                reused[i] = moved  # type: ignore[assignment]
    kept = set(now)
    added = [i for i in range(len(keys)) if i not in kept]
    if len(added) * 8 > len(keys) + 64:  # most lists would be worked out again anyway
        return None
    return reused, added


def _quiet_test(
    added: list[int],
    sets: list[frozenset[str]],
    stamps: list[float],
    limit: int,
    all_bits: Callable[[], dict[str, int]],
) -> Callable[[int, list[int]], bool]:
    """A cheap sufficient test for ``_still_right``'s usual case, without its per-topic
    loop: the list is full, no added article shares two or more topics with the article,
    and every added article is farther in date than the whole list (bounded by the span of
    all added dates). False means "ask ``_still_right``", not "changed"."""
    if not added or limit <= 0:
        return lambda position, chosen: False
    low = min(stamps[i] for i in added)
    high = max(stamps[i] for i in added)
    bits = all_bits()
    everyone = (1 << len(stamps)) - 1
    several = 0  # positions sharing two or more topics with some added article
    for i in added:
        if len(sets[i]) > 1:
            several |= _at_least(_count(bits[slug] for slug in sets[i]), 2, everyone)
    flags = several.to_bytes(len(stamps) // 8 + 1, "little")

    def quiet(position: int, chosen: list[int]) -> bool:
        if len(chosen) < limit or flags[position >> 3] >> (position & 7) & 1:
            return False
        here = stamps[position]
        gap = low - here if here < low else here - high if here > high else 0.0
        return gap > 0 and all([abs(stamps[j] - here) < gap for j in chosen])

    return quiet


def _still_right(
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


def _bitsets(slugs: list[tuple[str, ...]]) -> dict[str, int]:
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
