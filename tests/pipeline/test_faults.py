"""Faults during a build: killed, disk full, permission denied, a damaged cache, content
changing underneath. Each leaves the previous output whole and the next build correct."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, article, leftovers, snapshot, tree
from hypothesis import given
from hypothesis import strategies as st

import digest.pipeline.output_paths
import digest.pipeline.write
from digest.cli import main
from digest.commands.build import BuildOptions, build
from digest.incremental.cache import CACHE_DIR

GEN_CORPUS = REPO / "bench" / "gen_corpus.py"


@pytest.fixture(scope="module")
def large_site(tmp_path_factory) -> Path:
    """3,000 articles from the benchmark corpus generator, built once."""
    root = tmp_path_factory.mktemp("large")
    subprocess.run(
        [sys.executable, str(GEN_CORPUS), "--n", "3000", "--out", str(root / "content")],
        check=True,
        capture_output=True,
    )
    (root / "digest.toml").write_text('title = "Before"\nbase_url = "https://example.org/"\n')
    assert main(["build", "--root", str(root)]) == 0
    return root


@pytest.mark.slow  # builds of 3,000 articles, killed five times
def test_a_build_killed_at_any_moment_leaves_the_old_site_whole(large_site, capsys):
    root = large_site
    before = tree(root / "site")
    mtimes = {k: v[1] for k, v in snapshot(root / "site").items()}
    # Every page changes with the title, so a killed build is always mid-way somewhere.
    (root / "digest.toml").write_text('title = "After"\nbase_url = "https://example.org/"\n')
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "digest", "build", "--root", str(root)]

    started = time.monotonic()
    full = subprocess.run(
        [*command, "--output", str(root / "timing")], env=env, capture_output=True
    )
    assert full.returncode == 0, full.stderr
    duration = time.monotonic() - started
    new = tree(root / "timing")
    shutil.rmtree(root / "timing")

    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            proc.wait(timeout=duration * fraction)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            # Its worker processes die with it or on their own; none may touch the output.
            after = tree(root / "site")
            if after.keys() == before.keys() and after == before:
                assert {k: v[1] for k, v in snapshot(root / "site").items()} == mtimes
                continue
            # Killed after it swapped the new site in (while saving its cache): then the
            # output is the whole new site, never a mix.
            assert after.keys() == new.keys(), f"killed at {fraction:.0%}: a mix of sites"
            assert after == new, f"killed at {fraction:.0%}: a file of neither site"
            break
        else:
            # The build won the race: then it is the complete new site.
            assert "After" in (root / "site/index.html").read_text()
            break

    assert main(["build", "--root", str(root)]) == 0
    capsys.readouterr()
    # Only the spare (the site swapped out, kept for the next build) stays beside it.
    assert leftovers(root) == []
    assert main(["build", "--root", str(root), "--output", str(root / "clean"), "--force"]) == 0
    assert tree(root / "site") == tree(root / "clean")
    assert "After" in (root / "site/index.html").read_text()


@pytest.mark.parametrize(
    ("code", "text"),
    [(errno.ENOSPC, "No space left on device"), (errno.EACCES, "Permission denied")],
)
def test_disk_full_or_permission_denied_while_writing(
    fixture_site, monkeypatch, capsys, code, text
):
    assert main(["build", "--root", str(fixture_site)]) == 0
    before = snapshot(fixture_site / "site")
    (fixture_site / "digest.toml").write_text(
        (fixture_site / "digest.toml").read_text().replace("Fixture Digest", "Renamed")
    )
    real_open = open
    calls = {"n": 0}

    def failing_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            calls["n"] += 1
            if calls["n"] > 5:
                raise OSError(code, os.strerror(code), str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(digest.pipeline.write, "open", failing_open, raising=False)
    assert main(["build", "--root", str(fixture_site)]) == 1
    err = capsys.readouterr().err
    assert f"error: cannot write the site: {text}" in err
    assert "Traceback" not in err
    assert snapshot(fixture_site / "site") == before
    assert leftovers(fixture_site) == []

    monkeypatch.undo()
    assert main(["build", "--root", str(fixture_site)]) == 0
    assert "Renamed" in (fixture_site / "site/index.html").read_text()


def _damage(kind: str, cache: Path) -> None:
    # The cache, and what the last build left of its output: its manifest and reads.
    databases = [cache / "cache.sqlite", *cache.glob("manifest-*.sqlite")]
    databases += cache.glob("reads-*.sqlite")
    assert len(databases) == 3
    for database in databases:
        if kind == "truncated":
            database.write_bytes(database.read_bytes()[:1000])
        elif kind == "garbage":
            database.write_bytes(os.urandom(4096))
        elif kind == "future version":
            import sqlite3

            with sqlite3.connect(database) as db:
                db.execute("PRAGMA user_version=99")
            db.close()
    if kind == "unwritable":
        shutil.rmtree(cache)
        cache.write_text("a file where the cache folder should be")
    for leftover in cache.glob("*.sqlite-*") if cache.is_dir() else []:
        leftover.unlink()


@pytest.mark.parametrize("kind", ["truncated", "garbage", "future version", "unwritable"])
def test_a_damaged_cache_means_a_full_build_and_a_warning(fixture_site, capsys, kind):
    assert main(["build", "--root", str(fixture_site)]) == 0
    story = fixture_site / "content/misc/quiet-day.md"
    story.write_text(story.read_text().replace("no comets", "one comet"))
    _damage(kind, fixture_site / CACHE_DIR)
    assert main(["build", "--root", str(fixture_site)]) == 0
    captured = capsys.readouterr()
    assert f"{CACHE_DIR}: warning:" in captured.err
    assert "Traceback" not in captured.err
    assert "one comet" in (fixture_site / "site/2013/11/15/quiet-day/index.html").read_text()
    assert (
        main(["build", "--root", str(fixture_site), "--output", str(fixture_site / "clean")]) == 0
    )
    assert tree(fixture_site / "site") == tree(fixture_site / "clean")


def test_a_content_file_vanishing_while_the_build_reads_it(make_site, monkeypatch):
    root = make_site(
        {
            "content/a.md": article("Stays", url="https://example.com/a"),
            "content/b.md": article("Vanishes", url="https://example.com/b"),
        }
    )
    real_read = Path.read_bytes

    def vanish_then_read(self: Path) -> bytes:
        if self.name == "b.md" and self.exists():
            self.unlink()
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", vanish_then_read)
    result = build(BuildOptions(root=root))
    monkeypatch.undo()
    assert result.articles == 1
    assert "Vanishes" not in (root / "site/index.html").read_text()


def test_a_content_file_changing_during_the_build_is_picked_up_next_time(make_site, monkeypatch):
    root = make_site({"content/a.md": article("First version", url="https://example.com/a")})
    real_read = Path.read_bytes
    changed = {"done": False}

    def change_after_read(self: Path) -> bytes:
        data = real_read(self)
        if self.name == "a.md" and not changed["done"]:
            changed["done"] = True
            time.sleep(0.01)
            self.write_text(article("Second version", url="https://example.com/a"))
        return data

    monkeypatch.setattr(Path, "read_bytes", change_after_read)
    build(BuildOptions(root=root))
    monkeypatch.undo()
    assert "First version" in (root / "site/index.html").read_text()
    build(BuildOptions(root=root))
    assert "Second version" in (root / "site/index.html").read_text()


@given(
    st.lists(
        st.sampled_from(["a", "b.html", ".", "..", "", ".x", "index.html"]), min_size=1, max_size=5
    ).map("/".join)
    | st.text(alphabet="ab./", max_size=12)
)
def test_output_paths_are_checked_and_normalised_like_pure_paths(path):
    # The writers' string shortcut for paths already in normal form agrees with the path
    # objects it skips: the same normal form, the same refusals (a bug in our code).
    try:
        expected = digest.pipeline.output_paths.safe_relative(path).as_posix()
    except ValueError:
        with pytest.raises(ValueError):
            digest.pipeline.output_paths.normal(path)
        return
    assert digest.pipeline.output_paths.normal(path) == expected
