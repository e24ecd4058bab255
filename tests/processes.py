"""Driving ``digest watch`` and ``digest serve`` in a subprocess, for the command and browser
tests: the process, its output line by line, polling, HTTP requests to the server.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, article

DEADLINE = 20.0
"""Seconds to wait for something that should take milliseconds: a loaded CI machine is slow,
and a deadline only costs time when the test fails anyway."""


# -- the command in a subprocess --------------------------------------------------------------


class DigestProcess:
    """``python -m digest ARGS`` running in the background, its output read line by line
    on threads so a test can wait for a line with a deadline instead of sleeping."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "digest", *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
        )
        self.out: list[str] = []
        self.out_times: list[float] = []
        """When each stdout line arrived (``time.monotonic``), to measure latencies."""
        self.err: list[str] = []
        self._new = threading.Condition()
        self._closed = 0
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: io.TextIOBase, lines: list[str]) -> None:
        for line in stream:
            with self._new:
                lines.append(line.rstrip("\n"))
                if lines is self.out:
                    self.out_times.append(time.monotonic())
                self._new.notify_all()
        with self._new:
            self._closed += 1
            self._new.notify_all()

    def mark(self) -> tuple[int, int]:
        """Where stdout and stderr are now, to wait for lines printed after this point."""
        with self._new:
            return len(self.out), len(self.err)

    def wait_line(
        self, pattern: str, since: tuple[int, int] = (0, 0), stream: str = "out", timeout=DEADLINE
    ) -> re.Match[str]:
        """The first line after ``since`` matching ``pattern``; fails after ``timeout``."""
        lines = self.out if stream == "out" else self.err
        start = since[0] if stream == "out" else since[1]
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._new:
            while True:
                for line in lines[start:]:
                    if m := regex.search(line):
                        return m
                start = len(lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed == 2:  # out of time, or the process ended
                    break
                self._new.wait(min(remaining, 0.2))
        pytest.fail(
            f"no line matching {pattern!r} on std{stream} within {timeout} s\n"
            f"stdout:\n{chr(10).join(self.out)}\nstderr:\n{chr(10).join(self.err)}"
        )

    def lines_since(self, since: tuple[int, int], stream: str = "out") -> list[str]:
        with self._new:
            return (self.out if stream == "out" else self.err)[since[0 if stream == "out" else 1] :]

    def interrupt(self, timeout: float = 10) -> tuple[int, float]:
        """Ctrl-C: SIGINT, then the exit status and how long the exit took."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        return code, time.monotonic() - started

    def stop(self) -> None:
        """Always called (``finally``/``with``): no process outlives its test."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> DigestProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(check: Callable[[], object], timeout: float = DEADLINE, what: str = "") -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or check}")
        time.sleep(0.02)


def text(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


NEWS_TOML = 'title = "Serve Test"\nbase_url = "https://example.org/news/"\n'


def serve_site(make_site, toml: str = NEWS_TOML) -> Path:  # type: ignore[no-untyped-def]
    return make_site(
        {
            "digest.toml": toml,
            "content/2013/11/17/alpha.md": article("Alpha story", topics="[Syria]"),
            "content/2013/11/17/beta.md": article("Beta story", topics="[Syria]"),
        }
    )


class Served:
    """A running ``digest serve`` and plain HTTP requests to it, paths sent as they are."""

    def __init__(self, proc: DigestProcess, root: Path) -> None:
        self.proc = proc
        self.root = root
        line = proc.wait_line(
            r"^serving (.+) at (http://127\.0\.0\.1:(\d+)(/\S*))  \(Ctrl-C to stop\)$"
        )
        self.url = line.group(2)
        self.port = int(line.group(3))
        self.base = line.group(4)

    def get(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def events(self, query: str = "") -> EventStream:
        return EventStream(self.port, "/__digest/events" + (f"?{query}" if query else ""))


class EventStream:
    """A Server-Sent Events client good enough for tests: ``next()`` is the next message."""

    def __init__(self, port: int, path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        self.conn.request("GET", path)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self) -> tuple[str, dict]:  # type: ignore[type-arg]
        """(id, data) of the next message; comments and ``retry`` lines are skipped."""
        event_id, data = "", []
        while True:
            line = self.response.fp.readline().decode()
            if not line:
                raise EOFError("event stream closed")
            line = line.rstrip("\n")
            if line == "" and data:
                return event_id, json.loads("\n".join(data))
            if line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])

    def close(self) -> None:
        self.conn.close()
