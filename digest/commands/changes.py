"""Which file events matter to ``watch`` and how a burst of them becomes
one batch (the debouncer).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from watchdog.events import (
    EVENT_TYPE_ATTRIB,
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
)

from digest.config import CONFIG_NAME
from digest.pipeline.assets import WELL_KNOWN

WATCHED_DIRS = ("content", "templates", "static", "strings")
"""Folders of the site project whose files are inputs of the build (DESIGN section 2)."""

QUIET = 0.02
"""Seconds without a new event before a batch is rebuilt: long enough to catch an editor's
write-then-rename save in one batch (its events come within a few milliseconds), short
enough not to count against the edit-to-page budget (150 ms on a 10,000-article site). A
save split in two batches all the same costs a second rebuild, not a wrong page."""
MAX_WAIT = 1.0
"""Longest a batch waits under a continuous stream of events, so a long burst still shows
progress instead of waiting for silence that never comes."""

_EDITOR_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".part", ".crdownload")
_EDITOR_NAMES = {"4913"}  # vim probes whether it may create files with this name

INTERESTING_EVENTS = {
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_ATTRIB,
}
"""Opened and closed-without-writing are left out: the build itself opens every source,
and reacting to that would rebuild forever."""

EVENT_VERBS = {
    EVENT_TYPE_CREATED: "created",
    EVENT_TYPE_DELETED: "deleted",
}


def is_editor_litter(name: str) -> bool:
    """Swap, backup and lock files that editors write next to the file being edited."""
    return (
        name.startswith(".")
        or name in _EDITOR_NAMES
        or name.endswith(_EDITOR_SUFFIXES)
        or (name.startswith("#") and name.endswith("#"))
    )


def is_source_path(rel: str) -> bool:
    """Whether a path (posix, relative to the site root) is an input of the build.

    ``digest.toml`` and anything under ``content/``, ``templates/``, ``static/`` or
    ``strings/`` (the site's theme words), except
    hidden files and folders (``.git``, ``.digest-cache``, ``.#lock`` files) and editor litter.
    """
    if not rel or rel.startswith("/"):
        return False
    parts = rel.split("/")
    if parts == [CONFIG_NAME]:
        return True
    if parts[0] not in WATCHED_DIRS or ".." in parts:
        return False
    # static/.well-known/ is published (digest.pipeline.assets.static_assets), so it is an input.
    named = parts[2:] if parts[:2] == ["static", WELL_KNOWN] else parts
    return not any(is_editor_litter(part) for part in named)


class Debouncer:
    """Collects changed paths from any thread; ``take`` hands them over as one batch once
    they have been quiet for ``quiet`` seconds, or ``max_wait`` after the first of them."""

    def __init__(
        self,
        quiet: float = QUIET,
        max_wait: float = MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.max_wait = max_wait
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[str, str] = {}
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self.added = 0
        """Changes recorded so far, ever: ``quiet_since`` tells whether one came since."""

    def add(self, path: str, what: str = "changed") -> None:
        """Record one change; a later ``changed`` does not hide an earlier ``created``."""
        with self._cond:
            now = self._clock()
            if not self._pending:
                self._first = now
            self._last = now
            self.added += 1
            if not (what == "changed" and path in self._pending):
                self._pending[path] = what
            self._cond.notify_all()

    def close(self) -> None:
        """Wake ``take`` for good, so a watcher being stopped does not wait out a timeout."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def quiet_since(self, mark: int, seconds: float) -> bool:
        """Wait ``seconds``; whether no change was recorded since ``added`` was ``mark``
        (False as soon as one is, or the debouncer is closed)."""
        with self._cond:
            deadline = self._clock() + seconds
            while self.added == mark and not self._closed:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return True
                self._cond.wait(remaining)
            return False

    def take(self, timeout: float | None = None) -> dict[str, str]:
        """The next batch (path -> what happened, in order of first change); empty when
        ``timeout`` passed without any change, or the debouncer was closed."""
        with self._cond:
            deadline = None if timeout is None else self._clock() + timeout
            while not self._pending:
                if self._closed:
                    return {}
                remaining = None if deadline is None else deadline - self._clock()
                if remaining is not None and remaining <= 0:
                    return {}
                self._cond.wait(remaining)
            while not self._closed:
                due = min(self._last + self.quiet, self._first + self.max_wait)
                remaining = due - self._clock()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch, self._pending = self._pending, {}
            return batch


def describe(changes: dict[str, str], limit: int = 2) -> str:
    """``content/a.md changed`` / ``content/a.md created, static/x.css deleted`` /
    ``content/a.md changed and 999 more``: what a rebuild was for, in one short phrase."""
    items = [f"{path} {what}" for path, what in changes.items()]
    if len(items) <= limit:
        return ", ".join(items)
    return f"{items[0]} and {len(items) - 1} more"
