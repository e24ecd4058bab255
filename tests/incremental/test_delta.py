"""Watch rebuilds for article files created, deleted or renamed, and for edits that move an
article in the site (date, topics, source): planned again from the articles in memory
(``digest.commands.delta``), the output always a clean build's, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import tree
from watchdog.events import FileCreatedEvent, FileDeletedEvent, FileMovedEvent

from digest.commands.build import BuildOptions, build
from digest.commands.patch import Session
from digest.commands.watch import Watcher
from digest.errors import DigestError

RAIN = "content/2013/11/16/sao-paulo-rain.md"
RAIN_PAGE = "2013/11/16/sao-paulo-rain/index.html"
NEW = "content/2013/11/17/harbour-fog.md"
NEW_PAGE = "2013/11/17/harbour-fog/index.html"
NEW_TEXT = """---
title: Fog closes the harbour for a morning
source: Port Courier
date: 2013-11-17
url: https://example.com/fog
topics: [Fog watch, Weather]
---
A thick fog kept every ferry in port until noon.
"""

SYRIA_TITLE = "Syrian Government Team Heads to Moscow for Talks"  # 2013/11/17, Al Jazeera


def _clean(root: Path) -> dict[str, bytes]:
    clean = root.parent / "clean-build"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    return tree(clean)


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def session(fixture_site: Path) -> Session:
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    return session


def _add(root: Path, rel: str = NEW, text: str = NEW_TEXT) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def test_a_new_article_file_is_planned_from_memory(fixture_site, session):
    _add(fixture_site)
    result = session.build({NEW: "created"})
    assert (session.patched, session.replanned) == (0, 1)
    assert NEW_PAGE in result.written
    assert "topics/fog-watch/index.html" in result.written
    assert "Fog closes the harbour" in (fixture_site / "site/index.html").read_text()
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_the_new_article_page_is_written_before_the_lists_that_show_it(fixture_site, session):
    _add(fixture_site)
    result = session.build({NEW: "created"})
    site = fixture_site / "site"
    # The page the writer waits for is on disk first; the day, topic and home pages follow.
    first = (site / NEW_PAGE).stat().st_mtime_ns
    others = [rel for rel in result.written if rel != NEW_PAGE]
    assert "index.html" in others and "2013/11/17/index.html" in others
    assert all((site / rel).stat().st_mtime_ns >= first for rel in others)
    assert result.written[0] == NEW_PAGE


def test_a_deleted_file_leaves_every_page_and_list(fixture_site, session):
    _add(fixture_site)
    session.build({NEW: "created"})
    (fixture_site / NEW).unlink()
    result = session.build({NEW: "deleted"})
    assert session.replanned == 2
    assert NEW_PAGE in result.removed
    assert "topics/fog-watch/index.html" in result.removed  # its topic emptied
    assert not (fixture_site / "site" / NEW_PAGE).exists()
    site = tree(fixture_site / "site")
    assert not any(b"Fog closes the harbour" in data for data in site.values())
    assert site == _clean(fixture_site)


def test_a_renamed_file_moves_its_page(fixture_site, session):
    moved = "content/rain.md"
    (fixture_site / RAIN).rename(fixture_site / moved)
    session.build({RAIN: f"renamed to {moved}"})
    assert session.replanned == 1
    assert tree(fixture_site / "site") == _clean(fixture_site)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("date: 2013-11-16", "date: 2013-11-15"),
        ("date: 2013-11-16", "date: 2013-12-02"),  # a month of its own
        ("source:", "source: Other"),
        ("topics: [sao paulo, Weather]", "topics: [Floods]"),
        ("topics:", "slug: moved-slug\ntopics:"),
        ("title:", "title: Updated,"),  # with stories on, it may regroup them
        ("topics:", "story: false\ntopics:"),
    ],
)
def test_an_edit_that_moves_the_article_is_planned_from_memory(fixture_site, session, old, new):
    _edit(fixture_site, RAIN, old, new)
    session.build({RAIN: "changed"})
    assert (session.patched, session.replanned) == (0, 1)
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_sequence_of_deltas_and_patches_stays_a_clean_build(fixture_site, session):
    _add(fixture_site)
    session.build({NEW: "created"})
    (fixture_site / NEW).write_text(NEW_TEXT + "\nA later paragraph.\n")
    session.build({NEW: "changed"})  # a body edit after a delta: a patch of the new plan
    assert session.patched == 1
    _edit(fixture_site, NEW, "date: 2013-11-17", "date: 2013-11-14")
    session.build({NEW: "changed"})
    (fixture_site / RAIN).unlink()
    session.build({RAIN: "deleted"})
    assert session.replanned == 3
    session.flush()
    assert tree(fixture_site / "site") == _clean(fixture_site)
    # The manifest written by flush describes the output: a build renders nothing.
    assert build(BuildOptions(root=fixture_site)).rendered == 0


def test_what_delta_is_unsure_of_is_a_full_build(fixture_site, session):
    _add(fixture_site, "content/notes.txt", "not an article")
    session.build({"content/notes.txt": "created"})
    _add(fixture_site, NEW, NEW_TEXT.replace("title: Fog", "title: [Fog"))  # a problem
    with pytest.raises(DigestError) as caught:
        session.build({NEW: "created"})
    assert caught.value.diagnostics[0].path == NEW
    assert session.replanned == 0
    _add(fixture_site)
    session.build({NEW: "created"})
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_watch_events_take_the_delta_path(fixture_site):
    watcher = Watcher(BuildOptions(root=fixture_site), quiet=0.0)
    watcher.first_build()
    root = str(fixture_site)
    _add(fixture_site)
    assert watcher.process([FileCreatedEvent(f"{root}/{NEW}")]) is not None
    moved = "content/fog.md"
    (fixture_site / NEW).rename(fixture_site / moved)
    watcher.process([FileMovedEvent(f"{root}/{NEW}", f"{root}/{moved}")])
    assert tree(fixture_site / "site") == _clean(fixture_site)
    (fixture_site / moved).unlink()
    watcher.process([FileDeletedEvent(f"{root}/{moved}")])
    assert watcher.session.replanned == 3
    assert tree(fixture_site / "site") == _clean(fixture_site)


CHESS = "content/2013/11/17/chess-draw.md"
CHESS_TEXT = """---
title: Grandmaster draws in forty moves
source: Board Weekly
date: 2013-11-17
url: https://example.com/chess
topics: [Chess]
---
A quiet draw.
"""


@pytest.mark.parametrize("idle", [False, True])
def test_a_patched_page_put_back_in_a_delta_is_rendered_again(fixture_site, session, idle):
    # A patch renders the new body at once and fingerprints its pages later (on flush). A
    # delta that puts the old body back, with a new article that leaves the page alone
    # otherwise, must not take the page for the one last fingerprinted.
    text = (fixture_site / RAIN).read_text()
    (fixture_site / RAIN).write_text(f"{text}\nA sentence the patch shows.\n")
    session.build({RAIN: "changed"})
    assert session.patched == 1
    assert "A sentence the patch shows" in (fixture_site / "site" / RAIN_PAGE).read_text()
    if idle:
        session.flush()  # what watch does when idle
    (fixture_site / RAIN).write_text(text)
    _add(fixture_site, CHESS, CHESS_TEXT)
    session.build({RAIN: "changed", CHESS: "created"})
    assert session.replanned == 1
    assert "A sentence the patch shows" not in (fixture_site / "site" / RAIN_PAGE).read_text()
    assert tree(fixture_site / "site") == _clean(fixture_site)


def _page_seen_at_each_publish(fixture_site, monkeypatch) -> list[bool]:
    """Whether NEW_PAGE is on disk each time the delta renders a batch of pages."""
    from digest.commands import delta

    seen: list[bool] = []
    publish = delta.publish

    def watching(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((fixture_site / "site" / NEW_PAGE).exists())
        return publish(*args, **kwargs)

    monkeypatch.setattr(delta, "publish", watching)
    return seen


def test_a_deleted_file_s_page_is_gone_before_any_page_is_rendered(
    fixture_site, session, monkeypatch
):
    _add(fixture_site)
    session.build({NEW: "created"})
    seen = _page_seen_at_each_publish(fixture_site, monkeypatch)
    (fixture_site / NEW).unlink()
    result = session.build({NEW: "deleted"})
    assert seen and not any(seen)  # gone before the day, topic and home pages are rendered
    assert NEW_PAGE in result.removed
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_page_another_file_takes_over_in_the_same_batch_stays(fixture_site, session, monkeypatch):
    # The file is deleted and another one, with the same date and slug, created: the page
    # is the new file's, at the same path, and never missing on the way.
    _add(fixture_site)
    session.build({NEW: "created"})
    other = "content/fog-again.md"
    (fixture_site / NEW).unlink()
    _add(fixture_site, other, NEW_TEXT.replace("topics:", "slug: harbour-fog\ntopics:"))
    seen = _page_seen_at_each_publish(fixture_site, monkeypatch)
    result = session.build({NEW: "deleted", other: "created"})
    assert seen and all(seen)
    assert session.replanned == 2
    assert NEW_PAGE not in result.removed
    assert "Fog closes the harbour" in (fixture_site / "site" / NEW_PAGE).read_text()
    assert tree(fixture_site / "site") == _clean(fixture_site)


def _publishing(monkeypatch) -> list[list[str]]:
    """The paths each call of the delta's ``publish`` renders, in order."""
    from digest.commands import delta

    calls: list[list[str]] = []
    publish = delta.publish

    def watching(pages, todo, **kwargs):  # type: ignore[no-untyped-def]
        calls.append([pages[i].path for i in todo])
        return publish(pages, todo, **kwargs)

    monkeypatch.setattr(delta, "publish", watching)
    return calls


