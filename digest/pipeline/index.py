"""Index: articles by day (site timezone), by topic, by source; duplicates are errors."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from digest.config import SiteConfig
from digest.errors import Diagnostic, DigestError
from digest.model import Article, Day, Term
from digest.slugs import name_key, slugify

OTHER_TOPIC = "Other"
"""Heading on day pages for articles with no topic; such articles get no topic page."""


@dataclass(frozen=True, slots=True)
class SiteIndex:
    """Everything the pages are planned from, each list in its display order."""

    articles: tuple[Article, ...]
    """Newest first."""
    days: tuple[Day, ...]
    """Newest first."""
    topics: tuple[Term, ...]
    """By slug."""
    sources: tuple[Term, ...]
    """By slug."""
    unique: tuple[frozenset[str], frozenset[str]] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )
    """Every article's ``canonical_url`` and lower-cased ``permalink``, when each topic and
    each source has one spelling in the site (no article's names were merged into another's
    spelling): what ``index_delta.update_index`` needs to add and remove articles without
    indexing the site again. None when it must be built anew."""


def newest_first(article: Article) -> tuple[float, str, str]:
    return (-article.published.timestamp(), article.slug, article.path)


def build_index(
    articles: Iterable[Article], config: SiteConfig, keep_going: bool = False
) -> tuple[SiteIndex, list[Diagnostic]]:
    """Index validated articles. Every duplicate (url, or day and slug) is an error naming
    both files; with ``keep_going`` the later file is left out and the errors returned.
    So is every topic or source name that shares its slug with a different name (see
    ``find_name_clashes``); with ``keep_going`` the article using the less used one is left
    out."""
    rules = topic_rules(config)
    ordered = _newest_first([with_rule_topics(a, rules) for a in articles])
    # The permalink is the day's path, of fixed length, and the slug: lower-cased, it tells
    # the day and the lower-cased slug as the pair does. Two sets tell the usual case, no
    # duplicate, without sorting by path.
    urls = frozenset(a.canonical_url for a in ordered)
    links = frozenset(a.permalink.lower() for a in ordered)
    duplicates = [] if len(urls) == len(links) == len(ordered) else find_duplicates(ordered)
    left = {id(article) for _, article in duplicates}
    duplicates += find_name_clashes([a for a in ordered if id(a) not in left])
    if duplicates and not keep_going:
        raise DigestError([problem for problem, _ in duplicates])
    if duplicates:
        dropped = {id(article) for _, article in duplicates}
        ordered = [a for a in ordered if id(a) not in dropped]

    # One spelling per topic and source everywhere, so an article by "reuters" is shown
    # under the same name as the others by "Reuters".
    topic_names, one_topic_spelling = _spellings(name for a in ordered for name in a.topics)
    source_names, one_source_spelling = _spellings(a.source for a in ordered)
    one_spelling = one_topic_spelling and one_source_spelling

    # Asked once per name and per topic list: 10,000 articles share a few dozen of each.
    sources: dict[str, str] = {}
    topic_lists: dict[tuple[str, ...], tuple[str, ...]] = {}

    def respelled(article: Article) -> Article:
        source = sources.get(article.source)
        if source is None:
            source = sources[article.source] = source_names[slugify(article.source)]
        topics = topic_lists.get(article.topics)
        if topics is None:
            topics = tuple(topic_names[slugify(t)] for t in article.topics)
            topic_lists[article.topics] = topics
        if source == article.source and topics == article.topics:
            return article  # the usual case: copying ten thousand articles costs time
        return replace(article, source=source, topics=topics)

    ordered = [respelled(a) for a in ordered]

    by_day: dict[object, list[Article]] = defaultdict(list)
    for article in ordered:
        by_day[article.day].append(article)
    days = tuple(Day(date, tuple(items)) for date, items in by_day.items())

    index = SiteIndex(
        articles=tuple(ordered),
        days=days,
        topics=_terms("topics", ((name, a) for a in ordered for name in a.topics)),
        sources=_terms("sources", ((a.source, a) for a in ordered)),
        # (Not for a site some articles were left out of: the sets hold theirs too.)
        unique=None if duplicates or not one_spelling else (urls, links),
    )
    return index, [problem for problem, _ in duplicates]


def _newest_first(articles: list[Article]) -> list[Article]:
    """``sorted(articles, key=newest_first)``, each distinct publication time's timestamp
    worked out once (articles from the cache share the object of their time)."""
    stamps: dict[int, float] = {}

    def key(article: Article) -> tuple[float, str, str]:
        published = article.published
        stamp = stamps.get(id(published))  # the objects live on in ``articles``
        if stamp is None:
            stamp = stamps[id(published)] = -published.timestamp()
        return (stamp, article.slug, article.path)

    return sorted(articles, key=key)


def _spellings(names: Iterable[str]) -> tuple[dict[str, str], bool]:
    """Slug -> the spelling used most often (ties: the first in sort order), and whether
    each slug has one spelling only. Names are merged by slug, so ``Syria``/``syria`` and
    ``São Paulo``/``Sao Paulo`` are one; names that differ otherwise were refused before
    (``find_name_clashes``)."""
    counts = Counter(names)  # a few hundred names among ten thousand articles' uses
    by_slug: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, count in counts.items():
        by_slug[slugify(name)].append((name, count))
    chosen = {
        slug: min(uses, key=lambda item: (-item[1], item[0]))[0] for slug, uses in by_slug.items()
    }
    return chosen, len(chosen) == len(counts)


def _terms(kind: str, pairs: Iterable[tuple[str, Article]]) -> tuple[Term, ...]:
    """Group articles (already newest first) under each name, by slug."""
    articles: dict[str, list[Article]] = defaultdict(list)
    names: dict[str, str] = {}
    slugs: dict[str, str] = {}  # a few hundred names among 30,000 uses
    for name, article in pairs:
        slug = slugs.get(name)
        if slug is None:
            slug = slugs[name] = slugify(name)
        articles[slug].append(article)
        names[slug] = name
    return tuple(Term(kind, names[slug], slug, tuple(articles[slug])) for slug in sorted(articles))


def topic_rules(config: SiteConfig) -> list[tuple[str, re.Pattern[str]]]:
    rules = []
    for topic, keywords in config.topics:
        alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
        # Lookarounds instead of \b, so keywords that start or end with punctuation
        # ("C++", "U.S.") still match as whole words.
        rules.append((topic, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)))
    return rules


def with_rule_topics(article: Article, rules: list[tuple[str, re.Pattern[str]]]) -> Article:
    if article.topics or not rules:
        return article
    text = f"{article.title}\n{article.body}"
    topics = tuple(topic for topic, pattern in rules if pattern.search(text))
    return replace(article, topics=topics) if topics else article


def find_duplicates(articles: list[Article]) -> list[tuple[Diagnostic, Article]]:
    """Each article that repeats an earlier one's url or day and slug, with the problem."""
    problems: list[tuple[Diagnostic, Article]] = []
    by_url: dict[str, Article] = {}
    by_slug: dict[tuple[object, str], Article] = {}
    # Report each duplicate at the file that sorts later, so the message is stable.
    for article in sorted(articles, key=lambda a: a.path):
        first = by_url.setdefault(article.canonical_url, article)
        if first is not article:
            problems.append(
                (
                    Diagnostic(
                        article.path,
                        article.line_of("url"),
                        f"url: same article as {first.path} (both link to {first.canonical_url})",
                    ),
                    article,
                )
            )
            continue
        # Case-insensitive: ``Gas`` and ``gas`` are one folder on macOS and Windows checkouts.
        first = by_slug.setdefault((article.day, article.slug.lower()), article)
        if first is not article:
            same = "the same slug" if first.slug == article.slug else "slugs differing only in case"
            if _nfc(first.path) == _nfc(article.path):
                # Shown alike, the two names would read as one file named twice.
                same += "; the file names differ only in Unicode normalization (NFC and NFD)"
            problems.append(
                (
                    Diagnostic(
                        article.path,
                        article.line_of("slug"),
                        f"slug: {article.slug!r} on {article.day.isoformat()} collides with "
                        f"{first.path} ({same}; both would be {article.permalink})",
                    ),
                    article,
                )
            )
    return problems


