"""``digest watch``: the event filter and debouncer in-process, then the command itself as a
user runs it, in a subprocess: edits, new, deleted and renamed files and folders, a broken
file and its fix, a burst of a thousand files, Ctrl-C."""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import article, run_digest
from processes import DEADLINE, DigestProcess, text, wait_until
from watchdog.events import (
    DirModifiedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from digest.commands.build import BuildOptions, BuildResult
from digest.commands.changes import Debouncer, describe, is_source_path
from digest.commands.watch import Watcher
from digest.errors import DigestError


def small_site(make_site: Callable[..., Path]) -> Path:
    """Two articles on one day: rebuilds in tens of milliseconds."""
    return make_site(
        {
            "digest.toml": 'title = "Watch Test"\nbase_url = "https://example.org/news/"\n',
            "content/2013/11/17/alpha.md": article("Alpha story", topics="[Syria]"),
            "content/2013/11/17/beta.md": article("Beta story", topics="[Syria]"),
        }
    )


REBUILT = r"^rebuilt in (\d+) ms: (\d+) written, (\d+) removed \((.+)\)$"


def page(root: Path, rel: str) -> Path:
    return root / "site" / rel / "index.html"


@pytest.fixture
def watching(make_site):  # type: ignore[no-untyped-def]
    """A small site with ``digest watch`` running on it, past its first build."""
    root = small_site(make_site)
    with DigestProcess("watch", "--root", root) as proc:
        proc.wait_line(r"^built in \d+ ms: \d+ written")
        proc.wait_line(r"^watching .* \(Ctrl-C to stop\)$")
        yield root, proc


def test_edit_rebuilds_the_page_and_prints_one_line(watching):
    root, proc = watching
    source = root / "content/2013/11/17/alpha.md"
    mark = proc.mark()
    started = time.monotonic()
    source.write_text(article("Alpha story, revised", topics="[Syria]"))
    m = proc.wait_line(REBUILT, mark)
    latency = time.monotonic() - started
    assert m.group(4) == "content/2013/11/17/alpha.md changed"
    assert int(m.group(2)) >= 1
    assert "Alpha story, revised" in text(page(root, "2013/11/17/alpha"))
    # one batch, one line: the write's several events (modify, close) made one rebuild
    time.sleep(0.3)
    assert len([ln for ln in proc.lines_since(mark) if ln.startswith("rebuilt")]) == 1
    print(f"edit -> rebuilt line: {latency * 1000:.0f} ms (build {m.group(1)} ms)")

    # only the pages the edit affects are written: beta's page keeps its bytes and mtime
    beta = page(root, "2013/11/17/beta")
    before = (beta.read_bytes(), beta.stat().st_mtime_ns)
    mark = proc.mark()
    source.write_text(article("Alpha story, revised", topics="[Syria]", body="New body."))
    m = proc.wait_line(REBUILT, mark)
    assert 1 <= int(m.group(2)) < 16  # its page and the feeds that hold it (Atom and JSON)
    assert "New body." in text(page(root, "2013/11/17/alpha"))
    assert (beta.read_bytes(), beta.stat().st_mtime_ns) == before


def test_created_deleted_and_renamed_files(watching):
    root, proc = watching
    day = root / "content/2013/11/17"

    mark = proc.mark()
    (day / "gamma.md").write_text(article("Gamma story"))
    proc.wait_line(r"^rebuilt .*\(content/2013/11/17/gamma\.md created\)$", mark)
    assert "Gamma story" in text(page(root, "2013/11/17/gamma"))

    mark = proc.mark()
    (day / "gamma.md").unlink()
    m = proc.wait_line(REBUILT, mark)
    assert m.group(4) == "content/2013/11/17/gamma.md deleted"
    assert int(m.group(3)) >= 1
    assert not page(root, "2013/11/17/gamma").exists()

    mark = proc.mark()
    (day / "beta.md").rename(day / "delta.md")  # the slug follows the file name
    m = proc.wait_line(REBUILT, mark)
    assert m.group(4) == "content/2013/11/17/beta.md renamed to content/2013/11/17/delta.md"
    assert not page(root, "2013/11/17/beta").exists()
    assert "Beta story" in text(page(root, "2013/11/17/delta"))

    # an editor's safe save: write a temporary file, rename it over the original
    mark = proc.mark()
    tmp = day / "alpha.md.tmp"
    tmp.write_text(article("Alpha, saved safely"))
    os.replace(tmp, day / "alpha.md")
    m = proc.wait_line(REBUILT, mark)
    assert m.group(4) == "content/2013/11/17/alpha.md changed"
    assert "Alpha, saved safely" in text(page(root, "2013/11/17/alpha"))


@pytest.mark.slow  # seconds of watching
def test_created_deleted_and_renamed_folders(watching):
    root, proc = watching
    extra = root / "content/extra"

    mark = proc.mark()
    (root / "staging").mkdir()
    (root / "staging/one.md").write_text(article("Folder one", date="2013-11-18"))
    (root / "staging/two.md").write_text(article("Folder two", date="2013-11-18"))
    (root / "staging").rename(extra)  # a folder moved in from outside
    proc.wait_line(REBUILT, mark)
    wait_until(lambda: page(root, "2013/11/18/two").exists(), what="folder moved in")

    mark = proc.mark()
    extra.rename(root / "content/more")  # renamed inside content/: same pages
    proc.wait_line(REBUILT, mark)
    (root / "content/more/two.md").write_text(article("Folder two, edited", date="2013-11-18"))
    wait_until(lambda: "Folder two, edited" in text(page(root, "2013/11/18/two")), what="edit")

    mark = proc.mark()
    (root / "content/more").rename(root / "parked")  # moved out of content/
    proc.wait_line(REBUILT, mark)
    wait_until(lambda: not page(root, "2013/11/18/one").exists(), what="folder moved out")
    assert page(root, "2013/11/17/alpha").exists()

    # the whole content/ folder deleted, then made anew: still watched
    mark = proc.mark()
    shutil.rmtree(root / "content")
    proc.wait_line(REBUILT, mark)
    wait_until(lambda: not page(root, "2013/11/17/alpha").exists(), what="content/ deleted")
    mark = proc.mark()
    (root / "content").mkdir()
    (root / "content/new.md").write_text(article("Back again"))
    wait_until(lambda: "Back again" in text(page(root, "2013/11/17/new")), what="content/ anew")
    mark = proc.mark()
    (root / "content/new.md").write_text(article("Back again, edited"))
    proc.wait_line(r"\(content/new\.md changed\)$", mark)
    assert "Back again, edited" in text(page(root, "2013/11/17/new"))


def test_config_templates_and_static_folders_made_later(watching):
    root, proc = watching
    mark = proc.mark()
    (root / "digest.toml").write_text(
        'title = "Renamed Digest"\nbase_url = "https://example.org/news/"\n'
    )
    proc.wait_line(r"\(digest\.toml changed\)$", mark)
    assert "Renamed Digest" in text(root / "site/index.html")

    (root / "templates").mkdir()
    (root / "templates/404.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>custom-404-marker</p>{% endblock %}'
    )
    wait_until(lambda: "custom-404-marker" in text(root / "site/404.html"), what="template")
    (root / "static").mkdir()
    (root / "static/hello.txt").write_text("hello\n")
    wait_until(lambda: text(root / "site/hello.txt") == "hello\n", what="static file")
    (root / "static/hello.txt").write_text("hello again\n")
    wait_until(lambda: text(root / "site/hello.txt") == "hello again\n", what="static edit")


def test_broken_file_is_reported_and_fixing_it_rebuilds(watching):
    root, proc = watching
    source = root / "content/2013/11/17/alpha.md"
    before = page(root, "2013/11/17/alpha").read_bytes()

    mark = proc.mark()
    source.write_text(article("Alpha story, broken", date="Nov 17"))
    proc.wait_line(
        r"^content/2013/11/17/alpha\.md:4: error: date: 'Nov 17' is not a date", mark, "err"
    )
    proc.wait_line(r"^rebuild failed in \d+ ms: 1 error \(.*alpha\.md changed\)", mark, "err")
    assert "Traceback" not in "\n".join(proc.err)
    assert proc.proc.poll() is None
    assert page(root, "2013/11/17/alpha").read_bytes() == before  # the last good output

    mark = proc.mark()
    source.write_text(article("Alpha story, fixed"))
    proc.wait_line(REBUILT, mark)
    assert "Alpha story, fixed" in text(page(root, "2013/11/17/alpha"))


@pytest.mark.slow  # seconds of watching
def test_a_broken_first_build_keeps_watching(make_site):
    root = make_site({"content/a.md": article("First", date="someday")})
    with DigestProcess("watch", "--root", root) as proc:
        proc.wait_line(r"^content/a\.md:4: error: date:", stream="err")
        proc.wait_line(r"^watching ")
        assert not (root / "site").exists()
        mark = proc.mark()
        (root / "content/a.md").write_text(article("First"))
        proc.wait_line(REBUILT, mark)
        assert "First" in text(page(root, "2013/11/17/a"))


def test_editor_litter_output_and_cache_are_ignored(watching):
    root, proc = watching
    day = root / "content/2013/11/17"
    mark = proc.mark()
    for name in ("alpha.md.swp", "alpha.md.swx", ".alpha.md.swp", "alpha.md~", "4913", "x.tmp"):
        (day / name).write_text("litter")
    (day / ".#alpha.md").write_text("lock")
    (day / "#alpha.md#").write_text("autosave")
    (root / "site/stray.txt").write_text("not a source")
    (root / ".digest-cache").mkdir(exist_ok=True)
    (root / ".digest-cache/junk").write_text("cache")
    (root / "notes.md").write_text("not a source either")
    time.sleep(1.0)  # the debouncer would have fired by now (quiet 0.08 s)
    assert not [ln for ln in proc.lines_since(mark) if ln.startswith("rebuil")]
    assert not proc.lines_since(mark, "err")

    (day / "alpha.md").write_text(article("Still watching"))
    proc.wait_line(REBUILT, mark)


@pytest.mark.slow  # a thousand files
def test_a_burst_of_a_thousand_files_makes_one_or_two_rebuilds(watching):
    root, proc = watching
    folder = root / "content/burst"
    folder.mkdir()
    mark = proc.mark()
    started = time.monotonic()
    for i in range(1000):
        (folder / f"a{i:04d}.md").write_text(article(f"Burst {i}", date="2013-11-18"))
    writing = time.monotonic() - started
    wait_until(lambda: page(root, "2013/11/18/a0999").exists(), timeout=120, what="burst built")
    # Pages are written before the rebuild's line is printed (workers write them): wait
    # for the line of the rebuild that included the last file.
    proc.wait_line(r"^rebuil.*content/burst", mark, timeout=120)
    time.sleep(1.5)  # anything still queued would have started by now
    rebuilds = [ln for ln in proc.lines_since(mark) if ln.startswith("rebuilt")]
    failed = [ln for ln in proc.lines_since(mark, "err") if ln.startswith("rebuild failed")]
    print(f"1000 files written in {writing:.2f} s; rebuilds: {rebuilds}; failed: {failed}")
    assert 1 <= len(rebuilds) + len(failed) <= 2
    assert "content/burst" in rebuilds[-1]


def test_ctrl_c_exits_0_promptly(watching):
    _root, proc = watching
    code, seconds = proc.interrupt()
    assert code == 0, proc.err
    assert seconds < 2.0
    assert "Traceback" not in "\n".join(proc.err)


def test_after_watch_a_build_trusts_the_patched_output(watching):
    root, proc = watching
    source = root / "content/2013/11/17/alpha.md"
    mark = proc.mark()
    source.write_text(source.read_text() + "\nA later paragraph.\n")
    assert proc.wait_line(REBUILT, mark).group(2) == "1"  # patched: the article's page only
    code, _ = proc.interrupt()
    assert code == 0, proc.err
    # What the patches changed was written down when watch stopped: nothing to render.
    result = run_digest("build", "--root", root)
    assert result.code == 0, result.err
    assert "(0 written," in result.out and "; 0 pages rendered)" in result.out, result.out


def test_a_missing_root_is_an_error(tmp_path):
    result = run_digest("watch", "--root", tmp_path / "nowhere", timeout=DEADLINE)
    assert result.code == 1
    assert result.err.startswith(f"{tmp_path / 'nowhere'}: error: not a site project")
    assert "Traceback" not in result.err


# -- the parts, in-process ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "wanted"),
    [
        ("digest.toml", True),
        ("content/2013/11/17/x.md", True),
        ("content/2013", True),
        ("content", True),
        ("templates/base.html", True),
        ("static/img/a.png", True),
        ("site/index.html", False),
        (".digest-cache/manifest.json", False),
        ("content/.git/HEAD", False),
        ("content/.hidden.md", False),
        ("content/x.md~", False),
        ("content/.x.md.swp", False),
        ("content/x.md.swp", False),
        ("content/x.md.swx", False),
        ("content/x.md.tmp", False),
        ("content/4913", False),
        ("content/.#x.md", False),
        ("content/#x.md#", False),
        ("README.md", False),
        ("digest.toml~", False),
        ("other/content/x.md", False),
        ("content/../x.md", False),
    ],
)
def test_is_source_path(rel, wanted):
    assert is_source_path(rel) is wanted


