"""The writing process of ``watch``'s rebuilds (``pipeline.replace``): a one-process publish
hands each page's bytes to it and goes on rendering; every file lands whole, in order, before
the publish returns, with the size and mtime a stat gives; a failure is raised as this
process's own write would raise it, and a process that cannot start or goes away leaves
the writing to this process, with the same files."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from conftest import StubRenderer

from digest.pipeline import publish, replace, write
from digest.pipeline.pages import Page
from digest.pipeline.replace import ReplaceProcess, replace_file
from digest.pipeline.write import InPlaceWriter


class _Renderer(StubRenderer):
    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def data(self, page: Page) -> bytes:
        return f"<p>{page.path}{self.text}</p>\n".encode() * 2000  # ~60 KB: fills a pipe


PAGES = [Page(f"p{i}/index.html", f"/p{i}/", "page.html") for i in range(12)]


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _publish(output: Path, replacer: ReplaceProcess, todo: list[int], text: str = ""):
    writer = InPlaceWriter(output, previous=(), replacer=replacer)
    renderer = _Renderer(text)
    return publish._writing_beside(PAGES, todo, renderer, writer, None), renderer


@pytest.fixture
def replacer():
    process = ReplaceProcess()
    yield process
    if process._proc is not None:
        replace._stop(process._proc)


def test_replace_file_replaces_atomically_and_leaves_the_same_bytes(tmp_path):
    target = tmp_path / "new" / "index.html"
    assert replace_file(target, b"one") == _stat(target)  # its folder made
    before = _stat(target)
    assert replace_file(target, b"one") is None
    assert _stat(target) == before  # not touched
    assert replace_file(target, b"two!") == _stat(target)
    assert target.read_bytes() == b"two!"
    assert sorted(p.name for p in target.parent.iterdir()) == ["index.html"]  # no temporary


def test_the_process_writes_every_file_in_order_before_the_publish_returns(
    tmp_path, replacer, monkeypatch
):
    def not_here(*_args):
        raise AssertionError("written in the rendering process")

    # This process's replacing, by the writer or as the process's stand-in: not the child's.
    monkeypatch.setattr(replace, "replace_file", not_here)
    monkeypatch.setattr(write, "replace_file", not_here)
    todo = [3, 1, 7, 0, 11]
    done, renderer = _publish(tmp_path, replacer, todo)
    assert renderer.rendered == [PAGES[i].path for i in todo]
    for i, result in zip(todo, done, strict=True):
        path = tmp_path / PAGES[i].path
        assert path.read_bytes() == renderer.data(PAGES[i])
        assert result.wrote == _stat(path)
    assert replacer._proc is not None and replacer._proc.poll() is None and not replacer.gone
    # The same bytes again: answered unchanged, the files untouched.
    before = [_stat(tmp_path / PAGES[i].path) for i in todo]
    done, _ = _publish(tmp_path, replacer, todo)
    assert [d.wrote for d in done] == [None] * len(todo)
    assert [_stat(tmp_path / PAGES[i].path) for i in todo] == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp-" in p.name]


def test_a_failed_write_is_raised_as_its_own_and_the_later_files_are_left(tmp_path, replacer):
    (tmp_path / "p2").write_text("a file where the page needs a folder")
    with pytest.raises(NotADirectoryError) as raised:
        _publish(tmp_path, replacer, list(range(12)))
    assert raised.value.errno == errno.ENOTDIR
    assert raised.value.filename.startswith(str(tmp_path / "p2"))
    assert (tmp_path / "p1/index.html").is_file()  # the ones before it are done
    assert not any((tmp_path / page.path).exists() for page in PAGES[3:])  # none after
    # The next batch is not held back by the last one's failure.
    (tmp_path / "p2").unlink()
    done, _ = _publish(tmp_path, replacer, [2, 3])
    assert [d.wrote for d in done] == [_stat(tmp_path / PAGES[i].path) for i in (2, 3)]


def test_a_render_that_fails_is_raised_once_the_files_sent_are_written(tmp_path, replacer):
    class Failing(_Renderer):
        def render(self, page: Page) -> bytes:
            if page is PAGES[4]:
                raise ValueError("a template's error")
            return super().render(page)

    writer = InPlaceWriter(tmp_path, previous=(), replacer=replacer)
    with pytest.raises(ValueError, match="template's error"):
        publish._writing_beside(PAGES, list(range(8)), Failing(), writer, None)
    assert all((tmp_path / page.path).is_file() for page in PAGES[:4])
    assert not replacer._sent  # nothing left in flight when it was raised


def test_a_process_that_ends_leaves_the_writing_to_this_process(tmp_path, replacer):
    done, _ = _publish(tmp_path, replacer, [0, 1])
    assert replacer._proc is not None
    replacer._proc.kill()
    replacer._proc.wait()
    done, renderer = _publish(tmp_path, replacer, [0, 1, 2, 3, 4], text=" again")
    assert replacer.gone
    for i, result in zip(range(5), done, strict=True):
        path = tmp_path / PAGES[i].path
        assert path.read_bytes() == renderer.data(PAGES[i])
        assert result.wrote == _stat(path)


def test_no_process_to_start_means_this_process_writes(tmp_path, replacer, monkeypatch):
    monkeypatch.setattr(replace.sys, "executable", str(tmp_path / "no-python"))
    done, renderer = _publish(tmp_path, replacer, [5, 6])
    assert replacer.gone and replacer._proc is None
    assert [d.wrote for d in done] == [_stat(tmp_path / PAGES[i].path) for i in (5, 6)]
    assert (tmp_path / PAGES[6].path).read_bytes() == renderer.data(PAGES[6])


def test_the_process_ends_with_its_session():
    process = ReplaceProcess()
    process.begin()
    process.send(os.devnull, b"")  # /dev/null holds no bytes: answered unchanged
    assert process.results() == [None]
    proc = process._proc
    assert proc is not None and proc.poll() is None
    del process  # its input closed: it leaves
    assert proc.wait(timeout=10) == 0


def test_without_posix_pipes_this_process_writes(tmp_path, replacer, monkeypatch):
    monkeypatch.setattr(replace, "fcntl", None)  # as on a system without them
    done, _ = _publish(tmp_path, replacer, [1, 2])
    assert replacer.gone and replacer._proc is None
    assert [d.wrote for d in done] == [_stat(tmp_path / PAGES[i].path) for i in (1, 2)]