def find_name_clashes(articles: list[Article]) -> list[tuple[Diagnostic, Article]]:
    """Each article naming a topic or source that shares its slug with a different name
    elsewhere, with the problem. Names the same up to case, accents and whitespace
    (``slugs.name_key``) are one name; of two that are not (``C-SPAN``, ``C SPAN``), the one
    more articles use stands (ties: the one in the file that sorts first) and every article
    using the other is reported, naming the file that uses the first."""
    problems: list[tuple[Diagnostic, Article]] = []
    if not _clashing_slugs(articles):  # the usual case: no article needs looking at
        return problems
    by_path = sorted(articles, key=lambda a: a.path)
    for field, kind in (("topics", "topics"), ("source", "sources")):
        uses: dict[str, dict[str, list[tuple[Article, str]]]] = defaultdict(dict)
        for article in by_path:
            names = article.topics if field == "topics" else (article.source,)
            for name in names:
                uses[slugify(name)].setdefault(name_key(name), []).append((article, name))
        for slug, spellings in uses.items():
            if len(spellings) < 2:
                continue
            ranked = sorted(spellings.values(), key=lambda u: (-len(u), u[0][0].path))
            first, first_name = ranked[0][0]
            for others in ranked[1:]:
                for article, name in others:
                    message = (
                        f"{field}: {name!r} and {first_name!r} (in {first.path}) are different "
                        f"names with one slug (/{kind}/{slug}/); use one spelling for both, "
                        "or tell them apart by a letter or digit"
                    )
                    problems.append(
                        (Diagnostic(article.path, article.lines.get(field, 0), message), article)
                    )
    return problems


def _clashing_slugs(articles: list[Article]) -> bool:
    """Whether two different names (``slugs.name_key``) of topics, or of sources, share a
    slug: found from the distinct names, a few hundred, not the articles' every use."""
    for names in ({n for a in articles for n in a.topics}, {a.source for a in articles}):
        keys: dict[str, str] = {}
        for name in names:
            key = name_key(name)
            if keys.setdefault(slugify(name), key) != key:
                return True
    return False


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
