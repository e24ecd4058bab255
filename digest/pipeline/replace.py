"""Replace: one file of the output replaced atomically, in this process or in a process of
its own that ``watch`` and ``serve`` keep for their rebuilds.

A rebuild in ``watch`` renders its dozens of pages in one process. Replacing a file is a
handful of system calls (the same-bytes check, open, write, stat, close, rename: ~0.5 ms on
ext4, whose rename over an old file writes the new one's blocks), and a thread of the
rendering process gets the interpreter back only once a switch interval after each of them,
so most files were written after the last page, a fifth of a rebuild. A process of its own
writes each file while the next page renders: it is sent the target and the bytes over a
pipe (one system call a page here) and answers each with what it did, in order.

This module imports the standard library only: it is also the writing process's program,
started as ``python -S replace.py`` (no site, none of digest's imports), once per session.
"""

from __future__ import annotations

import contextlib
import os
import select
import struct
import subprocess
import sys
import weakref
from collections import deque
from pathlib import Path

try:
    import fcntl
except ImportError:  # not a POSIX system: this process writes (``ReplaceProcess._start``)
    fcntl = None  # type: ignore[assignment]

Written = tuple[int, int]
"""A file's size and mtime (ns), as ``incremental.manifest`` keeps them."""

_ASK = struct.Struct("<cII")  # b"W" (target, data lengths follow) or b"B" (a new batch)
_ANSWER = struct.Struct("<Bqq")  # what, size or errno, mtime or the message's length
_SAME, _WROTE, _FAILED, _SKIPPED = range(4)
PIPE_BYTES = 1 << 20
"""Asked of the pipe to the process (Linux's unprivileged maximum by default): a rebuild's
pages fit in it, so sending one never waits for the process to catch up."""


def same(current: Path | str, data: bytes) -> bool:
    """Whether the file at ``current`` holds exactly ``data`` (False when there is none)."""
    try:
        if os.stat(current).st_size != len(data):
            return False
        with open(current, "rb") as handle:
            return handle.read() == data
    except OSError:
        return False


