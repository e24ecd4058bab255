"""The stories as they leave clustering: ``Story`` values from the open stories, the overridden
items placed, the ids; and, for a resume, which previous stories stay whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from hashlib import sha1
from typing import Protocol

from digest.clustering.items import Story, StoryItem
from digest.slugs import slugify

_TITLE_SLUG = 60


class Built(Protocol):
    """An open story of ``online``: its id and its automatic members' indexes."""

    sid: str
    members: list[int]


def split_previous(
    items: list[StoryItem],
    days: list[int],
    auto: list[int],
    previous: Sequence[Story],
    live_from: int,
    open_day: int,
) -> tuple[list[Story], dict[str, str]]:
    """The previous stories that stay as they are, and the story id of each item to replay
    ("" for the items of those kept stories). ``previous`` may cover items from ``since`` on
    (the result before an edit): they are ignored."""
    before = {items[i].key: i for i in auto[:live_from]}
    overridden = {item.key for item in items if isinstance(item.override, str)}
    kept: list[Story] = []
    forced: dict[str, str] = {}
    seen = 0
    for story in previous:
        if story.explicit:
            continue
        # Its items from ``since`` on are clustered again; those before keep their story.
        members = [key for key in story.keys if key not in overridden and key in before]
        if not members:
            continue
        seen += len(members)
        first = before[members[0]]
        if days[first] < open_day:
            # No item from ``since`` on can join it: it is final, and so is its id.
            kept.append(_strip(story, members, items, before))
            for key in members:
                forced[key] = ""
        else:
            for key in members:
                forced[key] = story.id
    if seen != len(before):
        raise ValueError("previous does not match the items before since")
    return kept, forced


def _strip(story: Story, members: list[str], items: list[StoryItem], at: dict[str, int]) -> Story:
    if len(members) == len(story.keys):
        return story
    return _make(story.id, [items[at[key]] for key in members], explicit=False)


def finish(items: list[StoryItem], stories: Sequence[Built], kept: list[Story]) -> list[Story]:
    """The Story values, with the overridden items placed (pass 2)."""
    groups: dict[str, list[StoryItem]] = {}
    order: list[str] = []
    for story in stories:
        if story.sid not in groups:
            order.append(story.sid)
        groups.setdefault(story.sid, []).extend([items[m] for m in story.members])
    explicit: dict[str, list[StoryItem]] = {}
    for story in kept:
        if story.id not in groups:
            order.append(story.id)
            groups[story.id] = []
    kept_by_id = {story.id: story for story in kept}
    for item in items:
        if isinstance(item.override, str):
            target = groups.get(item.override)
            if target is None:
                explicit.setdefault(item.override, []).append(item)
            else:
                target.append(item)
    result: list[Story] = []
    by_key = {item.key: item for item in items}
    for sid in order:
        members = groups[sid]
        if sid in kept_by_id:
            story = kept_by_id[sid]
            if not members and story.days and all(key in by_key for key in story.keys):
                # The value clustering gave it (a memo's have no days): made from the same
                # items, it is what ``_make`` would give.
                result.append(story)
                continue
            members = [by_key[key] for key in story.keys if key in by_key] + members
        result.append(_make(sid, members, explicit=False))
    result.extend(_make(sid, members, explicit=True) for sid, members in explicit.items())
    # ``items`` are in (published, key) order, the keys unique: a position is that order.
    position = {item.key: at for at, item in enumerate(items)}
    result.sort(key=lambda story: position[story.lead])
    return result


def _make(sid: str, members: list[StoryItem], explicit: bool) -> Story:
    if len(members) == 1:  # most stories: nothing to sort or to merge
        lead = members[0]
        return Story(
            id=sid,
            keys=(lead.key,),
            lead=lead.key,
            title=lead.title,
            sources=(lead.source,),
            days=(lead.published.date(),),
            explicit=explicit,
        )
    members = sorted(members, key=lambda item: (item.published, item.key))
    sources: dict[str, None] = {}
    days: dict[dt.date, None] = {}
    for item in members:
        sources.setdefault(item.source, None)
        days.setdefault(item.published.date(), None)
    lead = members[0]
    return Story(
        id=sid,
        keys=tuple(item.key for item in members),
        lead=lead.key,
        title=lead.title,
        sources=tuple(sources),
        days=tuple(sorted(days)),
        explicit=explicit,
    )


def new_id(item: StoryItem, taken: set[str]) -> str:
    day = item.published.date().isoformat()
    slug = slugify(item.title, _TITLE_SLUG) or sha1(item.key.encode()).hexdigest()[:8]
    base = f"{day}-{slug}"
    sid, n = base, 1
    while sid in taken:
        n += 1
        sid = f"{base}-{n}"
    taken.add(sid)
    return sid
