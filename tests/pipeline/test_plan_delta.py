"""A new day, a topic change or a deletion built from the last build's memos gives the
files of a clean build; the related lists' cheap "still right" test for a new day agrees
with the lists worked out from nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from conftest import tree
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.commands.build import BuildOptions, build
from digest.model import Article
from digest.pipeline.index import newest_first
from digest.pipeline.related import related_articles, related_with_memo

TOPICS = ["Oil", "Iran", "Sport", "Gas", "Fog"]
ZONE = dt.UTC


def _article(path: str, hours: int, topics: tuple[str, ...]) -> Article:
    return Article(
        path=path,
        title=f"Title of {path}",
        source="The Daily",
        url=f"https://example.com/{path}",
        canonical_url=f"https://example.com/{path}",
        published=dt.datetime(2013, 11, 1, tzinfo=ZONE) + dt.timedelta(hours=hours),
        has_time=True,
        slug=path,
        topics=topics,
        summary="",
        body="",
        body_line=1,
        content_hash=path,
    )


ROW = st.tuples(
    st.integers(0, 200), st.lists(st.sampled_from(TOPICS), max_size=3, unique=True).map(tuple)
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(ROW, max_size=60),
    new_day=st.lists(ROW, min_size=1, max_size=6),
    later=st.integers(-50, 100),
    limit=st.sampled_from([1, 2, 5]),
)
def test_a_new_day_s_lists_from_the_memo_are_the_lists_from_nothing(before, new_day, later, limit):
    # The new articles mostly come after all others (the usual new day), or among them.
    old = [_article(f"a{i}", hours, topics) for i, (hours, topics) in enumerate(before)]
    new = [_article(f"n{i}", 150 + later + h, t) for i, (h, t) in enumerate(new_day)]
    _, memo = related_with_memo(tuple(sorted(old, key=newest_first)), limit)
    after = tuple(sorted(old + new, key=newest_first))
    lists, _ = related_with_memo(after, limit, memo)
    expected = related_articles(after, limit)
    assert [[a.path for a in x] for x in lists] == [[a.path for a in x] for x in expected]


DAY = """---
title: Story {n} of the new day
source: Port Courier
date: 2013-11-{day}
url: https://example.com/new-{day}-{n}
topics: [{topics}]
---
Text {n}.
"""


def _clean(root: Path) -> dict[str, bytes]:
    clean = root.parent / "clean-build"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    return tree(clean)


def test_a_new_day_then_a_topic_change_then_a_delete_build_as_a_clean_build(fixture_site):
    build(BuildOptions(root=fixture_site))
    added = []
    for n, topics in enumerate(["Weather", "Weather, Fog watch", "Politics", "Fog watch"]):
        rel = fixture_site / f"content/2013/11/20/new-{n}.md"
        rel.parent.mkdir(parents=True, exist_ok=True)
        rel.write_text(DAY.format(n=n, day=20, topics=topics))
        added.append(rel)
    steps = [
        lambda: None,
        lambda: added[1].write_text(DAY.format(n=1, day=20, topics="Sport")),
        lambda: added[2].unlink(),
    ]
    for step in steps:
        step()
        build(BuildOptions(root=fixture_site))
        assert tree(fixture_site / "site") == _clean(fixture_site)
