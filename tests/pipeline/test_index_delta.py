"""The index a watch replan updates by delta (``pipeline/index_delta.py``) is the index built
from the articles as they are, whatever came and went; where it is unsure it says so."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.config import parse_config
from digest.model import Article
from digest.pipeline.index import build_index
from digest.pipeline.index_delta import changed_between, update_index

ZONE = dt.timezone(dt.timedelta(hours=1))
TOPICS = ["Oil", "Iran", "Sport", "Gas", "oil"]  # "oil" and "Oil" share a slug
SOURCES = ["The Daily", "Reuters", "reuters", "Folha"]
CONFIG = parse_config('title = "T"\nbase_url = "https://example.org/"\n')
RULES = parse_config(
    'title = "T"\nbase_url = "https://example.org/"\n[topics]\nEnergy = ["fuel"]\n'
)


def _article(
    number: int, day: int, hour: int, topics: list[str], source: str, slug: str
) -> Article:
    seen: dict[str, str] = {}
    for name in topics:  # an article names a slug once (the loader refuses two spellings)
        seen.setdefault(name.casefold(), name)
    path = f"content/{number:03d}.md"
    return Article(
        path=path,
        title=f"Title {number}" + (" about fuel" if number % 3 == 0 else ""),
        source=source,
        url=f"https://example.com/{number}",
        canonical_url=f"https://example.com/{number}",
        published=dt.datetime(2013, 11, 1 + day, hour, tzinfo=ZONE),
        has_time=True,
        slug=slug,
        topics=tuple(seen.values()),
        summary="",
        body="",
        body_line=1,
        content_hash=f"{path}-{day}-{hour}-{topics}-{source}-{slug}",
    )


ARTICLES = st.builds(
    _article,
    number=st.integers(0, 40),
    day=st.integers(0, 4),
    hour=st.sampled_from([0, 7, 23]),  # 23:00 at +1 is the day before in UTC
    topics=st.lists(st.sampled_from(TOPICS), max_size=3),
    source=st.sampled_from(SOURCES),
    slug=st.sampled_from(["a", "b", "c"]),
)


def _site(articles: list[Article]) -> dict[str, Article]:
    return {a.path: a for a in articles}


def _built(articles: dict[str, Article], config) -> object:
    try:
        return build_index([articles[p] for p in sorted(articles)], config)[0]
    except Exception as exc:  # a duplicate, say: the delta must not paper over it
        return type(exc)


@settings(max_examples=400, deadline=None)
@given(
    before=st.lists(ARTICLES, max_size=25),
    steps=st.lists(
        st.tuples(st.lists(st.integers(0, 40), max_size=3), st.lists(ARTICLES, max_size=3)),
        min_size=1,
        max_size=4,
    ),
    rules=st.booleans(),
)
def test_the_updated_index_is_the_index_built_anew(before, steps, rules):
    config = RULES if rules else CONFIG
    site = _site(before)
    old = _built(site, config)
    if isinstance(old, type):
        return  # a site the build refuses: no index to update
    used = 0
    for leaving, coming in steps:
        now = dict(site)
        for number in leaving:
            now.pop(f"content/{number:03d}.md", None)
        now.update(_site(coming))
        gone = [a for a in site.values() if now.get(a.path) is not a]
        came = [a for a in now.values() if site.get(a.path) is not a]
        expected = _built(now, config)
        updated = update_index(old, gone, came, config)
        if updated is None:  # unsure: the caller builds it anew
            if isinstance(expected, type):
                return
            old, site = expected, now
            continue
        used += 1
        assert not isinstance(expected, type), "the delta let a duplicate through"
        assert updated == expected
        for field in dataclasses.fields(expected):  # the order of each list too
            assert getattr(updated, field.name) == getattr(expected, field.name), field.name
        assert updated.unique == expected.unique
        # What neither touched is shared, as it was (the plan's memos compare by identity).
        touched = {a.day for a in gone + came}
        kept = {d.date: d for d in old.days if d.date not in touched}
        assert all(kept[d.date] is d for d in updated.days if d.date in kept)
        old, site = updated, now


def test_a_second_spelling_or_a_duplicate_is_left_to_the_full_index():
    one = _article(1, 0, 7, ["Oil"], "Reuters", "a")
    two = _article(2, 1, 7, ["Iran"], "Reuters", "b")
    index = build_index([one, two], CONFIG)[0]
    assert index.unique is not None
    respelt = _article(3, 2, 7, ["oil"], "Reuters", "c")
    assert update_index(index, [], [respelt], CONFIG) is None
    same_url = dataclasses.replace(
        _article(4, 2, 7, [], "Reuters", "d"), canonical_url=one.canonical_url
    )
    assert update_index(index, [], [same_url], CONFIG) is None
    same_slug = _article(5, 0, 7, [], "Reuters", "a")  # the day and slug of ``one``
    assert update_index(index, [], [same_slug], CONFIG) is None
    # Once the other spelling is in, the site's index can no longer be updated so.
    mixed = build_index([one, two, respelt], CONFIG)[0]
    assert mixed.unique is None
    assert update_index(mixed, [respelt], [], CONFIG) is None
    # And an article replaced by its own edit, or removed, is a delta like any other.
    moved = dataclasses.replace(two, published=dt.datetime(2013, 11, 4, 7, tzinfo=ZONE))
    assert update_index(index, [two], [moved], CONFIG) == build_index([one, moved], CONFIG)[0]
    assert update_index(index, [one], [], CONFIG) == build_index([two], CONFIG)[0]


def test_what_changed_between_two_lists_is_told_by_identity():
    one, two, three = (_article(n, 0, 7, [], "Reuters", "abc"[n - 1]) for n in (1, 2, 3))
    edited = dataclasses.replace(two, title="Edited")  # equal but for the title: another object
    before, after = (one, two, three), (one, edited, three)
    assert changed_between(before, after) == ([1], [1])
    assert changed_between(before, after) == ([1], [1])  # the same two lists: asked again
    assert changed_between(after, (one,)) == ([1, 2], [])
    assert changed_between((one,), (three, one)) == ([], [0])


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 30),
    st.lists(st.tuples(st.sampled_from(["drop", "add", "swap"]), st.integers(0, 40)), max_size=6),
)
def test_what_changed_between_two_lists_is_every_object_gone_and_come(size, steps):
    """Whatever came, went or was replaced, anywhere (the common ends are passed over),
    the answer is the objects of one list that the other does not hold, by position."""
    before = [object() for _ in range(size)]
    after = list(before)
    for kind, at in steps:
        at = at % (len(after) + 1)
        if kind == "add":
            after.insert(at, object())
        elif after and at < len(after):
            if kind == "drop":
                del after[at]
            else:
                after[at] = object()
    old, new = set(map(id, before)), set(map(id, after))
    expected = (
        [p for p, a in enumerate(before) if id(a) not in new],
        [p for p, a in enumerate(after) if id(a) not in old],
    )
    assert changed_between(tuple(before), tuple(after)) == expected


def test_an_index_with_articles_left_out_is_built_anew():
    one = _article(1, 0, 7, ["Oil"], "Reuters", "a")
    twin = dataclasses.replace(
        _article(2, 1, 7, ["Oil"], "Reuters", "b"), canonical_url=one.canonical_url
    )
    index, dropped = build_index([one, twin], CONFIG, keep_going=True)
    assert dropped and index.unique is None  # its sets would hold the article left out
    assert update_index(index, [], [_article(3, 2, 7, [], "Reuters", "c")], CONFIG) is None
