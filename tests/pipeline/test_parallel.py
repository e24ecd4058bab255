"""Parallel parsing and rendering: the same bytes whatever the number of processes, and
errors from a worker reported like any other."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import sqlite3
from dataclasses import fields

import pytest
from conftest import article, run_python, tree

from digest.cli import main
from digest.commands.build import BuildOptions, build
from digest.incremental.cache import CACHE_DIR
from digest.model import Article


def _many(n: int) -> dict[str, str]:
    topics = ["Economy", "Energy", "Health", "Sport", "Science"]
    return {
        f"content/2013/11/{1 + i % 28:02d}/story-{i}.md": article(
            f"Story number {i}",
            date=f"2013-11-{1 + i % 28:02d}",
            source=["Reuters", "BBC News", "Al Jazeera"][i % 3],
            url=f"https://example.com/story/{i}",
            topics=f"[{topics[i % 5]}, {topics[(i * 7) % 5]}]",
            body=f"Paragraph about **story {i}**, with a [link](https://example.org/{i}).\n\n"
            f"| a | b |\n|---|---|\n| {i} | {i * 2} |\n",
        )
        for i in range(n)
    }


def test_output_is_identical_whatever_the_number_of_jobs(make_site, tmp_path):
    root = make_site(_many(150))
    for jobs in (1, 2, 3):
        out = tmp_path / f"out-{jobs}"
        assert (
            main(
                ["build", "--root", str(root), "--output", str(out), "--jobs", str(jobs), "--force"]
            )
            == 0
        )
    assert tree(tmp_path / "out-1") == tree(tmp_path / "out-2") == tree(tmp_path / "out-3")
    assert len(tree(tmp_path / "out-1")) > 150


def test_pages_fingerprinted_by_workers_are_fresh_for_the_next_build(make_site):
    # A build with no manifest has the workers fingerprint the pages they render; a check
    # of every page afterwards (in place: no skipping) must agree with each of them.
    root = make_site(_many(150))
    first = build(BuildOptions(root=root, jobs=2))
    assert first.rendered > 150
    again = build(BuildOptions(root=root, jobs=2), in_place=True)
    assert (again.rendered, again.written) == (0, [])


def test_template_error_in_a_worker_is_reported_with_its_line(make_site, capsys):
    root = make_site(_many(150))
    (root / "templates").mkdir()
    (root / "templates/article.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{{ article.published|date("bogus") }}\n'
        "{% endblock %}\n"
    )
    assert main(["build", "--root", str(root), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "templates/article.html:3: error: ValueError: unknown date style 'bogus'" in err
    assert "Traceback" not in err


@pytest.mark.slow  # many processes
def test_cache_makes_a_pull_of_new_articles_cost_only_those(make_site):
    files = _many(150)
    root = make_site(files)
    options = BuildOptions(root=root, jobs=2)
    build(options)
    # New articles on a new day: their pages, their day, and lists that show them.
    for i in range(3):
        path = root / f"content/2013/12/01/new-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article(f"New {i}", date="2013-12-01", url=f"https://example.com/new/{i}"))
    result = build(options)
    assert result.rendered < 60
    assert "2013/12/01/new-0/index.html" in result.written
    assert any(p.name.startswith("cache") for p in (root / CACHE_DIR).iterdir())


def test_a_damaged_cache_database_means_a_full_build_with_a_warning(make_site):
    root = make_site(_many(10))
    build(BuildOptions(root=root))
    (root / CACHE_DIR / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    for stale in (root / CACHE_DIR).glob("cache.sqlite-*"):
        stale.unlink()
    story = next((root / "content").rglob("*.md"))
    story.write_text(story.read_text() + "\nOne more line.\n")
    result = build(BuildOptions(root=root))
    assert result.articles == 10
    assert any("cache not used" in w.message for w in result.warnings)


def test_a_cached_article_that_cannot_be_read_back_is_parsed_again(make_site, tmp_path):
    # Workers decode the cached records; a row damaged on disk is a miss: the file is
    # parsed again and the row rewritten.
    root = make_site(_many(80))
    build(BuildOptions(root=root, jobs=2))
    expected = tree(root / "site")
    database = root / CACHE_DIR / "cache.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 80
        db.execute("UPDATE articles SET meta = ?", ('[1, [], "not a record"]',))
        db.execute("UPDATE stats SET meta = NULL")  # its copy of the record: the entry's read
    shutil.rmtree(root / "site")
    result = build(BuildOptions(root=root, jobs=2))
    assert (result.articles, result.warnings) == (80, [])
    assert tree(root / "site") == expected
    with sqlite3.connect(database) as db:
        rows = [json.loads(meta) for (meta,) in db.execute("SELECT meta FROM articles")]
    assert len(rows) == 80
    titles = [row[2 + [f.name for f in fields(Article) if f.init].index("title")] for row in rows]
    assert all(title.startswith("Story number") for title in titles)


class _Payload:
    """Unpickling this runs ``os.system``: what a poisoned cache would hold."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (self.command,))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cache_full_of_crafted_pickles_runs_nothing(make_site, tmp_path, jobs):
    # A cache restored from another branch, or shipped in a repository, is input like any
    # other: every value of it replaced by a pickle that would run a command must change
    # nothing but the time the build takes.
    root = make_site(_many(80))
    build(BuildOptions(root=root, jobs=jobs))
    expected = tree(root / "site")
    ran = tmp_path / "the-payload-ran"
    crafted = pickle.dumps(_Payload(f"touch {ran}"), protocol=pickle.HIGHEST_PROTOCOL)
    cache = root / CACHE_DIR
    with sqlite3.connect(cache / "cache.sqlite") as db:
        query = "SELECT name FROM sqlite_master WHERE type='table'"
        tables = [name for (name,) in db.execute(query)]
        assert tables
        for table in tables:
            # Every value, under the keys a build looks up.
            info = db.execute(f"PRAGMA table_info({table})").fetchall()
            for column in [row[1] for row in info if not row[5]]:
                db.execute(f"UPDATE {table} SET {column} = ?", (crafted,))
    for path in cache.iterdir():
        if path.is_file() and not path.name.startswith("cache.sqlite"):
            path.write_bytes(crafted)
    shutil.rmtree(root / "site")
    result = build(BuildOptions(root=root, jobs=jobs))
    assert not ran.exists()
    assert result.articles == 80
    assert tree(root / "site") == expected


