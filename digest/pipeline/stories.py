"""Stories: the site's articles grouped into news stories (``digest.clustering``), and a day's
articles as the entries of its day page, one per story.

A story is shown on the day pages as one entry per day: the day's first article of it (the
lead: headline, summary, source) and every other article of it that day ("also covered
by"). Entries of two or more articles open the day as its top stories, most sources first;
the rest sit under their lead's first topic. A story of two or more articles also has its
page, ``/stories/<id>/``, with its full coverage in time order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from digest.clustering import Story as ClusterStory
from digest.clustering import StoryItem, cluster, recluster
from digest.incremental.memos import LazyText, Memo, same_memo, text_of
from digest.model import Article, Day
from digest.parallel import in_background
from digest.pipeline.index import OTHER_TOPIC
from digest.pipeline.stories_nearby import (
    Nearby,
    item_signature,
    keep_nearby,
    nearby_for,
    regroup,
    story_item,
)
from digest.slugs import slugify


@dataclass(frozen=True, slots=True)
class Story:
    """One story of the site: its articles in time order, oldest first."""

    id: str
    title: str
    """The first article's title."""
    articles: tuple[Article, ...]
    sources: tuple[str, ...]
    """Distinct sources in order of first appearance."""
    days: tuple[dt.date, ...]
    permalink: str = field(init=False, compare=False, repr=False)
    """``/stories/<id>/``: the page a story of two or more articles has."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "permalink", f"/stories/{self.id}/")

    @property
    def has_page(self) -> bool:
        return len(self.articles) > 1


@dataclass(frozen=True, slots=True)
class Entry:
    """One story on one day page: the day's articles of it, the lead first."""

    story: Story | None
    """None when the site has stories off: the entry is one article, as before stories."""
    articles: tuple[Article, ...]
    earlier: dt.date | None = None
    """The story's first day when it began before this one (a continuing story)."""

    @property
    def lead(self) -> Article:
        return self.articles[0]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.source for a in self.articles))


@dataclass(frozen=True, slots=True)
class Stories:
    """Every story of the site, in order of their first article, and each article's."""

    all: tuple[Story, ...]
    of: dict[str, Story]
    """Article path -> its story."""

    def with_pages(self) -> tuple[Story, ...]:
        return tuple(story for story in self.all if story.has_page)


BACKGROUND_FROM = 1000
"""Sites of this many articles find their stories in a process of their own, while the other
pages are planned (a second or so at 10,000 articles); for fewer, starting it costs more."""

Groups = list[tuple[str, tuple[str, ...]]]
"""Each story's id and its articles' paths in time order: what clustering decides, compact
enough to come back from another process."""


def story_groups(
    articles: Iterable[Article], memo: Memo | None = None, lazy: bool = False
) -> tuple[Groups, Memo]:
    """The stories of ``articles`` (the whole site: a story is a matter of its neighbours),
    and the memo to keep for the next build. ``memo``: the last build's, when there is one;
    then only the articles from the first changed one on are grouped again (``recluster``),
    which for a new day is the days just before it, not the archive. ``lazy``: the memo as
    a ``LazyText``, encoded only if read (``watch``'s replans); then the stories near the
    change only are grouped again when ``memo`` is the last lazy call's (``stories_nearby``)."""
    articles = articles if isinstance(articles, Sequence) else tuple(articles)
    state = nearby_for(memo) if lazy else None
    if lazy:
        keep_nearby(None, None)  # used up, or of no use
    if state is not None:
        near = regroup(state, articles)
        if near is not None:
            groups, text = _groups_and_memo(near, dict(state.signatures), lazy)
            keep_nearby(text, state)
            return groups, text
    items, signatures = _items_of(articles)
    found = None
    previous = _read_memo(memo)
    if previous is not None:
        old, stories = previous
        changed = [k for k in old.keys() | signatures.keys() if old.get(k) != signatures.get(k)]
        if not changed and memo is not None:
            # Nothing a story is made of changed: the memo read is the one to keep (a
            # tenth of a second of encoding at 10,000 articles, for a topic edit, say).
            _written[:] = [(memo, signatures, stories)]
            if lazy:
                keep_nearby(memo, Nearby.of(articles, items, signatures, stories))
            return [(story.id, story.keys) for story in stories], memo
        else:
            instants = [
                dt.datetime.fromisoformat(signature[0])
                for key in changed
                for signature in (old.get(key), signatures.get(key))
                if signature is not None
            ]
            try:
                found = recluster(stories, items, min(instants), until=max(instants))
            except ValueError:  # a memo that does not match after all: from scratch
                found = None
    final = cluster(items) if found is None else found
    groups, text = _groups_and_memo(final, signatures, lazy)
    if lazy:
        keep_nearby(text, Nearby.of(articles, items, signatures, final))
    return groups, text


