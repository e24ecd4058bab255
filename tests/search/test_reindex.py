"""Which shards a build re-indexes: only those whose pages changed in what Pagefind reads
of them (see digest/search/projection.py), not those whose pages were only rewritten
elsewhere (a new article changes the "related articles" list of old ones); and the index
is still the one a clean build makes."""

from __future__ import annotations

import json
import shlex
import stat
import time
from pathlib import Path

import pytest
from conftest import article
from test_search import _stable, build_here, files_of, page_count, require_pagefind, shards_of

from digest.commands.build import BuildOptions
from digest.search import shards
from digest.search.pagefind import pagefind_binary
from digest.search.projection import projection

RAIN = "2013/11/16/sao-paulo-rain/index.html"


class PagefindRuns:
    """Pagefind wrapped in a script that notes the shard of each run, then runs it."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        real = pagefind_binary()
        assert real is not None
        self.log = tmp_path / "pagefind-runs.log"
        wrapper = tmp_path / "pagefind-logged"
        wrapper.write_text(
            f'#!/bin/sh\necho "$@" >> {shlex.quote(str(self.log))}\n'
            f'exec {shlex.quote(str(real))} "$@"\n'
        )
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(wrapper))

    def take(self) -> list[str]:
        """The shards Pagefind indexed since the last call (and ``words``: the words bundle),
        sorted."""
        if not self.log.is_file():
            return []
        runs = []
        for line in self.log.read_text().splitlines():
            args = line.split()
            runs.append(Path(args[args.index("--output-path") + 1]).name)
        self.log.unlink()
        return sorted(runs)


def _index_files(site: Path) -> dict[str, tuple[int, int]]:
    """The index's files with their inode and modification time."""
    return {
        p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in (site / "pagefind").rglob("*")
        if p.is_file() and p.name != "shards.json"
    }