@pytest.mark.slow  # many processes
def test_workers_leave_the_parents_signal_handling_behind(tmp_path):
    # ``watch`` turns SIGTERM into KeyboardInterrupt; workers that inherited it were
    # interrupted while closing their pool, some holding its queue's lock, on which a
    # sibling then waited forever (watch's first build hung).
    script = tmp_path / "pools.py"
    script.write_text(
        "import signal\n"
        "signal.signal(signal.SIGTERM, signal.default_int_handler)\n"
        "from digest.parallel import ordered_map\n"
        "for _ in range(60):\n"
        "    assert list(ordered_map(abs, list(range(-100, 0)), 2)) == list(range(100, 0, -1))\n"
        "print('done')\n"
    )
    result = run_python(script, timeout=60)
    assert (result.code, result.out) == (0, "done\n")
    assert "KeyboardInterrupt" not in result.err


def test_stories_found_in_a_process_of_their_own_are_the_same(make_site, tmp_path, monkeypatch):
    import digest.pipeline.stories as stories

    monkeypatch.setattr(stories, "BACKGROUND_FROM", 1)  # the fixture is smaller than a real site
    root = make_site(_many(150))
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        args = ["build", "--root", str(root), "--output", str(out), "--jobs", str(jobs)]
        assert main([*args, "--force"]) == 0
    assert tree(tmp_path / "out-1") == tree(tmp_path / "out-2")


def test_work_in_the_background_gives_its_result_or_is_done_here():
    from digest.parallel import in_background

    parent = os.getpid()
    assert in_background(lambda: os.getpid(), 2)() != parent  # another process
    assert in_background(lambda: os.getpid(), 1)() == parent
    calls = []

    def fails_there() -> int:
        calls.append(os.getpid())  # seen only here: the forked process has its own list
        if os.getpid() != parent:
            raise RuntimeError("lost")
        return 42

    assert in_background(fails_there, 2)() == 42
    assert calls == [parent]


