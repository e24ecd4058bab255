"""Related lists a watch session updates by delta (``pipeline/related_delta.py``) are the
lists worked out from nothing, whatever came and went, and so is the memo they leave."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from test_related_memo import ARTICLE, _article, _as_paths

from digest.incremental.memos import text_of
from digest.pipeline import related_delta
from digest.pipeline.index import newest_first
from digest.pipeline.related import related_articles, related_with_memo
from digest.pipeline.related_delta import related_lists

CHANGE = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 10**6), ARTICLE),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("edit"), st.integers(0, 10**6), ARTICLE),
    st.tuples(st.just("rename"), st.integers(0, 10**6)),
    st.tuples(st.just("touch"), st.integers(0, 10**6)),  # a new object, the same values
)


def _apply(objects: dict, change: tuple) -> None:
    paths = sorted(objects)
    if change[0] == "add":
        path = f"content/new{change[1]}.md"
        objects[path] = _article(path, *change[2])
        return
    if not paths:
        return
    old = paths[change[1] % len(paths)]
    if change[0] == "delete":
        del objects[old]
    elif change[0] == "edit":  # topics, date and slug, any of them
        objects[old] = _article(old, *change[2])
    elif change[0] == "rename":
        article = objects.pop(old)
        new = f"content/renamed-{old[8:]}"
        objects[new] = _article(
            new, article.published.day - 1, article.published.hour, article.topics, article.slug
        )
    else:
        article = objects[old]
        objects[old] = _article(
            old, article.published.day - 1, article.published.hour, article.topics, article.slug
        )


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(ARTICLE, min_size=0, max_size=40),
    steps=st.lists(st.lists(CHANGE, max_size=4), min_size=1, max_size=5),
    limit=st.sampled_from([0, 1, 2, 5]),
)
def test_lists_by_delta_are_the_lists_from_nothing(before, steps, limit):
    objects = {
        f"content/a{i}.md": _article(f"content/a{i}.md", *row) for i, row in enumerate(before)
    }
    site = tuple(sorted(objects.values(), key=newest_first))
    _, memo = related_lists(site, limit, None, lazy=True)
    for step in steps:
        for change in step:
            _apply(objects, change)
        site = tuple(sorted(objects.values(), key=newest_first))
        lists, memo = related_lists(site, limit, memo, lazy=True)
        assert _as_paths(lists) == _as_paths(related_articles(site, limit))
        # Asked again of the same articles (a replan's plan after its pages planned ahead).
        again, memo = related_lists(site, limit, memo, lazy=True)
        assert _as_paths(again) == _as_paths(lists)
    # What a build reads of the memo is what a build from nothing would have written.
    assert json.loads(text_of(memo)) == json.loads(related_with_memo(site, limit)[1])


def test_the_delta_is_taken_and_reaches_few_lists(monkeypatch):
    rows = [
        (i % 4, 12 * (i % 2), ("Oil", "Gas", "Iran")[i % 3 :][:2], "ab"[i % 2]) for i in range(60)
    ]
    objects = {f"content/a{i}.md": _article(f"content/a{i}.md", *row) for i, row in enumerate(rows)}
    site = tuple(sorted(objects.values(), key=newest_first))
    _, memo = related_lists(site, 5, None, lazy=True)
    chosen: list[int] = []
    real = related_delta._choose

    def counting(position, *args):
        chosen.append(position)
        return real(position, *args)

    monkeypatch.setattr(related_delta, "_choose", counting)
    monkeypatch.setattr(related_delta, "related_with_memo", None)  # must not be needed
    del objects["content/a7.md"]
    objects["content/new.md"] = _article("content/new.md", 3, 0, ("Iran",), "c")
    site = tuple(sorted(objects.values(), key=newest_first))
    lists, memo = related_lists(site, 5, memo, lazy=True)
    assert _as_paths(lists) == _as_paths(related_articles(site, 5))
    assert 0 < len(chosen) < len(site) // 2


def test_lists_asked_again_of_the_same_articles_are_not_worked_out_again(monkeypatch):
    paths = [f"content/a{i}.md" for i in range(9)]
    objects = {path: _article(path, i % 3, 0, ("Oil",), "a") for i, path in enumerate(paths)}
    site = tuple(sorted(objects.values(), key=newest_first))
    _, memo = related_lists(site, 5, None, lazy=True)
    objects["content/new.md"] = _article("content/new.md", 1, 3, ("Oil",), "b")
    site = tuple(sorted(objects.values(), key=newest_first))
    lists, memo = related_lists(site, 5, memo, lazy=True)
    monkeypatch.setattr(related_delta, "_update", None)  # must not be needed
    monkeypatch.setattr(related_delta, "related_with_memo", None)
    again, same = related_lists(site, 5, memo, lazy=True)
    assert same is memo and _as_paths(again) == _as_paths(lists)
    assert json.loads(text_of(same)) == json.loads(related_with_memo(site, 5)[1])
