"""Deciding what to render without fingerprinting each page: the pages of a term signed
as one group, and what each template refers to kept in the manifest instead of parsed
again. Each shortcut must still render again every page an edit shows on (a template, the
configuration, an article's field), and the site must equal a clean build."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from conftest import REPO, article, differs_from_clean

from digest.commands.build import BuildOptions, BuildResult, build
from digest.incremental import fingerprint, template_hashes
from digest.incremental.cache import CACHE_DIR
from digest.incremental.signatures import term_groups
from digest.model import Article, Term
from digest.pipeline.pages import Page

THEME = REPO / "digest/theme/templates"


def _build(options: BuildOptions) -> BuildResult:
    """A build as a new process makes it: nothing parsed in this one is remembered."""
    template_hashes._REFERENCES.clear()
    return build(options)


def _archive_pages(root: Path) -> list[Path]:
    """The archive pages of terms (the fixture has one article per page)."""
    return sorted((root / "site").glob("*/*/page/*/index.html"))


def _templates_row(root: Path) -> str:
    (manifest,) = (root / CACHE_DIR).glob("manifest-*.sqlite")
    with sqlite3.connect(manifest) as db:
        return db.execute("SELECT value FROM build WHERE name='templates'").fetchone()[0]


def test_an_edited_partial_renders_the_term_pages_again(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    _build(options)  # the references now come from the manifest, not from parsing
    assert "_macros.html" in _templates_row(fixture_site)
    (fixture_site / "templates").mkdir()
    macros = (THEME / "_macros.html").read_text()
    assert '<li class="article' in macros
    edited = macros.replace('<li class="article', '<li data-edited class="article')
    (fixture_site / "templates/_macros.html").write_text(edited)
    result = _build(options)
    archives = _archive_pages(fixture_site)
    assert archives and all("data-edited" in p.read_text() for p in archives)
    assert {p.relative_to(fixture_site / "site").as_posix() for p in archives} <= set(
        result.written
    )
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_build_finds_the_references_of_unchanged_templates_in_the_manifest(
    fixture_site, monkeypatch
):
    options = BuildOptions(root=fixture_site)
    _build(options)

    def no_parsing(*args: object) -> None:
        raise AssertionError("a template was parsed again")

    monkeypatch.setattr(template_hashes.meta, "find_referenced_templates", no_parsing)
    day = fixture_site / "content/2013/11/20"
    day.mkdir(parents=True)
    (day / "new.md").write_text(article("A new day's article", date="2013-11-20"))
    result = _build(options)
    assert "2013/11/20/index.html" in result.written


def test_a_template_that_gains_an_include_follows_the_included_file(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    (fixture_site / "templates").mkdir()
    term = (THEME / "term.html").read_text()
    assert "{% block content %}\n" in term
    with_include = term.replace(
        "{% block content %}\n", '{% block content %}\n{% include "extra.html" %}\n', 1
    )
    (fixture_site / "templates/term.html").write_text(with_include)
    (fixture_site / "templates/extra.html").write_text("<p>first words</p>\n")
    _build(options)
    _build(options)  # term.html's references are the manifest's from here on
    (fixture_site / "templates/extra.html").write_text("<p>second words</p>\n")
    result = _build(options)
    archives = _archive_pages(fixture_site)
    assert archives and all("second words" in p.read_text() for p in archives)
    assert len(result.written) >= len(archives)
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_damaged_record_of_references_is_parsed_anew(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    (manifest,) = (fixture_site / CACHE_DIR).glob("manifest-*.sqlite")
    with sqlite3.connect(manifest) as db:
        keys = db.execute("SELECT value FROM build WHERE name='templates'").fetchone()[0]
        damaged = keys.replace("[", "[7, ").replace("null", '"x"')
        db.execute("UPDATE build SET value=? WHERE name='templates'", (damaged,))
    (fixture_site / "templates").mkdir()
    macros = (THEME / "_macros.html").read_text()
    edited = macros.replace('<li class="article', '<li data-edited class="article')
    (fixture_site / "templates/_macros.html").write_text(edited)
    _build(options)
    assert all("data-edited" in p.read_text() for p in _archive_pages(fixture_site))
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_configuration_edit_renders_the_pages_that_show_it(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    config = fixture_site / "digest.toml"
    text = config.read_text()
    config.write_text(text.replace('title = "Fixture Digest"', 'title = "Renamed Digest"'))
    result = _build(options)
    archives = _archive_pages(fixture_site)
    assert all("Renamed Digest" in p.read_text() for p in archives)
    assert {p.relative_to(fixture_site / "site").as_posix() for p in archives} <= set(
        result.written
    )
    assert differs_from_clean(fixture_site, tmp_path) == []
    config.write_text(config.read_text().replace("per_page = 1", "per_page = 2"))
    _build(options)
    assert differs_from_clean(fixture_site, tmp_path) == []


def _article_on_an_archive_page(root: Path) -> tuple[Path, str, Path]:
    """An article file, its title, and an archive page of a term that shows it."""
    for md in sorted((root / "content").rglob("*.md")):
        title = next(
            line[len("title: ") :]
            for line in md.read_text().splitlines()
            if line.startswith("title: ")
        )
        for page in _archive_pages(root):
            if title in page.read_text():
                return md, title, page
    raise AssertionError("no article on an archive page")


def test_an_article_title_edit_renders_the_archive_page_that_shows_it(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    md, title, page = _article_on_an_archive_page(fixture_site)
    md.write_text(md.read_text().replace(f"title: {title}", "title: A title nobody had", 1))
    result = _build(options)
    assert page.relative_to(fixture_site / "site").as_posix() in result.written
    assert "A title nobody had" in page.read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_an_article_moved_to_another_source_leaves_its_archive_pages(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    _build(options)
    md, _, _ = _article_on_an_archive_page(fixture_site)
    text = md.read_text()
    source = next(line for line in text.splitlines() if line.startswith("source: "))
    md.write_text(text.replace(source, "source: A Newly Founded Paper", 1))
    _build(options)
    assert (fixture_site / "site/sources/a-newly-founded-paper/index.html").is_file()
    assert differs_from_clean(fixture_site, tmp_path) == []
    md.write_text(text)
    _build(options)
    assert not (fixture_site / "site/sources/a-newly-founded-paper").exists()
    assert differs_from_clean(fixture_site, tmp_path) == []


def _page(path: str, term: Term, number: int) -> Page:
    return Page(path, f"/{path}", "term.html", made_from=(term, {"number": number}))


def _article(number: int) -> Article:
    path = f"content/a{number}.md"
    return Article(
        path=path,
        title=f"Article {number}",
        source="The Daily",
        url=f"https://example.com/{number}",
        canonical_url=f"https://example.com/{number}",
        published=dt.datetime(2013, 11, 17, tzinfo=dt.UTC),
        has_time=False,
        slug=f"a{number}",
        topics=("Energy",),
        summary="",
        body="",
        body_line=1,
        content_hash=path,
    )


def test_only_runs_of_the_term_are_signed_with_it():
    articles = tuple(_article(i) for i in range(5))
    front = Term("topics", "Energy", "energy", articles)
    run = Term("topics", "Energy", "energy", articles[2:4])
    not_a_run = Term("topics", "Energy", "energy", (articles[4], articles[0]))
    other = Term("topics", "Gas", "gas", articles[:2])
    pages = [
        _page("energy/index.html", front, 0),
        _page("energy/page/2/index.html", run, 2),
        _page("energy/page/1/index.html", not_a_run, 1),
        _page("gas/index.html", other, 0),
    ]
    (group,) = term_groups(pages)
    # The first page is not in it (a new article changes it), nor what is no run of it.
    assert [p.path for p in group[0]] == ["energy/page/2/index.html"]
    kind, slug, spanned, parts = group[1]
    assert (kind, slug, spanned) == ("topics", "energy", articles[2:4])
    assert parts[0][0] == ("topics", "Energy", "energy", 0, 2)


def test_articles_identified_at_once_hash_as_when_found_list_by_list():
    """A build identifies the site's articles in one pass before its pages (``identify``):
    every value must hash as it does when each list finds its articles itself."""
    articles = tuple(_article(i) for i in range(40))
    values = [
        Term("topics", "Energy", "energy", articles),
        articles[3:30],  # a long list, hashed by its own digest
        (articles[1], articles[7]),  # a short one, inline
        {"article": articles[5], "related": articles[6:9]},
    ]
    lazily = fingerprint.ContextHasher()
    at_once = fingerprint.ContextHasher()
    at_once.identify(articles)
    assert [at_once.value(v) for v in values] == [lazily.value(v) for v in values]
    # And an article left out of the pass is still identified when met.
    other = fingerprint.ContextHasher()
    other.identify(articles[:10])
    assert other.value(articles[30:]) == lazily.value(articles[30:])