def _groups_and_memo(
    final: list[ClusterStory], signatures: dict[str, tuple[str, str]], lazy: bool
) -> tuple[Groups, Memo]:
    """The groups of the stories ``final`` and the memo to keep (``signatures`` and ``final``
    are never changed in place after)."""
    groups = [(story.id, story.keys) for story in final]

    def encode() -> str:
        kept = {
            "format": MEMO_FORMAT,
            "items": [[key, *signature] for key, signature in sorted(signatures.items())],
            "stories": [[story.id, list(story.keys), story.explicit] for story in final],
        }
        return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))

    text: Memo = LazyText(encode) if lazy else encode()
    _written[:] = [(text, signatures, final)]
    return groups, text


def start_stories(
    articles: Sequence[Article], jobs: int, memo: Memo | None, lazy: bool = False
) -> Callable[[], tuple[Groups, Memo]]:
    """Begin ``story_groups(articles, memo)`` and return the call that waits for it: in a
    process of its own for a site large enough (``BACKGROUND_FROM``) when ``jobs`` > 1, so
    that it runs while the site is indexed and planned. ``articles`` may be the articles as
    loaded: the stories are those of the index's articles (``plan_site`` checks it).
    ``lazy``: as ``story_groups``' when they are found in this process."""
    background = jobs if len(articles) >= BACKGROUND_FROM else 1
    lazy = lazy and background <= 1  # text comes back from another process, not a closure
    return in_background(lambda: story_groups(articles, memo, lazy), background)


def covers(groups: Groups, articles: Iterable[Article]) -> bool:
    """Whether ``groups`` puts each of ``articles`` in exactly one story, and nothing else."""
    if _covered and _covered[0] is groups and _covered[1] is articles:
        return True  # a replan's whole plan asks of the groups its pages ahead were checked with
    paths = [path for _, keys in groups for path in keys]
    wanted = {article.path for article in articles}
    if len(paths) == len(wanted) and wanted.issuperset(paths):
        _covered[:] = [groups, articles]
        return True
    return False


_covered: list[Any] = []
"""The groups and the articles (both held, and never changed in place) ``covers`` last
found to match."""


_seen: dict[int, tuple[Article, StoryItem, tuple[str, str]]] = {}
"""Each article of the last call's, by identity: its item and signature (``watch`` plans
again from the same articles, but a few)."""


def _items_of(articles: Iterable[Article]) -> tuple[list[StoryItem], dict[str, tuple[str, str]]]:
    """The articles' items, and each one's time and signature by key."""
    seen: dict[int, tuple[Article, StoryItem, tuple[str, str]]] = {}
    items: list[StoryItem] = []
    signatures: dict[str, tuple[str, str]] = {}
    last = _seen.get
    for article in articles:
        known = last(id(article))
        if known is None or known[0] is not article:  # an id may be taken again
            item = story_item(article)
            known = (article, item, (item.published.isoformat(), item_signature(item)))
        seen[id(article)] = known
        items.append(known[1])
        signatures[known[1].key] = known[2]
    _seen.clear()
    _seen.update(seen)
    return items, signatures


MEMO_FORMAT = 2
"""The cache is per tool version; this guards a memo of a foreign one."""


_written: list[tuple[Memo, dict[str, tuple[str, str]], list[ClusterStory]]] = []
"""The memo this process wrote last, with what it holds: ``watch`` plans again from the
memo of its last plan, which is not then decoded and checked again."""


