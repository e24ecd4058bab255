"""A watch session's stories, grouped again near each change only (``stories_nearby``), are
the stories of all the articles grouped from nothing, after any steps."""

from __future__ import annotations

import dataclasses
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from evaluation import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.formats.article import parse_article
from digest.incremental.memos import text_of
from digest.model import Article
from digest.pipeline import stories, stories_nearby
from digest.pipeline.index import newest_first
from digest.pipeline.stories import story_groups


@cache
def _labeled() -> tuple[Article, ...]:
    """The labeled set's articles (a few hundred, many stories of several sources)."""
    articles = []
    for path in sorted(FIXTURES.rglob("*.md")):
        rel = f"content/{path.relative_to(FIXTURES).as_posix()}"
        article, problems = parse_article(rel, path.read_bytes(), ZoneInfo("UTC"))
        if article is not None and not problems and not article.story:
            articles.append(article)
    return tuple(articles)


def _site(objects: dict[str, Article]) -> tuple[Article, ...]:
    return tuple(sorted(objects.values(), key=newest_first))


def session_start() -> tuple[dict[str, Article], dict[str, Article], list[str]]:
    """The labeled articles by path, the session's copy of them to change, and the paths."""
    every = {a.path: a for a in _labeled()}
    return every, dict(every), sorted(every)


def take_step(
    objects: dict[str, Article], every: dict[str, Article], paths: list[str], what: str, pick: int
) -> None:
    """One step of a session on ``objects`` (the site's articles by path): an article
    deleted, restored, retitled as another (it joins that story, or leaves one), or edited
    (a new object, the same to clustering: a body edit)."""
    path = paths[pick % len(paths)]
    if what == "delete":
        objects.pop(path, None)
    elif what == "restore":
        objects[path] = every[path]
    elif what == "retitle" and path in objects:
        other = every[paths[(pick * 7 + 3) % len(paths)]]
        objects[path] = dataclasses.replace(objects[path], title=other.title)
    elif what == "touch" and path in objects:
        objects[path] = dataclasses.replace(objects[path], body=objects[path].body + "!")


STEP = st.lists(
    st.tuples(st.sampled_from(["delete", "restore", "retitle", "touch"]), st.integers(0, 10**6)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(STEP, min_size=1, max_size=4))
def test_stories_grouped_near_each_change_are_the_stories_from_nothing(steps):
    every, objects, paths = session_start()
    _, memo = story_groups(_site(objects), None, lazy=True)
    for step in steps:
        for what, pick in step:
            take_step(objects, every, paths, what, pick)
        site = _site(objects)
        groups, memo = story_groups(site, memo, lazy=True)
        assert groups == story_groups(site)[0]
    # What a build reads of the memo is a build's.
    assert text_of(memo) == story_groups(_site(objects))[1]


def test_a_change_is_grouped_again_near_it_only(monkeypatch):
    articles = _labeled()
    objects = {a.path: a for a in articles}
    _, memo = story_groups(_site(objects), None, lazy=True)
    seen: list[int] = []
    real = stories_nearby.recluster

    def counting(previous, items, *args, **kwargs):
        seen.append(len(items))
        return real(previous, items, *args, **kwargs)

    monkeypatch.setattr(stories_nearby, "recluster", counting)
    middle = sorted(articles, key=newest_first)[3 * len(articles) // 4]  # weeks before the newest
    del objects[middle.path]
    site = _site(objects)
    with monkeypatch.context() as whole:  # the site is not grouped again as a build does
        whole.setattr(stories, "recluster", None)
        whole.setattr(stories, "cluster", None)
        groups, memo = story_groups(site, memo, lazy=True)
    assert groups == story_groups(site)[0]
    # Grouped again: the articles from BEFORE the change to AFTER it, not the site's.
    start, end = middle.published - stories_nearby.BEFORE, middle.published + stories_nearby.AFTER
    assert seen == [sum(start <= a.published < end for a in site)]
    assert seen[0] < len(site)


@pytest.mark.parametrize("override", ["a-named-story", False])
def test_an_editors_story_value_is_grouped_as_a_build_does(override):
    articles = _labeled()
    objects = {a.path: a for a in articles}
    _, memo = story_groups(_site(objects), None, lazy=True)
    first = sorted(objects)[5]
    if override is False:
        objects[first] = dataclasses.replace(objects[first], story_alone=True)
    else:
        objects[first] = dataclasses.replace(objects[first], story=override)
    site = _site(objects)
    groups, memo = story_groups(site, memo, lazy=True)
    assert groups == story_groups(site)[0]
    objects.pop(sorted(objects)[9])
    site = _site(objects)
    assert story_groups(site, memo, lazy=True)[0] == story_groups(site)[0]


def test_a_session_s_kept_bags_are_the_bags_made_anew(monkeypatch):
    # The session's tokeniser keeps each (title, text)'s bag; what it gives is what a new
    # tokeniser makes, also once it has started again from nothing (its limit reached).
    from digest.clustering import terms

    monkeypatch.setattr(terms, "MAX_KEPT", 50)
    items = [stories_nearby.story_item(a) for a in _labeled()]
    kept = terms.Terms(keep_bags=True)
    for _ in range(2):
        for item in items:
            assert kept.bag(item) == terms.Terms().bag(item)
    assert kept.bag(items[0]) is kept.bag(items[0])
