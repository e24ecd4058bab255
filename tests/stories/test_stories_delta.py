"""The stories a watch session makes from the last call's (``stories_delta``) are the
stories made from nothing, after any steps, with the site's own article objects."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st
from test_stories_nearby import _labeled, _site, session_start, take_step

from digest.model import Article
from digest.pipeline import stories_delta
from digest.pipeline.stories import Stories, story_groups
from digest.pipeline.stories_delta import stories_of

STEP = st.lists(
    st.tuples(
        st.sampled_from(["delete", "restore", "retitle", "touch", "few days"]),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=3,
)


def _from_nothing(site: tuple[Article, ...], groups: list) -> Stories:
    kept = dict(stories_delta._made), list(stories_delta._whole)
    stories_delta._made.clear()
    stories_delta._whole.clear()
    try:
        return stories_of(site, groups)
    finally:
        stories_delta._made.clear()
        stories_delta._made.update(kept[0])
        stories_delta._whole[:] = kept[1]


def _check(found: Stories, site: tuple[Article, ...], groups: list) -> None:
    assert found == _from_nothing(site, groups)
    objects = {id(a) for a in site}
    assert all(id(a) in objects for story in found.all for a in story.articles)
    assert found.of.keys() == {a.path for a in site}
    assert all(found.of[a.path] is story for story in found.all for a in story.articles)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(STEP, min_size=1, max_size=5))
def test_stories_made_from_the_last_calls_are_the_stories_from_nothing(steps):
    every, objects, paths = session_start()
    site = _site(objects)
    groups, _ = story_groups(site)
    _check(stories_of(site, groups), site, groups)
    for step in steps:
        few = False
        for what, pick in step:
            few = few or what == "few days"
            take_step(objects, every, paths, what, pick)
        site = _site(objects)
        groups, _ = story_groups(site)
        if few:  # plan_ahead's call of a few groups, between two of the site's
            some = groups[: 1 + len(groups) // 10]
            found = stories_of(site, some)
            assert found == _from_nothing(site, some)
        _check(stories_of(site, groups), site, groups)


def test_a_story_of_an_unchanged_end_is_the_last_calls_own_and_a_changed_one_is_made():
    site = _site({a.path: a for a in _labeled()})
    groups, _ = story_groups(site)
    first = stories_of(site, groups)
    shared = next(s for s in first.all if len(s.articles) > 1)
    touched = dataclasses.replace(shared.articles[-1])
    edited = tuple(touched if a is shared.articles[-1] else a for a in site)
    after = stories_of(edited, groups)  # the same groups: every story is at its place
    _check(after, edited, groups)
    remade = after.of[touched.path]
    assert remade is not shared and remade.articles[-1] is touched
    assert sum(a is not b for a, b in zip(first.all, after.all, strict=True)) == 1