@pytest.mark.parametrize("stories", [True, False])
def test_a_new_article_page_is_written_ahead_of_the_site_plan_once(
    fixture_site, monkeypatch, stories
):
    # Its page comes from a plan of its day alone (with every article's related lists and
    # stories): the whole plan that follows has the same page, which it does not render
    # again. A page from that plan unlike the whole plan's would be rendered twice.
    config = fixture_site / "digest.toml"
    text = config.read_text()
    config.write_text(f"stories = {'true' if stories else 'false'}\n{text}")
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    calls = _publishing(monkeypatch)
    # On a day of the site's, its related article (Weather) on another day.
    _add(fixture_site)
    page = NEW_PAGE
    result = session.build({NEW: "created"})
    assert calls[0] == [page]
    assert sum(paths.count(page) for paths in calls) == 1
    assert result.written[0] == page
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_nothing_is_written_ahead_where_the_site_has_a_file(fixture_site):
    # A static file at the new article's path: the plan refuses it, and the file stays.
    static = fixture_site / "static" / NEW_PAGE
    static.parent.mkdir(parents=True)
    static.write_text("a static page")
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    _add(fixture_site)
    with pytest.raises(DigestError, match="also written by"):
        session.build({NEW: "created"})
    assert (fixture_site / "site" / NEW_PAGE).read_text() == "a static page"