def replace_file(target: Path | str, data: bytes) -> Written | None:
    """Replace ``target`` with ``data`` atomically (a reader sees the old file or the new
    one, whole) unless it holds these bytes already (None); else the new file's size and
    mtime. Its folder is made only when the file cannot be opened without it."""
    if same(target, data):
        return None
    folder, name = os.path.split(os.fspath(target))
    tmp = os.path.join(folder, f".{name}.tmp-{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
    try:
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileNotFoundError:  # a new folder (most pages have theirs)
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, flags, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            info = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return info.st_size, info.st_mtime_ns


class ReplaceProcess:
    """The writing process, started when first sent a file. ``begin`` a batch, ``send``
    each file, then ``results``: what ``replace_file`` returned for each file, in the order
    sent, or the batch's first error raised (once every file sent is done; the files sent
    after it are left alone, as a write after a failure is). ``failure`` tells an error as
    soon as it has come back. When the process cannot start, ends or its pipe breaks, the
    files not answered yet and every later one are replaced in this process, as before it:
    a file the process replaced without answering is then found to hold its bytes already
    (and counted as unchanged)."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self.gone = False
        """The process ended or never started: this process writes."""
        self._buffer = b""
        self._answers: list[Written | None] = []
        self._sent: deque[tuple[str, bytes]] = deque()
        """The files sent and not answered yet, to write here if the process goes."""
        self._error: BaseException | None = None

    def begin(self) -> None:
        """A new batch: a failure of the last one no longer holds the files back."""
        self._error = None
        self._answers = []
        self._buffer = b""
        if not self.gone and self._proc is not None:
            self._ask(b"B", b"", b"")

    def send(self, target: Path | str, data: bytes) -> None:
        if self.gone:
            self._here(os.fspath(target), data)
            return
        path = os.fspath(target)
        self._sent.append((path, data))
        if self._ask(b"W", os.fsencode(path), data):
            self._read(block=False)

    def failure(self) -> BaseException | None:
        """The batch's first error, if it has come back by now."""
        self._read(block=False)
        return self._error

    def results(self) -> list[Written | None]:
        """Each file's answer, in the order sent, once all are in; raises the batch's first
        error instead, if any."""
        while self._sent and not self.gone:
            self._read(block=True)
        answers, self._answers = self._answers, []
        if self._error is not None:
            raise self._error
        return answers

    def _start(self) -> subprocess.Popen[bytes] | None:
        if fcntl is None:  # (pipes that ``select`` can wait on, and non-blocking reads)
            return None
        try:
            # -I: none of the environment's or the script folder's modules; -S: no site.
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError:
            return None
        assert proc.stdin is not None and proc.stdout is not None
        if hasattr(fcntl, "F_SETPIPE_SZ"):
            with contextlib.suppress(OSError):  # a smaller pipe only means waiting at times
                fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        os.set_blocking(proc.stdout.fileno(), False)
        weakref.finalize(self, _stop, proc)
        self._proc = proc
        return proc

    def _ask(self, what: bytes, raw: bytes, data: bytes) -> bool:
        """Send one request; False when the process is gone (its files were written here)."""
        proc = self._proc if self._proc is not None else self._start()
        if proc is None or proc.stdin is None:
            self._go()
            return False
        parts = [_ASK.pack(what, len(raw), len(data)), raw, data]
        fd = proc.stdin.fileno()
        try:
            done = os.writev(fd, parts)
            total = sum(map(len, parts))
            if done < total:  # a full pipe: the rest as the process drains it
                rest = memoryview(b"".join(parts))[done:]
                while rest:
                    rest = rest[os.write(fd, rest) :]
        except OSError:  # it ended: this process writes
            self._go()
            return False
        return True

    def _read(self, block: bool) -> None:
        """Take in the answers there are (``block``: at least one more)."""
        proc = self._proc
        if proc is None or proc.stdout is None or not self._sent or self.gone:
            return
        fd = proc.stdout.fileno()
        while self._sent:
            try:
                if block:
                    select.select([fd], [], [])
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self._go()
                return
            self._buffer += chunk
            self._parse()
            if block:
                return

    def _parse(self) -> None:
        buffer, at = self._buffer, 0
        while self._sent and len(buffer) - at >= _ANSWER.size:
            what, first, second = _ANSWER.unpack_from(buffer, at)
            end = at + _ANSWER.size + (second if what == _FAILED else 0)
            if len(buffer) < end:
                break
            message = buffer[at + _ANSWER.size : end]
            at = end
            self._sent.popleft()
            if what == _WROTE:
                self._answers.append((first, second))
            elif what == _FAILED:
                self._answers.append(None)
                if self._error is None:
                    self._error = _error_of(first, message.decode("utf-8", "surrogateescape"))
            else:  # the same bytes, or skipped after a failure
                self._answers.append(None)
        self._buffer = buffer[at:]

    def _go(self) -> None:
        """The process is gone: the files it did not answer are written here, in order."""
        self.gone = True
        left = list(self._sent)
        self._sent.clear()
        for target, data in left:
            self._here(target, data)

    def _here(self, target: str, data: bytes) -> None:
        if self._error is not None:
            self._answers.append(None)  # after a failure, as the process does
            return
        try:
            self._answers.append(replace_file(target, data))
        except Exception as exc:
            self._answers.append(None)
            self._error = exc


def _error_of(number: int, message: str) -> BaseException:
    """The process's report of an error as this process's exception: an ``OSError`` with
    its number, text and file name as raised there; anything else as a ``RuntimeError``."""
    kind, _, rest = message.partition("\0")
    text, _, filename = rest.partition("\0")
    if number:
        return OSError(number, text, filename or None)
    return RuntimeError(f"writing {filename}: {kind}: {text}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the process: it leaves when its input ends."""
    for stream in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _read_exactly(fd: int, count: int) -> bytes:
    parts = []
    while count:
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        count -= len(chunk)
    return b"".join(parts)


def serve(ask: int = 0, answer: int = 1) -> None:
    """The writing process: a file replaced for each ``W`` read from ``ask``, its answer
    written to ``answer``, until ``ask`` ends. After a failure, the rest of the batch is
    skipped (answered as such) until the next ``B``."""
    failed = False
    while True:
        try:
            what, size, length = _ASK.unpack(_read_exactly(ask, _ASK.size))
            raw, data = _read_exactly(ask, size), _read_exactly(ask, length)
        except EOFError:
            return
        if what == b"B":
            failed = False
            continue
        target = os.fsdecode(raw)
        if failed:
            os.write(answer, _ANSWER.pack(_SKIPPED, 0, 0))
            continue
        try:
            written = replace_file(target, data)
        except Exception as exc:
            failed = True
            is_os = isinstance(exc, OSError)
            number = (exc.errno or 0) if is_os else 0
            text = (exc.strerror or str(exc)) if is_os else str(exc)
            name = exc.filename if is_os and exc.filename else target
            message = f"{type(exc).__name__}\0{text}\0{name}".encode("utf-8", "surrogateescape")
            os.write(answer, _ANSWER.pack(_FAILED, number, len(message)) + message)
            continue
        if written is None:
            os.write(answer, _ANSWER.pack(_SAME, 0, 0))
        else:
            os.write(answer, _ANSWER.pack(_WROTE, *written))


if __name__ == "__main__":
    serve()
