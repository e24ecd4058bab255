"""What clustering reads of an article, and ``watch``'s regrouping of the stories near a change
only: the articles of a few days around it are clustered again (``clustering.recluster``
over those days), and the result is put in place of the stories they were in.

Why that is the whole site's result: an article's story depends only on the articles of the
few days before it (``digest.clustering``: window, prefix), so the stories begun before the
change's reach stay as they were; and a resumed clustering that comes back on the previous
track (``settled``) keeps the previous stories from there on. The days given to it start two
windows and three days before the first changed article, so the stories it replays begin
inside them, and end far enough after the last (``AFTER``) that it settles with days to
spare; when it does not, or anything else is unusual (an editor's ``story:`` id, which names
a story anywhere in time; many changes), the caller groups the site as a build does.
tests/stories/test_stories_nearby.py holds the result equal to ``cluster`` of all articles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field

from digest.clustering import WINDOW_DAYS, StoryItem, recluster
from digest.clustering import Story as ClusterStory
from digest.clustering.terms import Terms
from digest.incremental.memos import Memo
from digest.model import Article
from digest.pipeline.index_delta import changed_between
from digest.slugs import slugify

BEFORE = dt.timedelta(days=2 * WINDOW_DAYS + 3)
AFTER = dt.timedelta(days=14)
SPARE_DAYS = WINDOW_DAYS + 3
"""The clustering must settle this many days before the end of what it was given: a story
still open there has all its articles inside."""
MAX_CHANGED = 64
"""More articles gone and come than this: the site is grouped as a build does."""


def story_item(article: Article) -> StoryItem:
    """What clustering reads of an article: its title, summary, source, time and the editor's
    ``story:``; a change to any of these may move it to another story."""
    override: str | bool | None = article.story or (False if article.story_alone else None)
    return StoryItem(
        key=article.path,
        title=article.title,
        text=article.summary,
        # By slug, as the index merges spellings: so the stories of the articles as loaded
        # are those of the indexed ones (``start_stories``).
        source=_source_key(article.source),
        published=article.published,
        lang=article.lang,
        override=override,
    )


_source_keys: dict[str, str] = {}


def _source_key(source: str) -> str:
    key = _source_keys.get(source)
    if key is None:
        key = _source_keys[source] = slugify(source)
    return key


def item_signature(item: StoryItem) -> str:
    """A hash of what clustering reads of an item besides its time and key."""
    fields = [item.title, item.text, item.source, item.lang, repr(item.override)]
    return hashlib.blake2b("\0".join(fields).encode(), digest_size=12).hexdigest()


def _order(item: StoryItem) -> tuple[dt.datetime, str]:
    return item.published, item.key


@dataclass(slots=True)
class Nearby:
    """The last grouping of a ``watch`` session: its articles, their items in time order,
    their signatures, and the stories."""

    articles: Sequence[Article]
    items: list[StoryItem]
    item_of: dict[str, StoryItem]
    signatures: dict[str, tuple[str, str]]
    found: list[ClusterStory]
    """In order of their first articles (``leads``, the same order)."""
    leads: list[tuple[dt.datetime, str]]
    lead_of: dict[str, tuple[dt.datetime, str]]
    ids: set[str]
    count: int
    """Of the stories' articles, all told."""
    story_of: dict[str, ClusterStory]
    explicit: int
    """Articles with a ``story:`` id."""
    terms: Terms = field(default_factory=lambda: Terms(keep_bags=True))
    """The session's tokeniser: the items of the days around each change are clustered
    again, most of them the last change's too, and their bags are kept."""

    @classmethod
    def of(
        cls,
        articles: Sequence[Article],
        items: list[StoryItem],
        signatures: dict[str, tuple[str, str]],
        found: list[ClusterStory],
    ) -> Nearby:
        ordered = sorted(items, key=_order)
        story_of = {key: story for story in found for key in story.keys}
        explicit = sum(isinstance(item.override, str) for item in items)
        item_of = {item.key: item for item in items}
        leads = [_order(item_of[story.keys[0]]) for story in found]
        return cls(
            articles,
            ordered,
            item_of,
            dict(signatures),
            list(found),
            leads,
            {story.id: lead for story, lead in zip(found, leads, strict=True)},
            {story.id for story in found},
            sum(len(story.keys) for story in found),
            story_of,
            explicit,
        )


