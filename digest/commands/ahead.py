"""Ahead: the pages of the article files just saved, planned and written before the rest of
the site is planned again (``digest.commands.delta``), since they are the ones the writer
is waiting for.

An article's page is made from the article, its day, its related articles, its story and
its neighbours on the day page; all of them come from the whole site's articles (related
lists and stories) and from its own day (the day's groups), never from another day's, a
topic's or a source's pages. So the day pages of an index with every article but only the
saved articles' days give those pages as the whole plan does, without the thousands of other
pages; and of the whole site's related lists and stories only the saved articles' lists
(``related_of_some``; or every list, when the last replan's are there to update by delta,
``related_delta``, which costs no more and is then the whole plan's) and their days' stories
are needed. The whole plan follows, and is
what counts: a page of it that is not equal to the one written ahead (``delta._same``) is
rendered again, so the output is always the whole plan's.

It writes nothing that could clash: every page it writes is at a path the last plan did not
have (or had for one of the changed articles), nor a folder of, nor inside, one of its
files, as a file system that ignores case sees them; two saved files claiming one path are
left to the whole plan, which reports them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import NamedTuple

from digest.config import SiteConfig
from digest.incremental.memos import Memo
from digest.model import Article
from digest.pipeline.days import day_pages
from digest.pipeline.index import SiteIndex
from digest.pipeline.plan import Page, SitePlan, page_path
from digest.pipeline.related import related_of_some
from digest.pipeline.related_delta import related_lists, updates
from digest.pipeline.stories import Groups, Stories, covers, story_groups
from digest.pipeline.stories_delta import stories_of


class Ahead(NamedTuple):
    """The pages written ahead, and the site's stories they were planned with."""

    pages: list[Page]
    story_memo: Memo | None
    """The memo of ``groups`` (the last plan's when the site has stories off)."""
    groups: Groups | None
    """The story groups of every article of the index (None: stories off). The whole plan
    takes them as they are: grouping the same articles again gives the same groups."""
    related_memo: Memo | None
    """The related lists' memo once every list is updated for the change (the last plan's
    when only the saved articles' lists were worked out): the whole plan starts from it."""


def plan_ahead(
    index: SiteIndex,
    config: SiteConfig,
    last: SitePlan,
    fresh: set[str],
    moved: Iterable[Article],
) -> Ahead | None:
    """The own pages of the articles of ``fresh`` (paths), with the site's stories they come
    from; None when they may clash with the last plan's files. ``moved``: the changed
    articles as they were, whose paths are free."""
    days = tuple(day for day in index.days if any(a.path in fresh for a in day.articles))
    if not days:
        return None
    wanted = {page_path(a.permalink) for day in days for a in day.articles if a.path in fresh}
    if len(wanted) != len(fresh) or not _free(wanted, last, moved):
        return None
    articles = index.articles
    # Only the saved articles' related lists: their pages are the ones taken, and the other
    # pages of their days are planned only to be dropped.
    positions = [i for i, article in enumerate(articles) if article.path in fresh]
    related_memo = last.related_memo
    if updates(related_memo):  # every list, by delta: as cheap, and the whole plan's then
        every, related_memo = related_lists(articles, memo=related_memo, lazy=True)
        related_of = _Related({id(articles[i]): every[i] for i in positions})
    else:
        lists = related_of_some(articles, positions)
        related_of = _Related({id(articles[i]): lists[i] for i in positions})
    stories: Stories | None = None
    memo = last.story_memo
    groups: Groups | None = None
    if config.stories:
        groups, memo = story_groups(articles, last.story_memo, lazy=True)  # watch's
        if not covers(groups, articles):  # the index left an article out: the whole plan's
            return None
        # The stories of these days' articles alone: no other story is shown on their pages.
        on_days = {a.path for day in days for a in day.articles}
        stories = stories_of(articles, [g for g in groups if not on_days.isdisjoint(g[1])])
    dated, _ = day_pages(
        dataclasses.replace(index, days=days, topics=(), sources=()), stories, related_of
    )
    pages = [page for page in dated if page.path in wanted and page.template == "article.html"]
    if len(pages) != len(wanted):
        return None
    return Ahead(pages, memo, groups, related_memo)


class _Related(dict[int, tuple[Article, ...]]):
    """The saved articles' related lists; none for the other articles of their days."""

    def __missing__(self, key: int) -> tuple[Article, ...]:
        return ()


def _free(wanted: set[str], last: SitePlan, moved: Iterable[Article]) -> bool:
    """Whether writing ``wanted`` cannot touch a file of ``last`` other than the pages of
    ``moved`` articles (see the module docstring)."""
    if last.clear is None:  # not checked for collisions: the whole plan writes them
        return False
    mine = {page_path(article.permalink).casefold() for article in moved}
    _, folded, folders = last.clear  # its paths' case-folds and folders, as its check found them
    for path in wanted:
        fold = path.casefold()
        parts = fold.split("/")
        taken = [fold, *("/".join(parts[:end]) for end in range(1, len(parts)))]
        if any(name in folded and name not in mine for name in taken) or fold in folders:
            return False
    return True
