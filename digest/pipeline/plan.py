"""Plan: every output file of the site, what renders it and the data it is made from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.config import SiteConfig
from digest.model import Article, Term, archive
from digest.pipeline.index import SiteIndex
from digest.pipeline.related import related_with_memo
from digest.pipeline.stories import (
    Groups,
    Stories,
    Story,
    covers,
    day_entries,
    day_groups,
    first_topic,
    neighbours,
    start_stories,
    stories_of,
    story_groups,
)
from digest.words import words_for


@dataclass(frozen=True, slots=True)
class Page:
    """One output file rendered from a template."""

    path: str
    """Output file relative to the output folder, posix (``2013/11/17/index.html``)."""
    url: str
    """Site path before the base path (``/2013/11/17/``): what links point at."""
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    """Template variables besides the globals (``site``, ``base_path`` ...)."""
    lastmod: dt.date | None = None
    """Date of the newest article the page shows: the sitemap's ``lastmod``."""
    feed: str = "/feed.xml"
    """The Atom feed a reader of this page would follow (``<link rel="alternate">``)."""
    title: str = ""
    """The page's own title, for the feed link's label."""
    made_from: tuple[Any, ...] | None = None
    """What ``context`` is worked out from, when the planner builds it from these values
    alone (with the configuration): the fingerprint hashes them instead of the context,
    which takes longer to walk. None: the context is hashed."""


@dataclass(frozen=True, slots=True)
class Asset:
    """One output file copied or generated as bytes, not rendered."""

    path: str
    origin: str
    """Where it comes from, for collision messages (``the built-in theme``, ``static/x.css``)."""
    data: bytes | None = None
    source: Path | None = None
    """A file to copy, read only when written (static files can be large)."""

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        return self.source.read_bytes()


@dataclass(slots=True)
class SitePlan:
    pages: list[Page]
    assets: list[Asset]
    story_memo: str | None = None  # what the next build's stories start from (story_groups)
    related_memo: str | None = None  # what the next build's related lists start from

    def paths(self) -> Iterator[str]:
        for page in self.pages:
            yield page.path
        for asset in self.assets:
            yield asset.path


def page_path(url: str) -> str:
    """The file serving a site path: ``/a/b/`` -> ``a/b/index.html``, ``/x.xml`` -> ``x.xml``."""
    stripped = url.lstrip("/")
    return stripped + "index.html" if url.endswith("/") else stripped


def _paginate(items: tuple[Any, ...], size: int) -> list[tuple[Any, ...]]:
    """Newest-first ``items`` as pages: the front page, then the archive pages newest to
    oldest. Archive pages are numbered from the oldest and hold ``size`` items each, fixed
    once full; the front page holds the newest rest (``size`` to ``2 * size - 1``, or all).
    So a new item changes the front page only, and every ``size`` items one new archive
    page appears, instead of every page shifting by one."""
    full = len(items) // size
    if full <= 1:
        return [items]
    front = len(items) - (full - 1) * size
    pages = [items[:front]]
    pages.extend(items[front + i * size : front + (i + 1) * size] for i in range(full - 1))
    return pages


def _page_url(base: str, index: int, count: int) -> str:
    """The URL of page ``index`` of ``_paginate``'s list (0: the front page)."""
    return base if index == 0 else f"{base}page/{count - index}/"


def _pagination(base: str, index: int, count: int) -> dict[str, Any]:
    """``number``: the archive page's number (1 = the oldest), None on the front page;
    ``prev_url`` is the newer neighbour, ``next_url`` the older one."""
    return {
        "number": None if index == 0 else count - index,
        "prev_url": _page_url(base, index - 1, count) if index > 0 else None,
        "next_url": _page_url(base, index + 1, count) if index + 1 < count else None,
    }


FEED_SIZE = 50  # entries in each feed: the newest articles (or days)


def _newest(articles: tuple[Article, ...]) -> dt.date | None:
    return articles[0].day if articles else None


def _term_pages(term: Term, per_page: int) -> list[Page]:
    chunks = _paginate(term.articles, per_page)
    feed = f"{term.permalink}feed.xml"
    pages = []
    for number, chunk in enumerate(chunks):
        url = _page_url(term.permalink, number, len(chunks))
        by_day: dict[dt.date, list[Article]] = {}
        for article in chunk:
            by_day.setdefault(article.day, []).append(article)
        context = {
            # An archive page is made from its own articles only, so that it is not
            # rendered again each time the term grows; the front page has them all.
            "term": term if number == 0 else Term(term.kind, term.name, term.slug, chunk),
            "days": tuple((d, tuple(items)) for d, items in by_day.items()),
            "pagination": _pagination(term.permalink, number, len(chunks)),
        }
        pages.append(
            Page(
                page_path(url),
                url,
                "term.html",
                context,
                lastmod=_newest(chunk),
                feed=feed,
                title=term.name,
                # The days follow from the term's articles (and ``per_page``).
                made_from=(context["term"], context["pagination"]),
            )
        )
    context = {"feed_title": term.name, "alternate_url": term.permalink}
    context["entries"] = term.articles[:FEED_SIZE]
    pages.extend(_feeds(feed, "atom.xml", context))
    return pages


