"""A progress bar on one terminal line, for long imports and builds."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """``[####......] 1234/10000`` on one updating terminal line, at most ~10 updates/s.

    Only when the stream is a terminal, and only once ``delay`` seconds have passed (a
    quick run shows no bar); messages printed meanwhile scroll above the bar.
    """

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, stream: TextIO, total: int, delay: float = 0.0) -> None:
        self.enabled = isatty(stream)
        self.stream = stream
        self.total = total
        self.done = 0
        self.last = 0.0
        self.shown = False
        self.start = time.monotonic() + delay

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if not self.enabled or self.total <= 0:
            return
        now = time.monotonic()
        if now < self.start:
            return
        if now - self.last >= self.INTERVAL or done == self.total:
            self.last = now
            self._draw()

    def _draw(self) -> None:
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
        self.stream.flush()
        self.shown = True

    def print(self, line: str, stream: TextIO) -> None:
        """Print ``line`` on ``stream`` without tearing the bar."""
        hide = self.shown and (stream is self.stream or isatty(stream))
        if hide:
            self.clear()
        print(line, file=stream)
        if hide:
            stream.flush()
            self._draw()

    def clear(self) -> None:
        """Erase the bar, leaving the cursor at the start of an empty line."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