_kept: list[tuple[Memo, Nearby]] = []
"""The memo of the last lazy grouping, with what it was made from."""


def nearby_for(memo: Memo | None) -> Nearby | None:
    """What the lazy grouping that returned ``memo`` was made from, if it was the last."""
    return _kept[0][1] if _kept and memo is not None and _kept[0][0] is memo else None


def keep_nearby(memo: Memo | None, state: Nearby | None) -> None:
    """Keep ``state`` for the next grouping from ``memo`` (None: keep nothing)."""
    _kept[:] = [] if memo is None or state is None else [(memo, state)]


def regroup(state: Nearby, articles: Sequence[Article]) -> list[ClusterStory] | None:
    """The stories of ``articles`` (in order of their first article), from ``state``, which
    is made that of ``articles``; None when the site is to be grouped as a build does
    (``state`` is then of no further use)."""
    out, into = changed_between(state.articles, articles)
    gone = [state.articles[p] for p in out]
    came = [articles[p] for p in into]
    if len(gone) + len(came) > MAX_CHANGED:
        return None
    items, item_of, signatures = state.items, state.item_of, state.signatures
    instants: list[dt.datetime] = []
    changed: list[str] = []
    before: dict[str, tuple[str, str] | None] = {}
    for article in gone:
        item = item_of.pop(article.path, None)
        if item is None or article.path in before:
            return None
        del items[bisect_left(items, _order(item), key=_order)]
        state.explicit -= isinstance(item.override, str)
        before[item.key] = signatures.pop(item.key)
        instants.append(item.published)
    for article in came:
        item = story_item(article)
        if item.key in item_of:
            return None  # two articles of one path
        signature = (item.published.isoformat(), item_signature(item))
        if before.get(item.key) != signature:
            changed.append(item.key)
            instants.append(item.published)
        signatures[item.key] = signature
        item_of[item.key] = item
        insort(items, item, key=_order)
        state.explicit += isinstance(item.override, str)
    changed += [key for key in before if key not in item_of]
    state.articles = articles
    if not changed:
        return list(state.found)  # what clustering reads is as it was (a body edit, say)
    if state.explicit:
        return None  # an editor's story id: a story anywhere in time
    since, until = min(instants), max(instants)
    low = bisect_left(items, (since - BEFORE, ""), key=_order)
    high = bisect_left(items, (until + AFTER, ""), key=_order)
    window = items[low:high]
    last_day = (until + AFTER).date().toordinal()
    touched: dict[str, ClusterStory] = {}
    for key in [item.key for item in window] + changed:
        story = state.story_of.get(key)
        if story is not None:
            touched.setdefault(story.id, story)
    settled: list[int] = []
    try:
        result = recluster(
            list(touched.values()), window, since, until=until, settled=settled, terms=state.terms
        )
    except ValueError:
        return None
    if high < len(items) and (not settled or settled[0] > last_day - SPARE_DAYS):
        return None  # not back on the previous track early enough: the later days may move
    inside = {item.key for item in window}
    moved = set(changed)
    placed: list[ClusterStory] = []
    for story in result:
        original = touched.get(story.id)
        if original is not None and any(k not in inside and k in item_of for k in original.keys):
            # Begun before the days given, or taken whole after them: as it was.
            if not moved.isdisjoint(original.keys) or (
                story.keys != original.keys
                and story.keys != tuple(key for key in original.keys if key in inside)
            ):
                return None
            story = original
        placed.append(story)
    found, leads = state.found, state.leads
    for story in touched.values():  # out of the site's stories, by their leads
        lead = state.lead_of.pop(story.id)
        at = bisect_left(leads, lead)
        if at == len(found) or found[at] is not story:
            return None
        del found[at], leads[at]
        state.ids.discard(story.id)
        state.count -= len(story.keys)
    for story in placed:
        if story.id in state.ids:
            return None  # an id of a story outside the days given: a build tells which
        lead = _order(item_of[story.keys[0]])
        at = bisect_left(leads, lead)
        found.insert(at, story)
        leads.insert(at, lead)
        state.lead_of[story.id] = lead
        state.ids.add(story.id)
        state.count += len(story.keys)
    if state.count != len(items):
        return None  # an article in two stories, or in none
    for story in touched.values():
        for key in story.keys:
            state.story_of.pop(key, None)
    for story in placed:
        for key in story.keys:
            state.story_of[key] = story
    return list(found)