def test_a_new_file_that_joins_a_story_is_written_ahead_in_it(fixture_site, monkeypatch):
    # The same news from another source, that day: the page written ahead (from the saved
    # article's related list alone, and its day's stories) links its story, and is the
    # whole plan's page (rendered once).
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    calls = _publishing(monkeypatch)
    _add(
        fixture_site,
        text=NEW_TEXT.replace("Fog closes the harbour for a morning", SYRIA_TITLE).replace(
            "Port Courier", "Moscow Wire"
        ),
    )
    result = session.build({NEW: "created"})
    assert calls[0] == [NEW_PAGE]
    assert sum(paths.count(NEW_PAGE) for paths in calls) == 1
    assert result.written[0] == NEW_PAGE
    page = (fixture_site / "site" / NEW_PAGE).read_text()
    assert 'class="coverage"' in page and "/stories/" in page
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_new_file_s_stories_are_grouped_once(fixture_site, monkeypatch):
    # The page written ahead needs the site's stories: the whole plan takes those groups
    # as they are (the same articles), not grouping them again; its stories are a clean
    # build's.
    from digest.commands import ahead
    from digest.pipeline import stories

    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    grouped: list[int] = []
    real = stories.story_groups

    def counted(articles, *args, **kwargs):
        grouped.append(len(list(articles)))
        return real(articles, *args, **kwargs)

    monkeypatch.setattr(stories, "story_groups", counted)
    monkeypatch.setattr(ahead, "story_groups", counted)
    _add(
        fixture_site,
        text=NEW_TEXT.replace("Fog closes the harbour for a morning", SYRIA_TITLE).replace(
            "Port Courier", "Moscow Wire"
        ),
    )
    session.build({NEW: "created"})
    assert session.replanned == 1 and len(grouped) == 1
    assert tree(fixture_site / "site") == _clean(fixture_site)


