"""The load stage's stat shortcut: a content file whose size and times are those the cache
recorded with its entry is not read. What a build gives must never depend on it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time

import pytest
from conftest import tree

from digest.commands.build import BuildOptions, build
from digest.incremental.cache import CACHE_DIR, FILENAME
from digest.pipeline import load

ARTICLE = "content/2013/11/16/sao-paulo-rain.md"
PAGE = "site/2013/11/16/sao-paulo-rain/index.html"


@pytest.fixture
def trusting(monkeypatch):
    """Stats remembered at once: the test's files are seconds old, not racy to a clock."""
    monkeypatch.setattr(load, "RACY_NS", 0)


def _clean_build(root, tmp_path):
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", CACHE_DIR))
    build(BuildOptions(root=clean))
    return tree(clean / "site")


def _stat_rows(root) -> int:
    with sqlite3.connect(root / CACHE_DIR / FILENAME) as db:
        # Rows without a stat only name the entry a file's bytes last were (found by hash).
        return db.execute("SELECT count(*) FROM stats WHERE stat IS NOT NULL").fetchone()[0]


def test_an_edit_keeping_size_and_mtime_is_still_seen(fixture_site, trusting, tmp_path):
    options = BuildOptions(root=fixture_site)
    build(options)
    build(options)  # the second build finds the files by their stat
    assert _stat_rows(fixture_site) > 0
    path = fixture_site / ARTICLE
    before = path.stat()
    text = path.read_text()
    assert "several streets" in text
    path.write_text(text.replace("several streets", "sevenfo streets"))
    edited = path.read_text()
    assert len(edited.encode()) == before.st_size and edited != text
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as tar or rsync -t would
    result = build(options)  # not skipped as "nothing changed": the change time moved
    assert result.written
    assert "sevenfo streets" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


def test_touching_every_file_gives_the_same_site(fixture_site, trusting):
    options = BuildOptions(root=fixture_site)
    build(options)
    build(options)
    before = tree(fixture_site / "site")
    for path in (fixture_site / "content").rglob("*.md"):
        path.touch()  # a fresh checkout: every mtime new, no byte changed
    result = build(options)
    assert result.written == []
    assert tree(fixture_site / "site") == before
    assert build(options).written == []


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE stats SET key = (SELECT min(key) FROM stats)",  # every file: another's entry
        "UPDATE stats SET stat = 42",
        "UPDATE stats SET key = NULL",
        "UPDATE articles SET meta = '[3, \"x\"' WHERE key IN (SELECT key FROM stats)",
    ],
)
def test_a_damaged_stat_row_is_a_miss(fixture_site, trusting, tmp_path, damage):
    options = BuildOptions(root=fixture_site)
    build(options)
    build(options)
    assert _stat_rows(fixture_site) > 0  # else the damage would touch nothing trusted
    with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
        db.execute(damage)
    path = fixture_site / ARTICLE
    path.write_text(path.read_text().replace("several streets", "many streets"))
    result = build(options)
    assert result.warnings == []
    assert "many streets" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


def test_a_file_changed_just_before_the_build_is_not_trusted(fixture_site):
    # The real racy window: the fixture's files were all written a moment ago.
    build(BuildOptions(root=fixture_site))
    assert _stat_rows(fixture_site) == 0


def test_a_racy_checkout_keeps_the_rows_stats_and_an_edit_is_still_seen(
    fixture_site, monkeypatch, tmp_path
):
    options = BuildOptions(root=fixture_site)
    monkeypatch.setattr(load, "RACY_NS", 0)
    build(options)
    build(options)
    trusted = _stat_rows(fixture_site)
    assert trusted > 0
    monkeypatch.undo()  # from here, the real racy window
    later = time.time() + 10
    for path in (fixture_site / "content").rglob("*.md"):
        os.utime(path, (later, later))  # a checkout's files, racy: their stats not trusted
    assert build(options).written == []
    # The rows keep the stats they had (NULL would name nothing more): no row written.
    assert _stat_rows(fixture_site) == trusted
    # Those stats are of the old files: an edit now is found by the bytes, as ever.
    path = fixture_site / ARTICLE
    path.write_text(path.read_text().replace("several streets", "many streets"))
    os.utime(path, (later, later))
    build(options)
    assert "many streets" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


@pytest.mark.parametrize("hint", [0, 5, 3, 10_000_000])
@pytest.mark.parametrize("size", [0, 4, 2_500_000])
def test_a_file_is_read_whole_whatever_its_stat_said(tmp_path, size, hint):
    path = tmp_path / "a.md"
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(data)
    assert load.read_whole(path, hint) == data == path.read_bytes()