def test_debouncer_coalesces_a_burst_into_one_batch():
    debouncer = Debouncer(quiet=0.1, max_wait=5.0)

    def burst() -> None:
        for i in range(1000):
            debouncer.add(f"content/{i}.md", "created")

    thread = threading.Thread(target=burst)
    thread.start()
    batch = debouncer.take(timeout=DEADLINE)
    thread.join()
    assert len(batch) == 1000
    assert debouncer.take(timeout=0.3) == {}


def test_debouncer_waits_for_quiet():
    debouncer = Debouncer(quiet=0.2, max_wait=5.0)
    debouncer.add("content/a.md")
    started = time.monotonic()
    time.sleep(0.1)
    debouncer.add("content/b.md")
    batch = debouncer.take(timeout=DEADLINE)
    assert list(batch) == ["content/a.md", "content/b.md"]
    assert time.monotonic() - started >= 0.25  # 0.1 + 0.2 quiet, less clock slack


@pytest.mark.slow  # seconds of watching
def test_debouncer_max_wait_under_a_continuous_stream():
    debouncer = Debouncer(quiet=0.2, max_wait=0.5)
    stop = threading.Event()
    results: queue.Queue[tuple[float, int]] = queue.Queue()

    def stream() -> None:
        i = 0
        while not stop.is_set():
            debouncer.add(f"content/{i}.md")
            i += 1
            time.sleep(0.01)

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        started = time.monotonic()
        for _ in range(2):
            batch = debouncer.take(timeout=DEADLINE)
            results.put((time.monotonic() - started, len(batch)))
    finally:
        stop.set()
        thread.join()
    first, _count = results.get()
    assert first < 0.5 + 1.0  # max_wait, with room for a slow machine; never "until quiet"