def _pages(session: Session) -> dict[str, object]:
    assert session.state is not None and session.state.site is not None
    return {page.path: page for page in session.state.site.plan.pages}


def test_a_replan_takes_what_did_not_change_from_the_last_plan(fixture_site, session):
    """The pages of a day or term whose inputs are all equal are the last plan's own; the
    new file's day, the days beside it and its terms are planned anew."""
    before = _pages(session)
    _add(fixture_site)  # 2013-11-17, topics Fog watch and Weather, source Port Courier
    session.build({NEW: "created"})
    after = _pages(session)
    kept = {path for path, page in after.items() if before.get(path) is page}
    assert "2013/11/15/index.html" in kept  # two days before: all its inputs equal
    assert RAIN_PAGE not in kept  # its day (11-16) now has a newer day with one more article
    assert "2013/11/17/index.html" not in kept
    assert "topics/weather/index.html" not in kept
    assert "sources/port-courier/index.html" not in kept
    assert "topics/fog-watch/index.html" not in before
    unchanged_topics = [p for p in kept if p.startswith("topics/") and p.endswith(".html")]
    assert unchanged_topics  # a topic the new article is not in
    assert tree(fixture_site / "site") == _clean(fixture_site)
    # A patch in between replaces pages in the plan; the replan after it still matches.
    (fixture_site / NEW).write_text(NEW_TEXT + "\nA later paragraph.\n")
    session.build({NEW: "changed"})
    (fixture_site / RAIN).unlink()
    session.build({RAIN: "deleted"})
    assert session.patched == 1 and session.replanned == 2
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_replan_keeps_its_memos_unencoded_and_they_read_as_a_builds(fixture_site, session):
    """``watch`` keeps no memo in the cache: a replan's are encoded only if read, and then
    they are the text a build of the same site plans from (its next replans start from
    them in memory either way)."""
    from digest.commands.build import prepare
    from digest.incremental.memos import LazyText

    _add(fixture_site)
    session.build({NEW: "created"})
    assert session.replanned == 1
    plan = session.state.site.plan
    assert isinstance(plan.related_memo, LazyText) and isinstance(plan.story_memo, LazyText)
    again = prepare(BuildOptions(root=fixture_site)).plan  # from nothing: no memo read
    assert plan.related_memo.text == again.related_memo
    assert plan.story_memo.text == again.story_memo
    (fixture_site / NEW).unlink()
    session.build({NEW: "deleted"})  # planned from those memos
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_lazy_memo_is_made_once_and_is_only_itself():
    from digest.incremental.memos import LazyText, same_memo, text_of

    made = []
    memo = LazyText(lambda: made.append(1) or '{"a":1}')
    assert made == [] and text_of(memo) == memo.text == '{"a":1}' and made == [1]
    assert same_memo(memo, memo) and not same_memo(LazyText(lambda: '{"a":1}'), memo)
    assert not same_memo('{"a":1}', memo) and same_memo('{"a":1}', '{"a":1}')
    assert text_of(None) is None


