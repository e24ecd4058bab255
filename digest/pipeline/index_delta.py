"""Index delta: the index after a few articles came and went, from the index before them,
without indexing the site again (``watch``'s replans, ``digest.commands.delta``).

``update_index(old, gone, came, config)`` is ``build_index`` of the articles ``old`` was
built from without ``gone`` and with ``came``, equal to it field for field (the property
test in tests/pipeline/test_index_delta.py holds it so), and shares with ``old`` every day
and term that neither touches. It costs a few look-ups per article that changed and one
pass over the days and terms (a few thousand at 10,000 articles), where ``build_index``
sorts, checks and groups every article (20-30 ms at 10,000).

It answers None, and the caller indexes the site anew, whenever the shortcut would have to
reproduce ``build_index``'s rarer work: a site where some topic or source is spelt more
than one way (``SiteIndex.unique`` is None: which spelling wins depends on every use), a
new article with another spelling of a name the site has, or one repeating another's url
or day and slug (the full index reports it, located).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, count
from operator import is_not
from typing import Any

from digest.config import SiteConfig
from digest.model import Article, Day, Term
from digest.pipeline.index import SiteIndex, newest_first, topic_rules, with_rule_topics
from digest.slugs import slugify


def update_index(
    old: SiteIndex, gone: Sequence[Article], came: Sequence[Article], config: SiteConfig
) -> SiteIndex | None:
    """``old`` without the articles ``gone`` (as loaded: the ones ``old`` was built from)
    and with ``came`` (as loaded, new or edited); None when the index must be built anew."""
    if old.unique is None:
        return None
    urls, links = set(old.unique[0]), set(old.unique[1])
    articles = list(old.articles)
    removed: list[Article] = []
    for raw in gone:
        key = newest_first(raw)  # what the rules and spellings leave alone
        position = bisect_left(articles, key, key=newest_first)
        if position == len(articles) or articles[position].path != raw.path:
            return None  # not an article of ``old``
        article = articles.pop(position)
        removed.append(article)
        urls.discard(article.canonical_url)
        links.discard(article.permalink.lower())

    topic_names = {term.slug: term.name for term in old.topics}
    source_names = {term.slug: term.name for term in old.sources}
    rules = topic_rules(config)
    added: list[Article] = []
    for raw in came:
        article = with_rule_topics(raw, rules)
        for names, name in [(topic_names, t) for t in article.topics] + [
            (source_names, article.source)
        ]:
            if names.setdefault(slugify(name), name) != name:
                return None  # a second spelling: which one every page shows is the index's
        url, link = article.canonical_url, article.permalink.lower()
        if url in urls or link in links:
            return None  # a duplicate: the index reports it
        urls.add(url)
        links.add(link)
        insort(articles, article, key=newest_first)
        added.append(article)

    def slugs_of_topics(article: Article) -> Iterable[str]:
        return map(slugify, article.topics)

    def slug_of_source(article: Article) -> Iterable[str]:
        return (slugify(article.source),)

    return SiteIndex(
        articles=tuple(articles),
        days=_days(old.days, removed, added),
        topics=_terms("topics", old.topics, removed, added, slugs_of_topics, topic_names),
        sources=_terms("sources", old.sources, removed, added, slug_of_source, source_names),
        unique=(frozenset(urls), frozenset(links)),
    )


def _without_and_with(
    items: Sequence[Article], removed: Iterable[Article], added: Iterable[Article]
) -> tuple[Article, ...]:
    """Newest-first ``items`` less ``removed`` (by identity) and with ``added``, in order."""
    kept = list(items)
    for article in removed:
        position = bisect_left(kept, newest_first(article), key=newest_first)
        if position < len(kept) and kept[position] is article:
            del kept[position]
    for article in added:
        insort(kept, article, key=newest_first)
    return tuple(kept)


def _first_key(day: Day) -> tuple[float, str, str]:
    return newest_first(day.articles[0])


def _days(days: tuple[Day, ...], removed: list[Article], added: list[Article]) -> tuple[Day, ...]:
    """The days in ``build_index``'s order (of their newest articles, newest first), each
    touched one made again, the others as they were."""
    ordered = list(days)
    for date in sorted({a.day for a in removed} | {a.day for a in added}):
        position = next((i for i, day in enumerate(ordered) if day.date == date), None)
        before = () if position is None else ordered.pop(position).articles
        items = _without_and_with(
            before, [a for a in removed if a.day == date], [a for a in added if a.day == date]
        )
        if items:
            day = Day(date, items)
            ordered.insert(bisect_left(ordered, _first_key(day), key=_first_key), day)
    return tuple(ordered)


def _terms(
    kind: str,
    terms: tuple[Term, ...],
    removed: list[Article],
    added: list[Article],
    slugs_of: Callable[[Article], Iterable[str]],
    names: dict[str, str],
) -> tuple[Term, ...]:
    """The terms by slug, each one a removed or added article has made again."""
    by_slug = {term.slug: term for term in terms}
    touched: dict[str, tuple[list[Article], list[Article]]] = {}
    for side, articles in ((0, removed), (1, added)):
        for article in articles:
            for slug in slugs_of(article):
                touched.setdefault(slug, ([], []))[side].append(article)
    if not touched:
        return terms
    for slug, (out, into) in touched.items():
        term = by_slug.pop(slug, None)
        items = _without_and_with(() if term is None else term.articles, out, into)
        if items:
            by_slug[slug] = Term(kind, names[slug], slug, items)
    return tuple(by_slug[slug] for slug in sorted(by_slug))


_compared: list[tuple[Sequence[Article], Sequence[Article], tuple[list[int], list[int]]]] = []
"""The last two article lists compared, held (so their ids stay theirs), and the answer."""


def common_ends(
    before: Sequence[Any], after: Sequence[Any], differ: Callable[[Any, Any], bool]
) -> tuple[int, int]:
    """How many items the two lists begin with, and end with, that do not ``differ``
    (compared position by position from either end, at C speed); the two never overlap."""
    shorter = min(len(before), len(after))
    start = next(compress(count(), map(differ, before, after)), shorter)
    room = shorter - start
    end = next(compress(count(), map(differ, reversed(before), reversed(after))), room)
    return start, min(end, room)


def changed_between(
    before: Sequence[Article], after: Sequence[Article]
) -> tuple[list[int], list[int]]:
    """The positions in ``before`` of the articles not in ``after`` and the positions in
    ``after`` of those not in ``before``, by identity: what a replan's stages that keep
    the last one's values in memory take out and put in (``related_delta``,
    ``stories_nearby``; asked of the same two lists, it is worked out once)."""
    if before is after:  # a replan's second stage asked of the list the first made
        return [], []
    if _compared and _compared[0][0] is before and _compared[0][1] is after:
        return _compared[0][2]
    # The two lists are the same objects in the same order but around the change (both
    # in path order): only what lies between the first and the last difference is compared
    # as sets, the common ends passed over at C speed.
    start, end = common_ends(before, after, is_not)
    old, new = before[start : len(before) - end], after[start : len(after) - end]
    now = set(map(id, new))
    gone = [start + p for p, a in enumerate(old) if id(a) not in now]
    then = set(map(id, old))
    came = [start + p for p, a in enumerate(new) if id(a) not in then]
    _compared[:] = [(before, after, (gone, came))]
    return gone, came