def test_debouncer_keeps_created_over_a_later_change_and_closes():
    debouncer = Debouncer(quiet=0.01)
    debouncer.add("content/a.md", "created")
    debouncer.add("content/a.md", "changed")
    debouncer.add("content/b.md", "changed")
    debouncer.add("content/b.md", "deleted")
    assert debouncer.take(timeout=1) == {"content/a.md": "created", "content/b.md": "deleted"}
    debouncer.close()
    started = time.monotonic()
    assert debouncer.take(timeout=5) == {}
    assert time.monotonic() - started < 1


def test_describe():
    assert describe({"content/a.md": "changed"}) == "content/a.md changed"
    assert (
        describe({"content/a.md": "created", "static/x.css": "deleted"})
        == "content/a.md created, static/x.css deleted"
    )
    many = {f"content/{i}.md": "created" for i in range(1000)}
    assert describe(many) == "content/0.md created and 999 more"


class FakeBuild:
    """Stands in for ``build``: counts calls, fails when told to."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail: DigestError | None = None

    def __call__(self, options: BuildOptions, first: bool) -> BuildResult:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return BuildResult(pages=3, written=["index.html"], removed=[])


def make_watcher(tmp_path: Path) -> tuple[Watcher, FakeBuild, io.StringIO, io.StringIO]:
    fake = FakeBuild()
    out, err = io.StringIO(), io.StringIO()
    watcher = Watcher(BuildOptions(root=tmp_path), out=out, err=err, builder=fake, quiet=0.01)
    return watcher, fake, out, err


def test_watcher_filters_events_and_rebuilds_once_per_batch(tmp_path):
    watcher, fake, out, _err = make_watcher(tmp_path)
    root = str(tmp_path)
    ignored = [
        FileOpenedEvent(f"{root}/content/a.md"),  # the build reading its sources
        FileClosedNoWriteEvent(f"{root}/content/a.md"),
        DirModifiedEvent(f"{root}/content"),
        FileModifiedEvent(f"{root}/site/index.html"),
        FileCreatedEvent(f"{root}/content/.a.md.swp"),
        FileModifiedEvent(f"{root}/digest.toml.bak"),
        FileModifiedEvent("/elsewhere/content/a.md"),
    ]
    assert watcher.process(ignored) is None
    assert fake.calls == 0

    events = [
        FileCreatedEvent(f"{root}/content/a.md"),
        FileModifiedEvent(f"{root}/content/a.md"),
        FileClosedEvent(f"{root}/content/a.md"),
        FileMovedEvent(f"{root}/content/b.md.tmp", f"{root}/content/b.md"),
        FileDeletedEvent(f"{root}/static/old.css"),
        DirMovedEvent(f"{root}/content/x", f"{root}/content/y"),
        FileMovedEvent(f"{root}/content/c.md", f"{root}/parked/c.md"),
    ]
    assert watcher.process(events) is not None
    assert fake.calls == 1
    line = out.getvalue().strip()
    assert re.fullmatch(
        r"rebuilt in \d+ ms: 1 written, 0 removed \(content/a\.md created and 4 more\)", line
    )


def test_watcher_reports_errors_and_recovers(tmp_path):
    seen: list[tuple[BuildResult | None, int]] = []
    watcher, fake, out, err = make_watcher(tmp_path)
    watcher.on_build = lambda result, errors: seen.append((result, len(errors)))
    fake.fail = DigestError.at("content/a.md", 4, "date: 'Nov 17' is not a date")
    watcher.process([FileModifiedEvent(f"{tmp_path}/content/a.md")])
    assert watcher.failed
    assert err.getvalue().splitlines()[0] == "content/a.md:4: error: date: 'Nov 17' is not a date"
    assert "rebuild failed" in err.getvalue()
    assert out.getvalue() == ""

    fake.fail = None
    watcher.process([FileModifiedEvent(f"{tmp_path}/content/a.md")])
    assert not watcher.failed
    assert out.getvalue().startswith("rebuilt in ")
    assert [(r is None, n) for r, n in seen] == [(True, 1), (False, 0)]