def test_a_replan_renders_again_only_the_archive_rows_of_the_days_it_touched(
    make_site, monkeypatch
):
    """The archive's and a year's day rows are taken with ``cached()``: a new article's
    replan renders the row of its day (a new value: one article more) and no other."""
    from conftest import article

    from digest.incremental.reads import ReadTracking

    files = {"digest.toml": 'title = "T"\nbase_url = "https://example.org/"\n'}
    for day in range(10, 16):
        files[f"content/2013/11/{day}/a.md"] = article(
            f"News of the {day}th", date=f"2013-11-{day}"
        )
    root = make_site(files)
    session = Session(BuildOptions(root=root, jobs=1))
    session.build(None, first=True)
    rows: list[str] = []
    call = ReadTracking._call

    def counting(self, macro, args, keep):
        if macro.name == "day_link":
            rows.append(args[0].date.isoformat())
        return call(self, macro, args, keep)

    monkeypatch.setattr(ReadTracking, "_call", counting)
    first = "content/2013/11/12/b.md"
    (root / first).write_text(article("Another story", date="2013-11-12"))
    session.build({first: "created"})
    # (The first build rendered every row in this process: jobs=1.)
    assert session.replanned == 1 and rows == ["2013-11-12"]
    rows.clear()
    second = "content/2013/11/14/b.md"
    (root / second).write_text(article("One more story", date="2013-11-14"))
    result = session.build({second: "created"})
    assert session.replanned == 2
    assert {"archive/index.html", "2013/index.html"} <= set(result.written)
    assert rows == ["2013-11-14"]  # the new article's day, once for both pages
    assert tree(root / "site") == _clean(root)


def test_a_day_heading_is_rendered_once_a_process_and_a_month_day_again_only_when_touched(
    make_site, monkeypatch
):
    """A topic's or source's day heading (``day_group_start``) is taken with ``cached()`` of
    the day, one object for every article of it (``model.one_day``): made once a process
    however many lists begin a group on that day. A month page's days (``day_summary``) are
    the index's own objects, so a replan makes again only the day it touched."""
    from conftest import article

    from digest.incremental.reads import ReadTracking

    files = {"digest.toml": 'title = "T"\nbase_url = "https://example.org/"\n'}
    for day in range(10, 14):
        for n, (topic, source) in enumerate([("Rain", "The Daily"), ("Port", "Courier")]):
            files[f"content/2013/11/{day}/a{n}.md"] = article(
                f"{topic} news of the {day}th",
                source=source,
                date=f"2013-11-{day}T0{n + 8}:00",
                topics=f"[{topic}]",
            )
    root = make_site(files)
    made: dict[str, list[str]] = {"day_group_start": [], "day_summary": []}
    call = ReadTracking._call

    def counting(self, macro, args, keep):
        if macro.name in made:
            day = args[0] if macro.name == "day_group_start" else args[0].date
            made[macro.name].append(day.isoformat())
        return call(self, macro, args, keep)

    monkeypatch.setattr(ReadTracking, "_call", counting)
    session = Session(BuildOptions(root=root, jobs=1))
    session.build(None, first=True)
    # Four lists (two topics, two sources) begin a group on each day, each with its own
    # article: one heading a day all the same.
    days = ["2013-11-10", "2013-11-11", "2013-11-12", "2013-11-13"]
    assert sorted(made["day_group_start"]) == days
    assert sorted(made["day_summary"]) == days
    made["day_group_start"].clear()
    made["day_summary"].clear()
    new = "content/2013/11/12/b.md"
    (root / new).write_text(article("More rain", date="2013-11-12T11:00", topics="[Rain]"))
    result = session.build({new: "created"})
    assert session.replanned == 1
    assert {"topics/rain/index.html", "2013/11/index.html"} <= set(result.written)
    assert made == {"day_group_start": [], "day_summary": ["2013-11-12"]}
    assert tree(root / "site") == _clean(root)