def _story_with_page(stories: Stories | None, article: Article) -> Story | None:
    story = stories.of[article.path] if stories is not None else None
    return story if story is not None and story.has_page else None


def _told(story: Story) -> str | tuple[str, tuple[Article, ...]]:
    """What a story is made from: its id and articles (its id alone for one article)."""
    return story.id if len(story.articles) == 1 else (story.id, story.articles)


def _story_page(story: Story) -> Page:
    days: dict[dt.date, list[Article]] = {}
    for article in story.articles:
        days.setdefault(article.day, []).append(article)
    return Page(
        page_path(story.permalink),
        story.permalink,
        "story.html",
        {"story": story, "days": tuple((d, tuple(items)) for d, items in days.items())},
        lastmod=story.articles[-1].day,
        title=story.title,
    )


def json_feed_url(atom_url: str) -> str:
    """The JSON Feed beside an Atom feed: ``/topics/x/feed.xml`` -> ``/topics/x/feed.json``."""
    return atom_url.removesuffix(".xml") + ".json"


def _feeds(url: str, template: str, context: dict[str, Any]) -> list[Page]:
    """An Atom feed and its JSON Feed twin, made from the same context."""
    json_url = json_feed_url(url)
    json_template = "feed.json" if template == "atom.xml" else json_feed_url(template)
    return [
        Page(page_path(url), url, template, {**context, "feed_url": url}),
        Page(page_path(json_url), json_url, json_template, {**context, "feed_url": json_url}),
    ]


_DATED = frozenset({"day.html", "article.html", "story.html", "month.html"})
"""Pages listed in the sitemap of their month (of their ``lastmod``); the others are in
``sitemaps/pages.xml``."""


def _sitemaps(html_pages: list[Page]) -> list[Page]:
    """``/sitemap.xml``, an index of one sitemap per month (its days, articles and stories)
    and one of every other page: a new day changes the index, its month's and the pages'
    sitemap, not a list of the whole site, and no sitemap nears the protocol's 50,000 URLs."""
    groups: dict[str, list[Page]] = {"pages": []}
    for page in html_pages:
        dated = page.template in _DATED and page.lastmod is not None
        groups.setdefault(f"{page.lastmod:%Y-%m}" if dated else "pages", []).append(page)
    children, index = [], []
    for name in ["pages", *sorted(n for n in groups if n != "pages")]:
        entries = tuple((p.url, p.lastmod) for p in groups[name])
        url = f"/sitemaps/{name}.xml"
        children.append(Page(page_path(url), url, "sitemap.xml", {"entries": entries}))
        index.append((url, max((d for _, d in entries if d is not None), default=None)))
    children.append(Page("sitemap.xml", "/sitemap.xml", "sitemaps.xml", {"sitemaps": tuple(index)}))
    return children


def _day_pages(
    index: SiteIndex, stories: Stories | None, related_of: dict[int, tuple[Article, ...]]
) -> list[Page]:
    """The day pages, each followed by its articles' pages, then the story pages."""
    pages: list[Page] = []
    for position, day in enumerate(index.days):
        newer = index.days[position - 1] if position > 0 else None
        older = index.days[position + 1] if position + 1 < len(index.days) else None
        top, rest = day_entries(day, stories)
        groups = day_groups(rest)
        near = neighbours(top, groups)
        # A story is fingerprinted as its id and articles (its title, sources and days
        # follow from them), a story of one article as its id: quicker than the whole.
        told = None
        if stories is not None:
            told = tuple([_told(stories.of[a.path]) for a in day.articles])
        pages.append(
            Page(
                page_path(day.permalink),
                day.permalink,
                "day.html",
                {
                    "day": day,
                    "top": top,
                    "groups": groups,
                    "topic_count": len({first_topic(a) for a in day.articles}),
                    "sources": sorted({a.source for a in day.articles}, key=str.casefold),
                    "newer": newer,
                    "older": older,
                },
                lastmod=day.date,
                feed="/digests.xml",
                # The entries, groups, counts and sources follow from the day and its
                # articles' stories.
                made_from=(day, newer, older, told),
            )
        )
        for article in day.articles:
            story = _story_with_page(stories, article)
            pages.append(
                Page(
                    page_path(article.permalink),
                    article.permalink,
                    "article.html",
                    {
                        "article": article,
                        "day": day,
                        "related": related_of[id(article)],
                        "story": story,
                        "previous": near[article.path][0],
                        "next": near[article.path][1],
                    },
                    lastmod=article.day,
                    made_from=(
                        article,
                        day,
                        related_of[id(article)],
                        None if story is None else _told(story),
                        *near[article.path],
                    ),
                )
            )
    if stories is not None:
        pages.extend(_story_page(story) for story in stories.with_pages())
    return pages