def test_a_large_background_result_comes_back_whole(monkeypatch, tmp_path):
    """Megabytes (a site's stories) come back through a spool file, not the pipe; with no
    writable temporary folder, through the pipe: the same value either way."""
    import tempfile

    from digest.parallel import in_background

    big = {"paths": [f"content/{i:05d}.md" for i in range(50_000)], "text": "é" * 3_000_000}
    assert in_background(lambda: big, 2)() == big
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert in_background(lambda: (os.getpid(), big), 2)()[1] == big


def test_stories_begun_before_the_index_leave_out_what_it_drops(make_site, tmp_path, monkeypatch):
    """Stories are begun on the articles as loaded; a duplicate the index then leaves out
    (``--keep-going``) is in no story, and the site equals the one-process build."""
    import digest.pipeline.stories as stories

    monkeypatch.setattr(stories, "BACKGROUND_FROM", 1)
    files = _many(60)
    files["content/zz-copy.md"] = article(
        "Story number 1 again", date="2013-11-02", url="https://example.com/story/1"
    )
    root = make_site(files)
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        args = ["build", "--root", str(root), "--output", str(out), "--jobs", str(jobs)]
        assert main([*args, "--force", "--keep-going"]) == 0
    assert tree(tmp_path / "out-1") == tree(tmp_path / "out-2")
    assert "again" not in (tmp_path / "out-2/2013/11/02/index.html").read_text()


def _dies_in_a_child(parent: int, value: int) -> int:
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return value


def test_a_background_process_that_dies_is_done_here(monkeypatch, tmp_path):
    """A killed process took its result with it; waiting for it hung forever once."""
    import tempfile

    from digest.parallel import in_background

    parent = os.getpid()
    assert in_background(lambda: _dies_in_a_child(parent, 7), 2)() == 7
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))  # through the pipe
    assert in_background(lambda: _dies_in_a_child(parent, 8), 2)() == 8


def test_a_worker_that_dies_leaves_its_items_to_this_process():
    from digest.parallel import ordered_map

    parent = os.getpid()

    def double(n: int) -> int:
        return 2 * (_dies_in_a_child(parent, n) if n == 150 else n)

    items = list(range(400))
    assert list(ordered_map(double, items, 2, chunksize=8)) == [2 * n for n in items]


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("not this one")


def test_a_workers_error_is_the_first_in_input_order_and_the_real_one():
    """As with one job: an error that does not pickle is met again here, whole."""
    from digest.parallel import ordered_map

    parent = os.getpid()

    def check(n: int) -> int:
        if n == 300:
            raise ValueError("the later one")
        if n == 170:
            raise _Unpicklable(f"item {n}, raised {'here' if os.getpid() == parent else 'there'}")
        return n

    with pytest.raises(_Unpicklable, match="item 170, raised here"):
        list(ordered_map(check, list(range(400)), 2, chunksize=8))


def test_a_result_that_does_not_pickle_is_made_here():
    from digest.parallel import ordered_map

    parent = os.getpid()
    got = list(ordered_map(lambda n: (lambda: n) if n == 77 else n, list(range(200)), 2))
    assert got[76] == 76 and got[78] == 78 and got[77]() == 77
    assert os.getpid() == parent


def test_workers_are_gone_once_the_results_are_not_wanted():
    import multiprocessing

    from digest.parallel import ordered_map

    results = ordered_map(abs, list(range(-500, 0)), 2, chunksize=4)
    assert next(results) == 500
    results.close()  # a build stopped by an error in the first page it wrote
    assert multiprocessing.active_children() == []


def _fails_deep_in_a_worker(n: int) -> int:
    if n == 90:
        raise KeyError(f"no {n}")
    return n


def test_a_workers_crash_carries_the_workers_traceback():
    """A bug's report names where in the worker it happened, as a pool's did."""
    from digest.parallel import WorkerTraceback, ordered_map

    with pytest.raises(KeyError) as raised:
        list(ordered_map(_fails_deep_in_a_worker, list(range(200)), 2, chunksize=8))
    cause = raised.value.__cause__
    assert isinstance(cause, WorkerTraceback)
    assert "_fails_deep_in_a_worker" in str(cause) and "KeyError: 'no 90'" in str(cause)
