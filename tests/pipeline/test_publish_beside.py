"""A one-process publish writes each file in a thread while the next page renders
(``publish._writing_beside``): the files land in order, all before it returns, and a write
that fails is raised as a write of its own would be."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import StubRenderer

from digest.pipeline import publish
from digest.pipeline.pages import Page


class _Renderer(StubRenderer):
    def __init__(self, wait_for: threading.Event | None = None) -> None:
        super().__init__()
        self.wait_for = wait_for

    def render(self, page: Page) -> bytes:
        if self.wait_for is not None and len(self.rendered) == 3:
            # The page after the failing one: once its write failed (and the failure was
            # told to the publish, a step later in the writing thread).
            self.wait_for.wait(10)
            time.sleep(0.05)
        return super().render(page)


class _Writer:
    def __init__(self, fail_at: str | None = None) -> None:
        self.files: list[str] = []
        self.threads: set[str] = set()
        self.fail_at = fail_at
        self.failed = threading.Event()

    def write_file(self, path: str, data: bytes) -> tuple[int, int]:
        time.sleep(0.002)  # a file system's wait
        self.threads.add(threading.current_thread().name)
        if path == self.fail_at:
            self.failed.set()
            raise OSError(28, "No space left on device", path)
        self.files.append(path)
        return len(data), 0


PAGES = [Page(f"p{i}/index.html", f"/p{i}/", "page.html") for i in range(12)]


def test_every_file_is_written_in_order_before_it_returns():
    renderer, writer = _Renderer(), _Writer()
    todo = [3, 1, 7, 0, 11]
    done = publish._writing_beside(PAGES, todo, renderer, writer, None)
    assert writer.files == [PAGES[i].path for i in todo]
    assert [d.wrote for d in done] == [(len(PAGES[i].path), 0) for i in todo]
    assert writer.threads and threading.current_thread().name not in writer.threads


def test_a_failed_write_is_raised_and_stops_the_rendering():
    writer = _Writer(fail_at=PAGES[2].path)
    renderer = _Renderer(wait_for=writer.failed)
    with pytest.raises(OSError, match="No space left"):
        publish._writing_beside(PAGES, list(range(12)), renderer, writer, None)
    assert writer.files == [PAGES[0].path, PAGES[1].path]  # the ones before it, no later one
    assert renderer.rendered == [page.path for page in PAGES[:4]]  # none once it is known
