"""Related articles: up to N sharing the most topics with an article, nearest in date first.

Exact, and fast enough for 100,000 articles: each topic is a bitset over the articles in
date order (``digest.pipeline.topic_bits``).

A build after a small change starts from the last build's lists (``related_with_memo``):
an article's list is worked out again only when the change could reach it (see
``still_right``), so a new day costs its own articles, not the whole site's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from digest.incremental.identity import tool_identity
from digest.incremental.memos import LazyText, Memo
from digest.model import Article
from digest.pipeline.related_memo import (
    FORMAT,
    WRITTEN,
    decode_memo,
    retest_for,
    reusable,
)
from digest.pipeline.topic_bits import at_least, count_planes, nearest_bits, topic_bitsets
from digest.slugs import slugify

RELATED_MEMO = "related"
"""The cache memo holding the last build's lists (``related_with_memo``)."""


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
    bits = topic_bitsets(slugs)
    everyone = (1 << len(articles)) - 1
    return {
        at: tuple([articles[i] for i in _choose(at, slugs[at], bits, stamps, everyone, limit)[0]])
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
    # shared topics as sets, as ``count_planes`` does only then.
    unique = all(len(set(topics)) == len(topics) for topics in slugs)
    old = decode_memo(memo, limit) if unique else None
    if old is not None and old[0] == keys:  # nothing that shapes a list changed
        return [tuple([articles[i] for i in chosen]) for chosen in old[1]], memo  # type: ignore[return-value]
    known = reusable(old, keys)
    everyone = (1 << len(articles)) - 1
    bits: dict[str, int] = {}

    def all_bits() -> dict[str, int]:
        if not bits:  # only once a list is worked out: a new day reuses nearly all
            bits.update(topic_bitsets(slugs))
        return bits

    def choose(position: int) -> tuple[list[int], int, float]:
        return _choose(position, slugs[position], all_bits(), stamps, everyone, limit)

    chosen_all: list[list[int]] = []
    bounds: list[tuple[int, float]] = []
    reused: list[list[int] | None] = [None] * len(articles)
    kept: list[tuple[int, float]] = []
    retest = None
    if known is not None:
        reused, added, kept = known
        retest = retest_for(added, slugs, stamps, limit, all_bits) if added else None
    for position in range(len(articles)):
        chosen = reused[position]
        if chosen is not None and (
            retest is None or not retest(position, len(chosen), kept[position], chosen.copy)
        ):
            bounds.append(kept[position])
        else:
            chosen, fewest, farthest = choose(position)
            bounds.append((fewest, farthest))
        chosen_all.append(chosen)
    result = [tuple([articles[i] for i in chosen]) for chosen in chosen_all]

    def encode() -> str:  # (its lists are never changed in place)
        return memo_text(keys, chosen_all, bounds, limit)

    text: Memo = LazyText(encode) if lazy else encode()
    held = (keys, chosen_all, bounds)
    WRITTEN[:] = [(text, limit, held)]
    return result, text


_seen: dict[int, tuple[Article, tuple[str, ...], float, str]] = {}
"""Each article of the last call's, by identity, with its slugs, time and key: ``watch``
plans again from the same articles, but a few."""


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
            seen[id(a)] = (a, slugs[i], stamps[i], memo_key(a, slugs[i], stamps[i]))
    get = seen.get
    facts = [get(id(a)) or last(id(a)) for a in articles]  # (an id taken again is in ``seen``)
    _seen.clear()
    for fact in facts:
        _seen[id(fact[0])] = fact  # type: ignore[index]
    _, slugs, stamps, keys = zip(*facts, strict=True) if facts else ((), (), (), ())
    return list(slugs), list(stamps), list(keys)


def memo_key(article: Article, slugs: tuple[str, ...], stamp: float) -> str:
    """The memo's key of an article: its path, time, slug and topics' slugs."""
    return f"{article.path}\0{stamp!r}\0{article.slug}\0{' '.join(slugs)}"


def memo_text(
    keys: Sequence[str],
    lists: Sequence[Sequence[int]],
    bounds: Sequence[tuple[int, float]],
    limit: int,
) -> str:
    """The memo of the articles' keys (``memo_key``), their lists (positions among them)
    and the lists' bounds, as JSON."""
    record = {
        "format": FORMAT,
        "tool": tool_identity(),
        "limit": limit,
        "keys": list(keys),
        "counts": [len(chosen) for chosen in lists],
        "related": [i for chosen in lists for i in chosen],
        "fewest": [bound[0] for bound in bounds],
        "farthest": [bound[1] for bound in bounds],
    }
    return json.dumps(record, separators=(",", ":"))


def _choose(
    position: int,
    topics: Sequence[str],
    bits: dict[str, int],
    stamps: list[float],
    everyone: int,
    limit: int,
) -> tuple[list[int], int, float]:
    """Positions of the related articles of the article at ``position``, in order, and the
    list's bounds: the fewest topics an article on it shares with this one, and how far in
    date the farthest of those sharing that few is (0 and 0.0 for an empty list). What an
    article added later must beat to enter it (``retest_for``)."""
    chosen: list[int] = []
    taken = 1 << position
    counts = count_planes(bits[slug] for slug in topics)
    fewest, farthest, when = 0, 0.0, stamps[position]
    for shared in range(len(topics), 0, -1):
        if len(chosen) >= limit:
            break
        level = at_least(counts, shared, everyone) & ~taken
        if not level:
            continue
        nearest = nearest_bits(level, position, limit - len(chosen), stamps)
        chosen.extend(nearest)
        # Levels go down: the last one taken from is the fewest.
        fewest, farthest = shared, max([abs(stamps[i] - when) for i in nearest])
        for index in nearest:
            taken |= 1 << index
    return chosen, fewest, farthest
