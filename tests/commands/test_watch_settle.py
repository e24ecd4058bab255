"""After ``watch`` or ``serve``, a ``digest build`` with nothing changed since has nothing to
do: the idle flush records the input snapshot the output answers to, once no change came
within ``SETTLE`` of it. A change on its way, or made after, still gets the site planned,
and the output is a clean build's either way."""

from __future__ import annotations

import io
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import article, tree
from watchdog.events import FileCreatedEvent

import digest.commands.build as build_module
from digest.commands import watch
from digest.commands.build import BuildOptions, build
from digest.commands.watch import Watcher

NEW = "content/2013/11/17/harbour-fog.md"
NEW_TEXT = article("Fog in the harbour", body="Every ferry stayed in port until noon.")


def _clean(root: Path) -> dict[str, bytes]:
    clean = root.parent / "clean-build"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    return tree(clean)


def _watched_new_file(root: Path) -> Watcher:
    """A watcher after its first build and the rebuild of one new article file."""
    watcher = Watcher(BuildOptions(root=root), quiet=0.0, out=io.StringIO(), err=io.StringIO())
    watcher.first_build()
    (root / NEW).write_text(NEW_TEXT)
    watcher.event(FileCreatedEvent(str(root / NEW)))
    watcher._rebuild(watcher.debouncer.take(timeout=0))
    assert watcher.session.replanned == 1 and watcher.session.unsaved
    return watcher


def _planned(monkeypatch: pytest.MonkeyPatch, root: Path) -> bool:
    """Whether ``digest build`` plans the site (else it found nothing to do)."""
    called: list[bool] = []
    prepare = build_module.prepare

    def spy(*args, **kwargs):
        called.append(True)
        return prepare(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(build_module, "prepare", spy)
        result = build(BuildOptions(root=root))
    assert result.warnings == []
    return bool(called)


def test_after_an_idle_flush_a_build_has_nothing_to_do(fixture_site, monkeypatch):
    monkeypatch.setattr(watch, "SETTLE", 0.05)
    watcher = _watched_new_file(fixture_site)
    watcher.flush(settle=True)
    assert not watcher.session.unsaved
    assert not _planned(monkeypatch, fixture_site)
    assert tree(fixture_site / "site") == _clean(fixture_site)
    # An edit after the session is seen by the build after it.
    (fixture_site / NEW).write_text(NEW_TEXT.replace("noon", "one o'clock"))
    assert _planned(monkeypatch, fixture_site)
    assert (
        "one o&#39;clock" in (fixture_site / "site/2013/11/17/harbour-fog/index.html").read_text()
    )
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_change_within_the_settling_time_leaves_the_next_build_to_plan(fixture_site, monkeypatch):
    monkeypatch.setattr(watch, "SETTLE", 2.0)
    watcher = _watched_new_file(fixture_site)
    # The change the watcher hears of while the flush settles (its rebuild never came).
    other = fixture_site / "content/2013/11/17/gas-prices.md"
    other.write_text(other.read_text() + "\nA later paragraph.\n")
    timer = threading.Timer(0.05, watcher.debouncer.add, ("content/2013/11/17/gas-prices.md",))
    timer.start()
    watcher.flush(settle=True)  # returns as soon as the change is recorded
    timer.join()
    assert _planned(monkeypatch, fixture_site)
    page = fixture_site / "site/2013/11/17/gas-prices/index.html"
    assert "A later paragraph." in page.read_text()
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_the_flush_at_the_end_records_no_snapshot(fixture_site, monkeypatch):
    watcher = _watched_new_file(fixture_site)
    watcher.flush()  # Ctrl-C: no time to settle
    assert _planned(monkeypatch, fixture_site)
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_change_met_while_the_flush_walks_the_content_stops_the_walk(fixture_site, monkeypatch):
    from digest.pipeline import discover

    monkeypatch.setattr(watch, "SETTLE", 2.0)
    watcher = _watched_new_file(fixture_site)
    walked: list[str] = []
    real = discover.os.scandir

    def scandir(folder):  # the change comes while the first folders are read
        walked.append(folder)
        if len(walked) == 2:
            watcher.debouncer.add("content/2013/11/17/gas-prices.md")
        return real(folder)

    monkeypatch.setattr(discover.os, "scandir", scandir)
    started = time.perf_counter()
    watcher.flush(settle=True)
    assert time.perf_counter() - started < 1.0  # not the settling time: stopped at once
    assert len(walked) == 2  # no folder read after it
    monkeypatch.undo()
    assert _planned(monkeypatch, fixture_site)
