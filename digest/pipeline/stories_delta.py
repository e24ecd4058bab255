"""Stories by delta: the ``Stories`` values of the story groups, made from the last call's
for the groups and articles a change touched (``watch``'s replans plan the whole site again
from the same article objects, but a few).

``stories_of(articles, groups)`` is every story of ``groups`` with its articles, sources and
days, and each article's story. A call of every article's groups is kept; the next one, when
few articles came and went since (``index_delta.changed_between``), compares its groups
with the kept ones from both ends (equal groups are the same ids and keys), takes the
stories of the equal ends as they were (but those holding an article that changed) and
makes only the others, the middle where the groups differ. A story whose id and articles
(the same objects) are the last call's is that story itself, which also makes the day
memo's comparisons of stories identity checks. tests/stories/test_stories_delta.py holds
the result equal to the stories made from nothing after any steps.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from digest.model import Article, by_path
from digest.pipeline.index_delta import changed_between, common_ends
from digest.pipeline.stories import Groups, Stories, Story, story_groups

MAX_CHANGED = 64
"""More articles gone and come than this since the kept call: the stories are all looked at."""


@dataclass(slots=True)
class _Whole:
    """A call of every article's groups, and what it gave."""

    articles: Sequence[Article]
    groups: Groups
    stories: tuple[Story, ...]
    of: dict[str, Story]
    at: dict[int, int] = field(default_factory=dict)
    """Each story's position in ``stories``, by identity: made when first asked."""

    def position(self, story: Story) -> int:
        if not self.at:
            self.at.update(zip(map(id, self.stories), range(len(self.stories)), strict=True))
        return self.at[id(story)]


_whole: list[_Whole] = []
_made: dict[str, Story] = {}
"""The stories of the last calls by id (a few days' too, ``plan_ahead``'s): taken when a
story's articles are still the same objects."""


def stories_of(articles: Iterable[Article], groups: Groups) -> Stories:
    """The ``Stories`` of ``story_groups(articles)`` (or of some of its groups: a few
    days' stories, ``plan_ahead``)."""
    articles = articles if isinstance(articles, Sequence) else tuple(articles)
    found = _by_delta(_whole[0], articles, groups) if _whole else None
    if found is None:
        found_at = by_path(articles)
        at, last = found_at.__getitem__, _made.get
        made = []
        for sid, keys in groups:
            story = last(sid)
            # Most stories are one article (~9,700 of a site of 10,000), told by one look-up.
            if (
                story is None
                or len(keys) != 1
                or len(story.articles) != 1
                or story.articles[0] is not found_at.get(keys[0])
            ):
                story = _story(sid, keys, at)
            made.append(story)
        of: dict[str, Story] = {}
        for (_, keys), story in zip(groups, made, strict=True):
            if len(keys) == 1:
                of[keys[0]] = story
            else:
                of.update(zip(keys, repeat(story)))
        found = Stories(tuple(made), of)
        if len(made) >= len(_made) // 2:  # the site's: the stories of articles gone go too
            _made.clear()
        _made.update(zip(map(_ID, made), made, strict=True))
    if len(found.of) == len(articles):  # every article's (not a few days'): the next starts here
        _whole[:] = [_Whole(articles, groups, found.all, found.of)]
    return found


def find_stories(articles: Iterable[Article]) -> Stories:
    """The stories of ``articles``, here and now."""
    articles = tuple(articles)
    return stories_of(articles, story_groups(articles)[0])


def _story(sid: str, keys: tuple[str, ...], article: Callable[[str], Article]) -> Story:
    """The story ``sid`` of the articles at ``keys``: the last call's when its articles are
    these very objects, else made (``article``: the article at a path)."""
    story = _made.get(sid)
    if (
        story is not None
        and len(story.articles) == len(keys)
        and all(map(operator.is_, story.articles, map(article, keys)))
    ):
        return story
    if len(keys) == 1:  # most stories: their one article's source and day
        member = article(keys[0])
        return Story(sid, member.title, (member,), (member.source,), (member.day,))
    members = tuple(map(article, keys))
    sources = tuple(dict.fromkeys([a.source for a in members]))
    days = tuple(sorted({a.day for a in members}))
    return Story(sid, members[0].title, members, sources, days)


def _by_delta(last: _Whole, articles: Sequence[Article], groups: Groups) -> Stories | None:
    """``stories_of`` from the kept call's; None when it is not of a small change."""
    gone, came = changed_between(last.articles, articles)
    if len(gone) + len(came) > MAX_CHANGED or len(articles) - len(came) != len(last.articles) - len(
        gone
    ):
        return None
    old, old_stories = last.groups, last.stories
    start, end = common_ends(old, groups, operator.ne)
    if start + end < len(groups) // 2:  # most of the groups moved: not a delta's
        return None
    # Every article's groups (not a few days'): as many paths as articles, the kept call's
    # but the middle's.
    paths = len(last.articles) - sum(map(len, map(_KEYS, old[start : len(old) - end])))
    if paths + sum(map(len, map(_KEYS, groups[start : len(groups) - end]))) != len(articles):
        return None
    gone_paths = {last.articles[p].path for p in gone}
    came_paths = {articles[p].path for p in came}
    new_at = {articles[p].path: articles[p] for p in came}
    shift = len(groups) - len(old)
    stories = [*old_stories[:start], *repeat(None, len(groups) - start - end)]
    stories += old_stories[len(old) - end :]
    todo = set(range(start, len(groups) - end))
    # A story of the equal ends that holds an article changed since (its group the same
    # paths, an article another object) is made again. (A group that held a path gone, or
    # holds a path come, differs from every group of the other call: it is in the middle.)
    for path in gone_paths & came_paths:
        held = last.of.get(path)
        if held is not None:
            position = last.position(held)
            if position < start:
                todo.add(position)
            elif position >= len(old) - end:
                todo.add(position + shift)

    def article(path: str) -> Article:
        found = new_at.get(path)
        if found is not None:
            return found
        held = last.of[path]  # not changed: the article the last call's story holds
        return next(a for a in held.articles if a.path == path)

    of = dict(last.of)
    for p in gone:
        of.pop(last.articles[p].path, None)
    for position in sorted(todo):
        sid, keys = groups[position]
        story = stories[position] = _story(sid, keys, article)
        _made[sid] = story
        of.update(zip(keys, repeat(story)))
    if len(_made) > 2 * len(groups) + MAX_CHANGED:  # the stories of a long session's edits
        _made.clear()
        _made.update(zip(map(_ID, stories), stories, strict=True))  # type: ignore[arg-type]
    return Stories(tuple(stories), of)  # type: ignore[arg-type]


_ID, _KEYS = operator.attrgetter("id"), operator.itemgetter(1)
