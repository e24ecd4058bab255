"""Plan: every output file of the site, what renders it and the data it is made from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from digest.config import SiteConfig
from digest.incremental.memos import Memo
from digest.model import Article, Term, archive
from digest.pipeline.days import DayMemo, Group
from digest.pipeline.days import day_pages as plan_days
from digest.pipeline.index import SiteIndex
from digest.pipeline.pages import (
    FEED_SIZE,
    Asset,
    Page,
    feeds,
    json_feed_url,
    newest_day,
    page_path,
    page_url,
    paginate,
    pagination,
    sitemaps,
)
from digest.pipeline.related_delta import related_lists
from digest.pipeline.stories import Groups, Stories, covers, start_stories, story_groups
from digest.pipeline.stories_delta import stories_of
from digest.words import words_for

__all__ = ["Asset", "Page", "SitePlan", "json_feed_url", "page_path", "plan_site"]


@dataclass(slots=True)
class SitePlan:
    pages: list[Page]
    assets: list[Asset]
    story_memo: Memo | None = None  # what the next build's stories start from (story_groups)
    related_memo: Memo | None = None  # what the next build's related lists start from
    groups: list[Group] = field(default_factory=list)
    """Pages fingerprinted together (a day's page and its articles' pages), each with what
    all of them are made from (as a page's ``made_from``, with the configuration): one
    signature of that and of the pages' own fields tells a build none of them changed."""
    day_memo: DayMemo = field(default_factory=dict)
    """The pages of each day by what they are made from, for the next plan (``last``)."""
    term_memo: dict[tuple[str, str], tuple[Term, int, list[Page]]] = field(default_factory=dict)
    """The pages of each topic and source by the term and ``per_page``, the same way."""
    story_pages: dict[str, Page] = field(default_factory=dict)
    """The page of each story by its id, the same way (``watch``: the plan's ``last``)."""
    clear: tuple[set[str], set[str], set[str]] | None = None
    """Once ``collisions.check_collisions`` passed it: its paths, their case-folds and their
    folders, which the check of the next plan starts from (``watch``)."""

    def drop_pages(self) -> None:
        """Let the pages go, and all that holds them, keeping the memos and assets: a plain
        build's plan, once its pages are rendered and before its memos are encoded."""
        self.pages.clear()
        self.groups.clear()
        self.day_memo.clear()
        self.term_memo.clear()
        self.story_pages.clear()
        self.clear = None

    def paths(self) -> Iterator[str]:
        for page in self.pages:
            yield page.path
        for asset in self.assets:
            yield asset.path


def _term_pages(term: Term, per_page: int) -> list[Page]:
    chunks = paginate(term.articles, per_page)
    feed = f"{term.permalink}feed.xml"
    pages = []
    for number, chunk in enumerate(chunks):
        url = page_url(term.permalink, number, len(chunks))
        by_day: dict[dt.date, list[Article]] = {}
        for article in chunk:
            by_day.setdefault(article.day, []).append(article)
        context = {
            # An archive page is made from its own articles only, so that it is not
            # rendered again each time the term grows; the front page has them all.
            "term": term if number == 0 else Term(term.kind, term.name, term.slug, chunk),
            "days": tuple((d, tuple(items)) for d, items in by_day.items()),
            "pagination": pagination(term.permalink, number, len(chunks)),
        }
        pages.append(
            Page(
                page_path(url),
                url,
                "term.html",
                context,
                lastmod=newest_day(chunk),
                feed=feed,
                title=term.name,
                # The days follow from the term's articles (and ``per_page``).
                made_from=(context["term"], context["pagination"]),
            )
        )
    context = {"feed_title": term.name, "alternate_url": term.permalink}
    context["entries"] = term.articles[:FEED_SIZE]
    pages.extend(feeds(feed, "atom.xml", context))
    return pages


def plan_site(
    index: SiteIndex,
    config: SiteConfig,
    stories: Stories | None = None,
    jobs: int = 1,
    story_memo: Memo | None = None,
    grouping: Callable[[], tuple[Groups, Memo]] | None = None,
    related_memo: Memo | None = None,
    last: SitePlan | None = None,
    lazy_memos: bool = False,
    meanwhile: Callable[[], None] | None = None,
    plain: bool = False,
) -> SitePlan:
    """Every page of the site; two outputs claiming one path is an error naming both.
    ``stories``: the site's stories when the caller has them; else, unless the site has
    them off, found here, in a process of their own (``jobs`` > 1) while the pages that do
    not show them are planned, from ``story_memo`` (the last build's) on when given; the
    plan's ``story_memo`` is the one to keep. ``grouping``: those stories already begun
    (``start_stories``), on the articles as loaded. ``related_memo``: the last plan's.
    ``last``: the plan before, in memory (``watch``): the pages of a day or term made from
    what they were made from then are taken from it, not planned anew. ``lazy_memos``: the
    plan's memos as ``LazyText``, encoded only if read (``watch``, which keeps none).
    ``meanwhile``: called once the pages that need no stories are planned, before waiting
    for the stories: the caller's own work that needs no plan, done while another process
    finds them (not called when the site has them off or they were given). ``plain``: a
    plan no later plan starts from (``digest build``'s): it keeps no memo of its days, and
    their pages' contexts are made when read (``Later``)."""
    pages: list[Page] = []
    term_memo: dict[tuple[str, str], tuple[Term, int, list[Page]]] = {}
    day_memo: DayMemo = {}
    ours = False  # the stories found here, of the index's own articles
    if stories is not None or not config.stories:
        grouping = None
    elif grouping is None:
        grouping, ours = start_stories(index.articles, jobs, story_memo, lazy_memos), True

    day_pages = paginate(index.days, config.days_per_page)
    for number, days in enumerate(day_pages):
        url = page_url("/", number, len(day_pages))
        pages.append(
            Page(
                page_path(url),
                url,
                "home.html",
                {"days": days, "pagination": pagination("/", number, len(day_pages))},
                lastmod=days[0].date if days else None,
            )
        )
    related, related_kept = related_lists(index.articles, memo=related_memo, lazy=lazy_memos)
    related_of = dict(zip(map(id, index.articles), related, strict=True))

    later = len(pages)
    for kind, terms in (("topics", index.topics), ("sources", index.sources)):
        ranked = sorted(terms, key=lambda t: (-len(t.articles), t.name.casefold(), t.slug))
        pages.append(
            Page(
                page_path(f"/{kind}/"),
                f"/{kind}/",
                "terms.html",
                {"kind": kind, "terms": tuple(ranked)},
                lastmod=newest_day(index.articles),
            )
        )
        for term in terms:
            known = last.term_memo.get((kind, term.slug)) if last is not None else None
            if known is not None and known[1] == config.per_page and known[0] == term:
                term_pages = known[2]
            else:
                term_pages = _term_pages(term, config.per_page)
            term_memo[kind, term.slug] = (term, config.per_page, term_pages)
            pages.extend(term_pages)

    years = archive(index.days)
    pages.append(
        Page(
            "archive/index.html",
            "/archive/",
            "archive.html",
            {"years": years},
            lastmod=newest_day(index.articles),
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
    pages.extend(feeds("/feed.xml", "atom.xml", {**newest, "entries": index.articles[:FEED_SIZE]}))
    digests_title = words_for(config.language, config.strings).plain("feed.digests")
    digests = {"feed_title": f"{config.title}: {digests_title}", "alternate_url": "/"}
    pages.extend(feeds("/digests.xml", "digests.xml", {**digests, "days": index.days[:FEED_SIZE]}))
    pages.append(Page("404.html", "/404.html", "404.html", {}))
    kept = None
    if grouping is not None:
        if meanwhile is not None:
            meanwhile()
        groups, kept = grouping()
        if not ours and not covers(groups, index.articles):  # an article left out (--keep-going)
            groups, kept = story_groups(index.articles, story_memo, lazy_memos)
        stories = stories_of(index.articles, groups)
    # In the order of the site's menu, as the sitemap lists them: home, days and articles,
    # stories, then the rest.
    story_pages: dict[str, Page] = {}
    dated, groups = plan_days(
        index,
        stories,
        related_of,
        None if last is None else last.day_memo,
        None if plain else day_memo,
        None if last is None else last.story_pages,
        None if plain else story_pages,
        later=plain,
    )
    pages[later:later] = dated
    html_pages = [p for p in pages if p.path.endswith(".html") and p.path != "404.html"]
    pages.extend(sitemaps(html_pages))
    pages.append(Page("robots.txt", "/robots.txt", "robots.txt", {}))
    return SitePlan(
        pages,
        [],
        story_memo=kept,
        related_memo=related_kept,
        groups=groups,
        day_memo=day_memo,
        term_memo=term_memo,
        story_pages=story_pages,
    )
