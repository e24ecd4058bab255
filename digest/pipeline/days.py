"""The day pages, each followed by its articles' pages, and the story pages."""

from __future__ import annotations

import datetime as dt
import operator
from functools import partial
from typing import Any

from digest.model import Article, Day
from digest.pipeline.index import SiteIndex
from digest.pipeline.pages import Later, Page, page_path
from digest.pipeline.stories import Stories, Story, day_entries, day_groups, first_topic, neighbours


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


class _DayContexts:
    """The contexts of a day's pages, the parts they share (the day page's entries and
    groups, each article's neighbours on it) made once, for the first of them asked."""

    __slots__ = ("_day", "_newer", "_older", "_parts", "_related_of", "_stories")

    def __init__(
        self,
        day: Day,
        newer: Day | None,
        older: Day | None,
        stories: Stories | None,
        related_of: dict[int, tuple[Article, ...]],
    ) -> None:
        self._day, self._newer, self._older = day, newer, older
        self._stories, self._related_of = stories, related_of
        self._parts: tuple[Any, Any, dict[str, Any]] | None = None

    def _shared(self) -> tuple[Any, Any, dict[str, Any]]:
        if self._parts is None:
            top, rest = day_entries(self._day, self._stories)
            groups = day_groups(rest)
            self._parts = (top, groups, neighbours(top, groups))
        return self._parts

    def of_day(self) -> dict[str, Any]:
        day = self._day
        top, groups, _ = self._shared()
        return {
            "day": day,
            "top": top,
            "groups": groups,
            "topic_count": len({first_topic(a) for a in day.articles}),
            "sources": sorted({a.source for a in day.articles}, key=str.casefold),
            "newer": self._newer,
            "older": self._older,
        }

    def of_article(self, article: Article, story: Story | None) -> dict[str, Any]:
        previous, following = self._shared()[2][article.path]
        return {
            "article": article,
            "day": self._day,
            "related": self._related_of[id(article)],
            "story": story,
            "previous": previous,
            "next": following,
        }


Group = tuple[tuple[Page, ...], tuple[Any, ...]]
"""Pages and what all of them are made from (see ``SitePlan.groups``)."""

DayMemo = dict[dt.date, tuple[tuple[Any, ...], Group]]
"""Date -> everything a day's pages are made from (``_inputs``), and its group: what the
next plan of a ``watch`` session takes as it is when the same inputs come again."""


def _inputs(
    day: Day,
    newer: Day | None,
    older: Day | None,
    stories: Stories | None,
    related_of: dict[int, tuple[Article, ...]],
) -> tuple[Any, ...]:
    """Every input of a day's page and its articles' pages: the day and its neighbours,
    its articles' stories and related lists. They are plain values compared by value
    (articles, days and stories are frozen dataclasses), so equal inputs make equal pages;
    an unchanged article is the same object from plan to plan, which makes comparing them
    mostly identity checks."""
    # At C speed: ``watch`` asks for every day's at each replan.
    articles = day.articles
    told = None if stories is None else tuple(map(stories.of.__getitem__, map(_PATH, articles)))
    return day, newer, older, told, tuple(map(related_of.__getitem__, map(id, articles)))


_PATH = operator.attrgetter("path")


def day_pages(
    index: SiteIndex,
    stories: Stories | None,
    related_of: dict[int, tuple[Article, ...]],
    last: DayMemo | None = None,
    keep: DayMemo | None = None,
    last_stories: dict[str, Page] | None = None,
    keep_stories: dict[str, Page] | None = None,
    later: bool = False,
) -> tuple[list[Page], list[Group]]:
    """The day pages, each followed by its articles' pages, then the story pages; and the
    groups of a day's page with its articles' pages. ``last``: a memo of an earlier plan,
    whose pages are taken for a day of equal inputs; ``keep``: filled with this plan's.
    ``last_stories`` and ``keep_stories``: the same for the story pages, by story id (a
    story's page is taken when its story is the same object, ``stories_of``'s memo).
    ``later``: the contexts of a day's pages are made when one of them is first read
    (``Later``): a build renders the pages of a few days, and fingerprints the others from
    what they are made from."""
    pages: list[Page] = []
    groups_of_days: list[Group] = []
    for position, day in enumerate(index.days):
        first = len(pages)
        newer = index.days[position - 1] if position > 0 else None
        older = index.days[position + 1] if position + 1 < len(index.days) else None
        inputs = None
        if last is not None or keep is not None:
            inputs = _inputs(day, newer, older, stories, related_of)
            known = last.get(day.date) if last is not None else None
            if known is not None and known[0] == inputs:
                pages.extend(known[1][0])
                groups_of_days.append(known[1])
                if keep is not None:
                    keep[day.date] = known
                continue
        # A story is fingerprinted as its id and articles (its title, sources and days
        # follow from them), a story of one article as its id: quicker than the whole.
        told = None
        if stories is not None:
            told = tuple([_told(stories.of[a.path]) for a in day.articles])
        made = _DayContexts(day, newer, older, stories, related_of)
        context = Later(made.of_day) if later else made.of_day()
        pages.append(
            Page(
                page_path(day.permalink),
                day.permalink,
                "day.html",
                context,
                lastmod=day.date,
                feed="/digests.xml",
                # The entries, groups, counts and sources follow from the day and its
                # articles' stories.
                made_from=(day, newer, older, told),
            )
        )
        for article in day.articles:
            story = _story_with_page(stories, article)
            of_article = partial(made.of_article, article, story)
            pages.append(
                Page(
                    page_path(article.permalink),
                    article.permalink,
                    "article.html",
                    Later(of_article) if later else of_article(),
                    lastmod=article.day,
                    # Its neighbours on the day page follow from the day and its articles'
                    # stories, as the day page does.
                    made_from=(
                        article,
                        day,
                        related_of[id(article)],
                        None if story is None else _told(story),
                        told,
                    ),
                )
            )
        # An article's page is made from the article, the day, its related list, its story
        # and the day's stories (its neighbours on the day page follow from them), as the
        # day page is; the related lists are not.
        related = [related_of[id(a)] for a in day.articles]
        flat = tuple([a for items in related for a in items])
        made_from = (pages[first].made_from, tuple([len(r) for r in related]), flat)
        groups_of_days.append((tuple(pages[first:]), made_from))
        if keep is not None and inputs is not None:
            keep[day.date] = (inputs, groups_of_days[-1])
    if stories is not None:
        for story in stories.with_pages():
            page = last_stories.get(story.id) if last_stories is not None else None
            if page is None or page.context["story"] is not story:
                page = _story_page(story)
            if keep_stories is not None:
                keep_stories[story.id] = page
            pages.append(page)
    return pages, groups_of_days