def _read_memo(memo: Memo | None) -> tuple[dict[str, tuple[str, str]], list[ClusterStory]] | None:
    """The last build's signatures and stories, or None for anything but what
    ``story_groups`` writes (the cache is data from anywhere: read, never trusted)."""
    if memo is None:
        return None
    if _written and same_memo(memo, _written[0][0]):
        # What it was written from: the stories themselves, which a resume can keep as
        # they are (decoding gives their ids and keys only).
        # (The signatures' order is not decoding's: nothing reads it.)
        _, signatures, found = _written[0]
        return signatures, list(found)
    try:
        data = json.loads(text_of(memo))  # type: ignore[arg-type]
        if type(data) is not dict or data.get("format") != MEMO_FORMAT:
            return None
        items: dict[str, tuple[str, str]] = {}
        for key, published, signature in data["items"]:
            if not (type(key) is type(published) is type(signature) is str):
                return None
            dt.datetime.fromisoformat(published)
            items[key] = (published, signature)
        stories = []
        for sid, keys, explicit in data["stories"]:
            if type(sid) is not str or type(keys) is not list or type(explicit) is not bool:
                return None
            if not keys or not all(type(k) is str and k in items for k in keys):
                return None
            stories.append(ClusterStory(sid, tuple(keys), keys[0], "", (), (), explicit))
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return items, stories


def day_entries(day: Day, stories: Stories | None) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """A day's (top stories, other entries): top are the entries of two or more articles,
    most sources first; the others, one article each, in the day's order (newest first).
    Without stories every article is an entry of its own, and none is top."""
    if stories is None:
        return (), tuple(Entry(None, (article,)) for article in day.articles)
    members: dict[str, list[Article]] = {}
    for article in day.articles:
        members.setdefault(stories.of[article.path].id, []).append(article)
    top: list[Entry] = []
    rest: list[Entry] = []
    for articles in members.values():
        story = stories.of[articles[0].path]
        # Time order within the entry: the lead is the first to report it that day. (Most
        # stories are one article, of this day: nothing to pick.)
        if len(story.articles) == 1:
            ordered = story.articles
        else:
            ordered = tuple([a for a in story.articles if a.day == day.date])
        first = story.days[0]
        entry = Entry(story, ordered, first if first < day.date else None)
        (top if len(ordered) > 1 else rest).append(entry)
    top.sort(key=lambda e: (-len(e.sources), -len(e.articles), e.lead.published, e.lead.path))
    return tuple(top), tuple(rest)


@dataclass(frozen=True, slots=True)
class Group:
    """Articles of one day under one topic heading."""

    name: str
    slug: str
    """Empty for the "Other" group: it has no topic page."""
    articles: tuple[Article, ...]
    entries: tuple[Entry, ...] = ()
    """The same articles as entries, one per story (or one per article, stories off)."""


def day_groups(entries: tuple[Entry, ...]) -> tuple[Group, ...]:
    """A day's entries under their lead's first topic, so a reader meets each article once
    (its other topics are shown beside it); groups by size then name, "Other" last for
    articles with no topic."""
    groups: dict[str, list[Entry]] = {}
    names: dict[str, str] = {}
    other: list[Entry] = []
    for entry in entries:
        if not entry.lead.topics:
            other.append(entry)
            continue
        name = entry.lead.topics[0]
        slug = slugify(name)
        groups.setdefault(slug, []).append(entry)
        names.setdefault(slug, name)
    ordered = sorted(groups, key=lambda s: (-len(groups[s]), names[s].casefold(), s))
    result = [Group(names[s], s, _articles(groups[s]), tuple(groups[s])) for s in ordered]
    if other:
        result.append(Group(OTHER_TOPIC, "", _articles(other), tuple(other)))
    return tuple(result)


def neighbours(
    top: tuple[Entry, ...], groups: tuple[Group, ...]
) -> dict[str, tuple[Article | None, Article | None]]:
    """Each article of a day -> (the one before it, the one after it) in the order its day
    page lists them (top stories, then the topic groups, each story's articles lead
    first): the previous and next links of its page take a reader through the day's
    page as it reads."""
    order = [a for entry in top for a in entry.articles]
    order += [a for group in groups for a in group.articles]
    return {
        article.path: (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None)
        for i, article in enumerate(order)
    }


def _articles(entries: list[Entry]) -> tuple[Article, ...]:
    return tuple([article for entry in entries for article in entry.articles])


def first_topic(article: Article) -> str:
    return slugify(article.topics[0]) if article.topics else ""