def plan_site(
    index: SiteIndex,
    config: SiteConfig,
    stories: Stories | None = None,
    jobs: int = 1,
    story_memo: str | None = None,
    grouping: Callable[[], tuple[Groups, str]] | None = None,
    related_memo: str | None = None,
) -> SitePlan:
    """Every page of the site; two outputs claiming one path is an error naming both.
    ``stories``: the site's stories when the caller has them; else, unless the site has
    them off, found here, in a process of their own (``jobs`` > 1) while the pages that do
    not show them are planned, from ``story_memo`` (the last build's) on when given; the
    plan's ``story_memo`` is the one to keep. ``grouping``: those stories already begun
    (``start_stories``), on the articles as loaded. ``related_memo``: the last plan's."""
    pages: list[Page] = []
    if stories is not None or not config.stories:
        grouping = None
    elif grouping is None:
        grouping = start_stories(index.articles, jobs, story_memo)

    day_pages = _paginate(index.days, config.days_per_page)
    for number, days in enumerate(day_pages):
        url = _page_url("/", number, len(day_pages))
        pages.append(
            Page(
                page_path(url),
                url,
                "home.html",
                {"days": days, "pagination": _pagination("/", number, len(day_pages))},
                lastmod=days[0].date if days else None,
            )
        )
    related, related_kept = related_with_memo(index.articles, memo=related_memo)
    related_of = {id(a): r for a, r in zip(index.articles, related, strict=True)}

    later = len(pages)
    for kind, terms in (("topics", index.topics), ("sources", index.sources)):
        ranked = sorted(terms, key=lambda t: (-len(t.articles), t.name.casefold(), t.slug))
        pages.append(
            Page(
                page_path(f"/{kind}/"),
                f"/{kind}/",
                "terms.html",
                {"kind": kind, "terms": tuple(ranked)},
                lastmod=_newest(index.articles),
            )
        )
        for term in terms:
            pages.extend(_term_pages(term, config.per_page))

    years = archive(index.days)
    pages.append(
        Page(
            "archive/index.html",
            "/archive/",
            "archive.html",
            {"years": years},
            lastmod=_newest(index.articles),
        )
    )
    for year in years:
        pages.append(
            Page(
                page_path(year.permalink),
                year.permalink,
                "year.html",
                {"year": year},
                lastmod=year.days[0].date,
            )
        )
        for month in year.months:
            pages.append(
                Page(
                    page_path(month.permalink),
                    month.permalink,
                    "month.html",
                    {"month": month},
                    lastmod=month.days[0].date,
                )
            )

    newest = {"feed_title": config.title, "alternate_url": "/"}
    pages.extend(_feeds("/feed.xml", "atom.xml", {**newest, "entries": index.articles[:FEED_SIZE]}))
    digests_title = words_for(config.language, config.strings).plain("feed.digests")
    digests = {"feed_title": f"{config.title}: {digests_title}", "alternate_url": "/"}
    pages.extend(_feeds("/digests.xml", "digests.xml", {**digests, "days": index.days[:FEED_SIZE]}))
    pages.append(Page("404.html", "/404.html", "404.html", {}))
    kept = None
    if grouping is not None:
        groups, kept = grouping()
        if not covers(groups, index.articles):  # the index left an article out (--keep-going)
            groups, kept = story_groups(index.articles, story_memo)
        stories = stories_of(index.articles, groups)
    # In the order of the site's menu, as the sitemap lists them: home, days and articles,
    # stories, then the rest.
    pages[later:later] = _day_pages(index, stories, related_of)
    html_pages = [p for p in pages if p.path.endswith(".html") and p.path != "404.html"]
    pages.extend(_sitemaps(html_pages))
    pages.append(Page("robots.txt", "/robots.txt", "robots.txt", {}))
    return SitePlan(pages, [], story_memo=kept, related_memo=related_kept)
