"""Where a resumed clustering may stop: once it is back on the previous result's track past
the reach of the change, the rest of the items keep their previous stories
(``online.recluster`` with ``until``).

Why that is exact: an item's vector weighs its terms against the items of the ``window``
days before it, and it joins only a story begun in its last ``len(thresholds) - 1`` days.
So the run from an item on depends only on the items of those days before it, their
vectors (their own windows'), and the stories they are in. When every one of them is in the
story of the same id as in the previous result and none of them is changed, the run goes on
as the previous one went: same candidates, same centroids, same ids (an id is taken per
day, and the days from there on are the same).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from digest.clustering.assemble import Built
from digest.clustering.items import Story, StoryItem


def converged(
    items: list[StoryItem],
    days: list[int],
    auto: list[int],
    position: int,
    live_from: int,
    oldest: int,
    story_of: Mapping[int, Built],
    was: Mapping[str, str],
) -> bool:
    """Whether the run, about to take ``auto[position]``, is in the state a run of
    ``previous`` was in there: every item of the days from ``oldest`` on (the stories they
    could join and the vectors of those stories' members) clustered into the story of the
    same id, and every item left having a story in ``previous``."""
    back = position - 1
    while back >= 0 and days[auto[back]] >= oldest:
        if back < live_from:
            return False  # replayed, not clustered: the change is too near
        story = story_of.get(auto[back])
        if story is None or not story.sid or story.sid != was.get(items[auto[back]].key):
            return False
        back -= 1
    return all(items[auto[p]].key in was for p in range(position, len(auto)))


class _Tail:
    """A story still open where the run stopped, or one an override keeps from being
    taken whole: its id and the indexes of its members (what ``assemble.finish`` reads)."""

    __slots__ = ("members", "sid")

    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.members: list[int] = []


def take_the_rest(
    items: list[StoryItem],
    auto: list[int],
    position: int,
    stories: list[Built],
    previous: Sequence[Story],
    was: Mapping[str, str],
    kept: list[Story],
) -> None:
    """Put the items from ``auto[position]`` on in their ``previous`` stories: those still
    open are the run's own (same ids, same members), and join them; the others begin
    later and are taken whole, as ``kept`` stories, unless an override put an article in
    them (``finish`` places those again)."""
    by_id: dict[str, Built] = {story.sid: story for story in stories}
    whole = {story.id: story for story in previous if not story.explicit}
    overridden = {item.key for item in items if isinstance(item.override, str)}
    taken: set[str] = set()
    for p in range(position, len(auto)):
        index = auto[p]
        sid = was[items[index].key]
        story = by_id.get(sid)
        if story is None:
            if sid in taken:
                continue
            value = whole[sid]
            if not overridden.intersection(value.keys):
                taken.add(sid)
                kept.append(value)
                continue
            story = by_id[sid] = _Tail(sid)
            stories.append(story)
        story.members.append(index)