def _same_as_a_clean_build(root: Path, site: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    build_here(BuildOptions(root=root, search=True, output=clean, force=True, jobs=1))
    ours = {rel: data for rel, data in files_of(site).items() if rel.startswith("pagefind/")}
    theirs = {rel: data for rel, data in files_of(clean).items() if rel.startswith("pagefind/")}
    assert _stable(ours) == _stable(theirs)
    assert len(ours) == len(theirs)


@pytest.fixture
def by_day(fixture_site: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The fixture site, three shards (one a day: 15th, 16th, 17th), built, with Pagefind's
    runs noted."""
    require_pagefind()
    monkeypatch.setattr(shards, "SHARD_SIZE", 3)
    runs = PagefindRuns(tmp_path, monkeypatch)
    options = BuildOptions(root=fixture_site, search=True, jobs=1)
    build_here(options)
    assert runs.take() == ["2013-11-15", "2013-11-16", "2013-11-17", "words"]
    return options, runs


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_new_article_re_indexes_its_own_shard_not_those_of_its_related_ones(
    fixture_site, by_day, tmp_path
):
    """A new article on the 17th, of words the site has, on the weather: the rain article
    of the 16th lists it as related, so its page is rewritten, but nothing Pagefind reads
    of it changed: the 16th's shard is left as it was, file for file."""
    options, runs = by_day
    site = fixture_site / "site"
    rain = (site / RAIN).read_bytes()
    before = _index_files(site)
    time.sleep(0.05)
    (fixture_site / "content/2013/11/17/storm.md").write_text(
        article(
            "Heavy rain on Sunday",
            source="Reuters",
            body="Heavy rain flooded several streets.",
            topics="[Weather]",
        )
    )
    written = build_here(options)
    assert RAIN in written and b"Heavy rain on Sunday" in (site / RAIN).read_bytes() != rain
    assert runs.take() == ["2013-11-17", "words"]
    after = _index_files(site)
    for rel, found in before.items():
        if not rel.startswith(("pagefind/2013-11-17/", "pagefind/words/")):
            assert after[rel] == found, rel  # the same file: same inode, same mtime
    assert [s["pages"] for s in shards_of(site)] == [2, 2, 5]
    assert page_count(site) == 9
    _same_as_a_clean_build(fixture_site, site, tmp_path)


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_summary_is_not_indexed_so_changing_it_re_indexes_nothing(fixture_site, by_day, tmp_path):
    """The summary is in the page's head (its description) and other pages' lists, never
    in what Pagefind reads of the article page."""
    options, runs = by_day
    site = fixture_site / "site"
    rain = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    rain.write_text(rain.read_text().replace("---\nHeavy", "summary: Streets flooded.\n---\nHeavy"))
    assert RAIN in build_here(options)
    assert runs.take() == []
    _same_as_a_clean_build(fixture_site, site, tmp_path)


@pytest.mark.slow  # Pagefind runs, several builds
def test_a_change_in_what_pagefind_reads_re_indexes_that_shard(fixture_site, by_day, tmp_path):
    """The title, the body's text or a topic (a filter) of the rain article: each
    re-indexes the 16th's shard (and that one only), and the words bundle."""
    options, runs = by_day
    site = fixture_site / "site"
    rain = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    text = rain.read_text()
    edits = [
        ("title: Heavy rain floods streets in Sao Paulo", "title: Heavy rain floods Sao Paulo"),
        # The same words in another order.
        ("Heavy rain flooded", "Rain, heavy, flooded"),
        ("topics: [sao paulo, Weather]", "topics: [sao paulo, Weather, Transport]"),
    ]
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
        rain.write_text(text)
        assert RAIN in build_here(options)
        assert runs.take() == ["2013-11-16", "words"], new
    _same_as_a_clean_build(fixture_site, site, tmp_path)


@pytest.mark.slow  # Pagefind runs, several builds
def test_an_index_of_an_older_digest_is_re_indexed_once(fixture_site, by_day):
    """A ``shards.json`` without the shards' content (an older digest's) re-indexes every
    shard once; a lost cache of the pages' projections only has the pages read again."""
    options, runs = by_day
    site = fixture_site / "site"
    manifest = site / "pagefind/shards.json"
    data = json.loads(manifest.read_text())
    for shard in data["shards"]:
        del shard["content"]
    manifest.write_text(json.dumps(data))
    (fixture_site / "content/2013/11/16/sao-paulo-rain.md").touch()  # something to build
    build_here(options)
    assert runs.take() == ["2013-11-15", "2013-11-16", "2013-11-17"]
    assert all("content" in shard for shard in shards_of(site))
    build_here(BuildOptions(root=fixture_site, search=True, jobs=1, force=True))
    assert runs.take() == []

    for cached in (fixture_site / ".digest-cache").glob("search-*.json"):
        cached.unlink()
    (fixture_site / "content/2013/11/16/sao-paulo-rain.md").touch()
    build_here(options)
    assert runs.take() == []
    assert list((fixture_site / ".digest-cache").glob("search-*.json"))


@pytest.mark.slow  # Pagefind runs, several builds
def test_watch_records_the_content_a_build_would(fixture_site, by_day, tmp_path):
    """An in-place rebuild (watch) re-indexes in the background and writes the shards'
    content as a staged build does: the next build re-indexes nothing."""
    options, runs = by_day
    site = fixture_site / "site"
    rain = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    rain.write_text(rain.read_text().replace("Heavy rain flooded", "Rain, heavy, flooded"))
    time.sleep(0.05)
    assert RAIN in build_here(options, in_place=True)
    assert runs.take() == ["2013-11-16", "words"]
    build_here(BuildOptions(root=fixture_site, search=True, jobs=1, force=True))
    assert runs.take() == []
    _same_as_a_clean_build(fixture_site, site, tmp_path)


# --- the projection ----------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head><title>A · Site</title><meta name="description" content="{summary}"></head>
<body><header><nav><a href="/">Home</a></nav></header>
<main id="main"><article>
<h1 data-pagefind-meta="title">{title}</h1>
<a data-pagefind-filter="topic">{topic}</a>
<p class="coverage" data-pagefind-ignore><a href="/s/">{coverage}</a></p>
{image}<div class="body" data-pagefind-body><p>{body}</p><div>inner</div></div>
<footer data-pagefind-ignore><a href="/day/">The day</a></footer>
</article>
<aside class="related"><h2 id="related-heading">Related</h2><ul>{related}</ul></aside>
</main><footer>Site</footer>
</body></html>
"""
FIELDS = {
    "summary": "One.",
    "title": "A title",
    "topic": "Weather",
    "coverage": "2 sources",
    "image": "",
    "body": "Body text.",
    "related": "<li><h3><a href='/b/'>B</a></h3></li>",
}


def _projection(**changed: str) -> bytes:
    return projection("2013/11/16/a/index.html", PAGE.format(**{**FIELDS, **changed}).encode())


def test_the_projection_drops_what_pagefind_does_not_read():
    same = _projection()
    assert _projection(related="<li><h3><a href='/c/'>C</a></h3></li>") == same
    assert _projection(summary="Two.") == same
    assert _projection(coverage="3 sources") == same  # ignored, and holds no meta


def test_the_projection_keeps_what_pagefind_reads():
    same = _projection()
    for field, value in [
        ("title", "Another title"),
        ("topic", "Rain"),
        ("body", "Other text."),
        ("image", '<img src="/lead.png" alt="Lead">'),  # the default image
        ("coverage", '<span data-pagefind-meta="sources">3</span>'),  # meta in an ignored part
        ("related", "<li><img src='/b.png'></li>"),  # would be the default image
        ("related", "<li><h1>B</h1></li>"),  # an h1: the title, were there no meta
    ]:
        assert _projection(**{field: value}) != same, (field, value)
    # A page without data-pagefind-body is kept whole.
    whole = PAGE.replace(" data-pagefind-body", "").format(**FIELDS).encode()
    assert projection("x", whole) == b"x\0" + whole
    hidden = whole.replace(b"<body>", b"<body><!-- data-pagefind-body -->")
    assert projection("x", hidden) == b"x\0" + hidden
