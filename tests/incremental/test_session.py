"""Watch sessions: an edit that leaves the site's structure alone patches the last build,
rendering only the pages that show what changed; the output is always a clean build's."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import jinja2
import pytest
from conftest import REPO, tree

from digest.commands.build import BuildOptions, build
from digest.commands.patch import Session
from digest.errors import DigestError
from digest.incremental.cache import CACHE_DIR
from digest.incremental.page_reads import PageReads
from digest.incremental.reads import MAX_PATHS, ReadTracking
from digest.model import Article

RAIN = "content/2013/11/16/sao-paulo-rain.md"
RAIN_PAGE = "2013/11/16/sao-paulo-rain/index.html"
THEME_MACROS = REPO / "digest/theme/templates/_macros.html"


def _clean(root: Path) -> dict[str, bytes]:
    clean = root.parent / "clean-build"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    return tree(clean)


def _append(root: Path, rel: str) -> None:
    """A paragraph added at the end: the body changes, the summary (its start) does not."""
    path = root / rel
    path.write_text(path.read_text() + "\nA later paragraph.\n")


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


def test_body_edit_renders_and_writes_only_its_page(fixture_site, session):
    _append(fixture_site, RAIN)
    result = session.build({RAIN: "changed"})
    assert session.patched == 1
    assert (result.rendered, result.written) == (1, [RAIN_PAGE])
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_title_edit_reaches_every_page_listing_the_article(fixture_site):
    # Stories off: with them on, a title may regroup stories, which is a full build (below).
    config = fixture_site / "digest.toml"
    config.write_text(config.read_text().replace("[topics]", "stories = false\n\n[topics]"))
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    _edit(fixture_site, RAIN, "title:", "title: Updated,")
    result = session.build({RAIN: "changed"})
    assert session.patched == 1
    assert {RAIN_PAGE, "2013/11/16/index.html", "feed.xml", "archive/index.html"} - set(
        result.written
    ) == {"archive/index.html"}  # the archive shows counts, not titles
    assert tree(fixture_site / "site") == _clean(fixture_site)
    # The day's other article links it as its neighbour, by title.
    assert "2013/11/16/metro-line/index.html" in result.written
    assert "Updated," in (fixture_site / "site/2013/11/16/metro-line/index.html").read_text()


def test_a_body_edit_that_changes_the_reading_time_renders_its_day(fixture_site, session):
    path = fixture_site / RAIN
    path.write_text(path.read_text() + "\n" + " ".join(["word"] * 700) + "\n")
    result = session.build({RAIN: "changed"})
    assert session.patched == 1
    assert {RAIN_PAGE, "2013/11/16/index.html"} <= set(result.written)
    assert "3 min read" in (fixture_site / "site" / RAIN_PAGE).read_text()
    assert tree(fixture_site / "site") == _clean(fixture_site)


@pytest.mark.parametrize(
    ("show", "shows_change"),
    [
        ("article.body|length", True),
        ("article|string|length", True),
        ("article", True),
        ("article.line_of('title')", False),
    ],
)
def test_site_templates_reading_more_rerender_what_they_read(fixture_site, show, shows_change):
    # A list item that shows more of an article than the theme's: its body, or all of it.
    (fixture_site / "templates").mkdir()
    anchor = '<h3 class="article-item-title"'  # in both the article and the story item
    macros = THEME_MACROS.read_text().replace(anchor, f"{{{{ {show} }}}}{anchor}")
    (fixture_site / "templates/_macros.html").write_text(macros)
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    _append(fixture_site, RAIN)
    result = session.build({RAIN: "changed"})
    assert session.patched == 1
    assert result.rendered > 1
    assert ("2013/11/16/index.html" in result.written) == shows_change
    assert tree(fixture_site / "site") == _clean(fixture_site)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("date: 2013-11-16", "date: 2013-11-15"),
        ("source:", "source: Other"),
        ("topics:", "slug: moved-slug\ntopics:"),
        ("title:", "title: Updated,"),
        ("topics:", "summary: Another summary.\ntopics:"),
        ("topics:", "story: false\ntopics:"),
    ],
)
def test_an_edit_that_moves_the_article_or_its_story_is_not_a_patch(
    fixture_site, session, old, new
):
    _edit(fixture_site, RAIN, old, new)
    session.build({RAIN: "changed"})
    assert session.patched == 0
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_template_edited_after_a_patch_rebuilds_its_pages(fixture_site, session):
    # The patch's pages are fingerprinted later (flush): with the templates they were
    # rendered with, not with one edited since.
    _append(fixture_site, RAIN)
    session.build({RAIN: "changed"})
    (fixture_site / "templates").mkdir()
    day = THEME_MACROS.with_name("day.html").read_text()
    (fixture_site / "templates/day.html").write_text(day.replace("<header>", "<header>*", 1))
    result = session.build({"templates/day.html": "created"})
    assert "2013/11/16/index.html" in result.written
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_created_deleted_and_renamed_files_are_not_patches(fixture_site, session):
    (fixture_site / RAIN).rename(fixture_site / "content/rain.md")
    session.build({RAIN: "renamed to content/rain.md"})
    (fixture_site / "content/rain.md").unlink()
    session.build({"content/rain.md": "deleted"})
    assert session.patched == 0
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_broken_edit_fails_like_a_build_and_its_fix_recovers(fixture_site, session):
    good = (fixture_site / RAIN).read_text()
    (fixture_site / RAIN).write_text(good.replace("title:", "title: [unclosed", 1))
    with pytest.raises(DigestError) as caught:
        session.build({RAIN: "changed"})
    assert caught.value.diagnostics[0].path == RAIN
    (fixture_site / RAIN).write_text(good.replace("several streets", "many streets"))
    session.build({RAIN: "changed"})
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_reads_are_kept_between_runs(fixture_site):
    build(BuildOptions(root=fixture_site))
    # A new watch on an up-to-date site renders nothing, yet knows what each page read.
    session = Session(BuildOptions(root=fixture_site))
    assert session.build(None, first=True).rendered == 0
    _append(fixture_site, RAIN)
    assert session.build({RAIN: "changed"}).rendered == 1
    session.flush()
    # ... and so does the next `digest build`, which finds the patched output fresh.
    assert build(BuildOptions(root=fixture_site)).written == []


def test_damaged_reads_only_cost_renders(fixture_site):
    build(BuildOptions(root=fixture_site))
    for reads in (fixture_site / CACHE_DIR).glob("reads-*.sqlite"):
        with sqlite3.connect(reads) as db:
            db.execute("UPDATE pages SET reads = '{\"x\": 5}'")
    session = Session(BuildOptions(root=fixture_site))
    session.build(None, first=True)
    _append(fixture_site, RAIN)
    result = session.build({RAIN: "changed"})
    assert result.rendered > 1 and result.written == [RAIN_PAGE]
    assert tree(fixture_site / "site") == _clean(fixture_site)


# -- what the templates read -----------------------------------------------------------


def _article(path: str = "content/a.md", **fields: object) -> Article:
    import datetime as dt

    values: dict[str, object] = {
        "path": path,
        "title": "T",
        "source": "S",
        "url": "https://example.com/a",
        "canonical_url": "https://example.com/a",
        "published": dt.datetime(2013, 11, 17, tzinfo=dt.UTC),
        "has_time": False,
        "slug": "a",
        "topics": ("x",),
        "summary": "Sum",
        "body": "Body",
        "body_line": 5,
        "content_hash": "h",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def _reads(source: str, **context: object) -> dict[str, frozenset[str] | None]:
    env = ReadTracking(loader=jinja2.DictLoader({"t": source}), autoescape=True)
    env.filters["body_html"] = lambda a: a.body
    env.track_filters()
    env.get_template("t").render(**context)
    return env.take_reads()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ a.title }}", {"title": {"content/a.md"}}),
        ("{{ a['summary'] }} {{ a.day }}", {"summary": {"content/a.md"}, "day": {"content/a.md"}}),
        ("{{ a|body_html }}", {"body": {"content/a.md"}}),
        ("{{ [a]|map(attribute='title')|join }}", {"title": {"content/a.md"}}),
        ("{{ [a]|length }}", {}),
        ("{{ a }}", {"*": {"content/a.md"}}),
        ("{{ a|string }}", {"*": None}),
        ("{{ [a] }}", {"*": None}),
        ("{{ a.line_of('title') }}", {"*": {"content/a.md"}}),
        ("{{ a.__class__ }}", {"*": {"content/a.md"}}),
    ],
)
def test_reads_recorded(source, expected):
    found = _reads(source, a=_article())
    assert {k: v if v is None else set(v) for k, v in found.items()} == expected


def test_reads_of_many_articles_are_kept_as_any_article():
    many = [_article(f"content/{n}.md") for n in range(MAX_PATHS + 1)]
    assert _reads("{% for a in many %}{{ a.title }}{% endfor %}", many=many) == {"title": None}


def test_page_reads_round_trip(tmp_path):
    reads = PageReads(tmp_path / "cache", tmp_path / "site")
    reads.put("a.html", "fp1", {"title": frozenset({"content/a.md"}), "*": None})
    reads.put("b.html", "fp2", {})
    reads.save()
    loaded = PageReads(tmp_path / "cache", tmp_path / "site").load()
    assert loaded.get("a.html", "fp1") == {"title": frozenset({"content/a.md"}), "*": None}
    assert loaded.get("b.html", "fp2") == {}
    assert loaded.get("a.html", "other fingerprint") is None
    # Whether an edit of an article may change a page, from what the page read:
    assert loaded.affected("a.html", "fp1", "content/a.md", {"title"})
    assert loaded.affected("a.html", "fp1", "content/b.md", {"body"})  # "*" of any article
    assert not loaded.affected("b.html", "fp2", "content/a.md", {"title"})
    assert loaded.affected("b.html", "stale fingerprint", "content/a.md", {"title"})
    loaded.put("c.html", "fp3", {"title": frozenset({"content/a.md"}), "body": None})
    assert not loaded.affected("c.html", "fp3", "content/b.md", {"title"})
    assert loaded.affected("c.html", "fp3", "content/b.md", {"body"})


# -- cached macros ---------------------------------------------------------------------

_MACROS = (
    "{% macro item(a, long) %}{{ count() }}{{ a.title }}{% if long %} {{ a.summary }}"
    "{% endif %}{% endmacro %}"
)


def _cached_pages(source: str, **context: object) -> tuple[list[tuple[str, dict]], int]:
    """Two pages rendered from ``source`` (with ``item`` imported, as the theme imports
    its macros), each with its reads; and how often ``item`` actually ran."""
    env = ReadTracking(
        loader=jinja2.DictLoader({"m": _MACROS, "t": '{% from "m" import item %}' + source}),
        autoescape=True,
    )
    calls: list[int] = []
    env.globals["count"] = lambda: calls.append(1) or ""
    pages = []
    for _ in range(2):
        html = env.get_template("t").render(**context)
        pages.append((html, env.take_reads()))
    return pages, len(calls)


def test_a_cached_macro_renders_once_and_every_use_records_its_reads():
    pages, calls = _cached_pages("{{ cached(item, a, false) }}", a=_article(title="<A>"))
    assert pages == [("&lt;A&gt;", {"title": frozenset({"content/a.md"})})] * 2
    assert calls == 1


def test_cached_macros_are_told_apart_by_their_arguments():
    a, b = _article(title="A", summary="sa"), _article("content/b.md", title="B", summary="sb")
    source = "{{ cached(item, a, false) }}/{{ cached(item, a, true) }}/{{ cached(item, b, true) }}"
    pages, calls = _cached_pages(source, a=a, b=b)
    both = frozenset({"content/a.md", "content/b.md"})
    assert pages == [("A/A sa/B sb", {"title": both, "summary": both})] * 2
    assert calls == 3


def test_cached_reads_merge_with_the_pages_own():
    pages, _ = _cached_pages("{{ a.body }}{{ cached(item, a, false) }}{{ a.title }}", a=_article())
    reads = {"body": frozenset({"content/a.md"}), "title": frozenset({"content/a.md"})}
    assert pages == [("BodyTT", reads)] * 2


def test_cached_takes_only_macros():
    env = ReadTracking(autoescape=True)
    with pytest.raises(TypeError, match="cached\\(\\) takes a macro, not function"):
        env.from_string("{{ cached(f, a) }}").render(f=lambda a: a.body, a=_article())


def test_cached_items_of_many_articles_record_each_ones_reads():
    # Items of one article each are merged in bulk, by the fields they read; an item that
    # reads "any article", and one of a macro reading two articles, merge field by field.
    # The page's reads are the same either way, on the first render and the cached one.
    a, b, c = (_article(f"content/{n}.md", title=n.upper(), summary=f"s{n}") for n in "abc")
    macros = (
        "{% macro item(a, long) %}{{ a.title }}{% if long %} {{ a.summary }}{% endif %}"
        "{% endmacro %}"
        "{% macro pair(a, b) %}{{ a.title }}+{{ cached(item, b, true) }}{% endmacro %}"
        "{% macro loud(a) %}{{ a.title }}{{ [a]|string|length > 0 }}{% endmacro %}"
    )
    env = ReadTracking(
        loader=jinja2.DictLoader(
            {
                "m": macros,
                "t": '{% from "m" import item, pair, loud %}'
                "{{ cached(item, a, false) }}/{{ cached(item, b, true) }}/"
                "{{ cached(pair, c, a) }}/{{ cached(loud, c) }}/{{ b.url }}",
            }
        ),
        autoescape=True,
    )
    env.track_filters()
    pages = []
    for _ in range(2):
        html = env.get_template("t").render(a=a, b=b, c=c)
        pages.append((html, env.take_reads()))
    expected = {
        "title": frozenset({"content/a.md", "content/b.md", "content/c.md"}),
        "summary": frozenset({"content/a.md", "content/b.md"}),
        "url": frozenset({"content/b.md"}),
        "*": None,  # ``loud`` gave an article to a filter
    }
    assert pages == [("A/B sb/C+A sa/CTrue/https://example.com/a", expected)] * 2


def test_cached_items_past_the_limit_are_read_of_any_article():
    many = [_article(f"content/{n}.md") for n in range(MAX_PATHS + 1)]
    pages, _ = _cached_pages(
        "{% for a in many %}{{ cached(item, a, false) }}{% endfor %}", many=many
    )
    assert [reads for _, reads in pages] == [{"title": None}] * 2
