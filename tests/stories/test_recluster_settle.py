"""``recluster(..., until=...)``: a change in the past is clustered again only until the run is
back on the previous result's track, and the result is still exactly ``cluster``'s."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from evaluation import load_items

from digest.clustering import cluster, recluster
from digest.clustering.terms import Terms


def _both(items: list) -> list:
    """The labeled items, and the same with some alone (``story: false``) and some naming a
    story: overrides take part in the resume too."""
    marked = list(items)
    for at in range(3, len(marked), 17):
        marked[at] = dataclasses.replace(marked[at], override=False)
    for at in range(8, len(marked), 23):
        marked[at] = dataclasses.replace(marked[at], override="a-named-story")
    return [items, marked]


@pytest.mark.parametrize("marked", [False, True])
def test_a_deleted_or_added_item_gives_the_result_of_cluster(marked: bool) -> None:
    items = _both(load_items())[marked]
    full = cluster(items)
    for at, item in enumerate(items):
        rest = items[:at] + items[at + 1 :]
        fewer = cluster(rest)
        instant = item.published
        assert recluster(full, rest, instant, until=instant) == fewer, item.key
        assert recluster(fewer, items, instant, until=instant) == full, item.key


@pytest.mark.parametrize("marked", [False, True])
def test_an_edit_that_moves_an_item_gives_the_result_of_cluster(marked: bool) -> None:
    items = _both(load_items())[marked]
    full = cluster(items)
    for at in range(0, len(items), 3):
        item, other = items[at], items[(at * 7 + 11) % len(items)]
        # Its words and date become another item's: it leaves its story for that one's,
        # which may regroup the days around both.
        moved = dataclasses.replace(
            item, title=other.title, text=other.text, published=other.published
        )
        edited = [*items[:at], moved, *items[at + 1 :]]
        since, until = sorted([item.published, moved.published])
        assert recluster(full, edited, since, until=until) == cluster(edited), item.key


def test_a_change_far_from_the_newest_day_is_clustered_again_for_a_few_days_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = load_items()
    bags: list[str] = []
    original = Terms.bag

    def counting(self: Terms, item):  # type: ignore[no-untyped-def]
        bags.append(item.key)
        return original(self, item)

    monkeypatch.setattr(Terms, "bag", counting)
    ordered = sorted(items, key=lambda i: (i.published, i.key))
    item = ordered[len(ordered) // 4]
    rest = [i for i in items if i is not item]
    full = cluster(items)
    bags.clear()
    assert recluster(full, rest, item.published, until=item.published) == cluster(rest)
    resumed, clustered = bags[: len(bags) - len(rest)], bags[len(bags) - len(rest) :]
    assert len(clustered) == len(rest)
    later = [i for i in ordered if i.published > item.published + dt.timedelta(days=12)]
    assert later and not {i.key for i in later} & set(resumed)
