"""The related lists of a build that starts from the last build's memo are the lists worked
out from nothing, whatever changed in between."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.model import Article
from digest.pipeline.index import newest_first
from digest.pipeline.related import related_articles, related_of_some, related_with_memo
from digest.pipeline.related_memo import decode_memo

TOPICS = ["Oil", "Iran", "Sport", "Gas", "oil"]  # "oil" and "Oil" share a slug
ZONE = dt.timezone(dt.timedelta(hours=1))


def _article(path: str, day: int, hour: int, topics: tuple[str, ...], slug: str) -> Article:
    return Article(
        path=path,
        title=f"Title of {path}",
        source="The Daily",
        url=f"https://example.com/{path}",
        canonical_url=f"https://example.com/{path}",
        published=dt.datetime(2013, 11, 1 + day, hour, tzinfo=ZONE),
        has_time=True,
        slug=slug,
        topics=topics,
        summary="",
        body="",
        body_line=1,
        content_hash=path,
    )


def _topics(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)  # deduped by slug, as the loader does
    return tuple(seen.values())


ARTICLE = st.tuples(
    st.integers(0, 3),  # few days and hours: many ties in date
    st.sampled_from([0, 12]),
    st.lists(st.sampled_from(TOPICS), max_size=4).map(_topics),
    st.sampled_from(["a", "b"]),
)


def _site(rows: dict[str, tuple[int, int, tuple[str, ...], str]]) -> tuple[Article, ...]:
    articles = [_article(path, *row) for path, row in rows.items()]
    return tuple(sorted(articles, key=newest_first))


def _as_paths(lists: list[tuple[Article, ...]]) -> list[list[str]]:
    return [[a.path for a in chosen] for chosen in lists]


CHANGE = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 10**6), ARTICLE),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("edit"), st.integers(0, 10**6), ARTICLE),
    st.tuples(st.just("rename"), st.integers(0, 10**6)),
)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(ARTICLE, min_size=0, max_size=40),
    changes=st.lists(CHANGE, max_size=6),
    limit=st.sampled_from([0, 1, 2, 5]),
)
def test_lists_from_the_memo_are_the_lists_from_nothing(before, changes, limit):
    rows = {f"content/a{i}.md": row for i, row in enumerate(before)}
    _, memo = related_with_memo(_site(rows), limit)
    for change in changes:
        paths = sorted(rows)
        if change[0] == "add":
            rows[f"content/new{change[1]}.md"] = change[2]
        elif paths and change[0] == "delete":
            del rows[paths[change[1] % len(paths)]]
        elif paths and change[0] == "edit":  # topics, date and slug, any of them
            rows[paths[change[1] % len(paths)]] = change[2]
        elif paths:
            old = paths[change[1] % len(paths)]
            rows[f"content/renamed-{old[8:]}"] = rows.pop(old)
    after = _site(rows)
    lists, _ = related_with_memo(after, limit, memo)
    assert _as_paths(lists) == _as_paths(related_articles(after, limit))


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(ARTICLE, min_size=1, max_size=40),
    picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
    limit=st.sampled_from([0, 1, 2, 5]),
)
def test_some_articles_lists_are_their_lists_among_all(rows, picks, limit):
    # watch's pages of the files just saved take their lists alone (commands/ahead.py).
    site = _site({f"content/a{i}.md": row for i, row in enumerate(rows)})
    positions = sorted({pick % len(site) for pick in picks})
    every = related_articles(site, limit)
    some = related_of_some(site, positions, limit)
    assert sorted(some) == positions
    assert {i: _as_paths([some[i]]) for i in positions} == {
        i: _as_paths([every[i]]) for i in positions
    }


def test_a_memo_of_another_limit_or_damaged_is_ignored():
    rows = {f"content/a{i}.md": (i % 3, 0, ("Oil", "Gas")[: 1 + i % 2], "a") for i in range(12)}
    site = _site(rows)
    expected = _as_paths(related_articles(site, 2))
    _, memo = related_with_memo(site, 5)
    record = json.loads(memo)
    damaged = [
        {**record, "related": [99, *record["related"][1:]]},
        {**record, "related": ["0", *record["related"][1:]]},
        {**record, "counts": [9, *record["counts"][1:]]},
        {**record, "keys": record["keys"][1:]},
        {**record, "format": 0},
        {**record, "fewest": record["fewest"][1:]},
        {**record, "fewest": [-1, *record["fewest"][1:]]},
        {**record, "farthest": ["0", *record["farthest"][1:]]},
        {**record, "farthest": [float("nan"), *record["farthest"][1:]]},
        {key: value for key, value in record.items() if key != "farthest"},
    ]
    for bad in (memo, "{", "[]", *(json.dumps(d) for d in damaged)):
        assert _as_paths(related_with_memo(site, 2, bad)[0]) == expected
    # Bounds are read only for a site that changed since: refused when read, whatever.
    for bad in damaged[5:]:
        assert decode_memo(json.dumps(bad), 5) is None
    assert decode_memo(memo, 5) is not None
    _, memo = related_with_memo(site, 2)
    for bad in damaged[:4] + damaged[5:]:
        assert _as_paths(related_with_memo(site, 2, json.dumps({**bad, "limit": 2}))[0]) == expected
