"""Watch: build, then rebuild on every saved change until Ctrl-C.

Three small parts, each testable alone:

- ``is_source_path`` decides which file events matter: the site's inputs (``digest.toml``,
  ``content/``, ``templates/``, ``static/``), never the output, the cache, hidden files or
  an editor's swap and backup files. Reacting to our own output would rebuild forever.
- ``Debouncer`` coalesces a burst of events (an editor's save-by-rename, a ``git checkout``,
  an import of a thousand files) into one batch: it waits until the events have been quiet
  for a moment, but never longer than ``max_wait`` under a continuous stream, so one burst
  makes one or two rebuilds, not a thousand.
- ``Watcher`` ties watchdog's observer to the debouncer and rebuilds in one place,
  ``_rebuild``, printing one line per rebuild, or the errors, and carrying on either way:
  a failed build leaves the last good output in place, and the next save tries again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from watchdog.events import (
    EVENT_TYPE_ATTRIB,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from digest.commands.build import BuildOptions, BuildResult, input_snapshot_of
from digest.commands.changes import (
    EVENT_VERBS,
    INTERESTING_EVENTS,
    MAX_WAIT,
    QUIET,
    WATCHED_DIRS,
    Debouncer,
    describe,
    is_source_path,
)
from digest.commands.patch import Session
from digest.errors import Diagnostic, DigestError
from digest.pipeline.discover import Stopped, discover

EXIT_ERRORS = 1
EXIT_USAGE = 2

SETTLE = 0.75
"""Seconds after an idle flush's input snapshot in which no change may come for the flush
to record it: more than any event's way to the debouncer, the longest being watchdog's
(it holds the first half of a rename half a second, to pair it with the second)."""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


BuildListener = Callable[[BuildResult | None, list[Diagnostic]], None]
"""Told after every build: the result, or None and the errors when it failed."""


class _Events(FileSystemEventHandler):
    """Runs on watchdog's thread: only filters and hands paths over, never builds."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.event(event)


class Watcher:
    """Rebuilds the site whenever its inputs change; see the module docstring."""

    def __init__(
        self,
        options: BuildOptions,
        *,
        on_build: BuildListener | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        quiet: float = QUIET,
        max_wait: float = MAX_WAIT,
        builder: Callable[[BuildOptions, bool], BuildResult] | None = None,
    ) -> None:
        self.options = options
        self.root = os.path.abspath(options.root)
        self.output = os.path.abspath(options.output_dir)
        self.on_build = on_build
        self.out = out
        self.err = err
        self.debouncer = Debouncer(quiet, max_wait)
        self.session = Session(options)
        self.builder = builder
        self.rebuilds = 0
        self.failed = False
        self._observer: BaseObserver | None = None
        self._handler = _Events(self)
        self._watches: dict[str, tuple[tuple[int, int], ObservedWatch]] = {}

    # -- events ------------------------------------------------------------------------

    def relative(self, path: str | bytes) -> str | None:
        """``path`` relative to the site root when it is an input of the build, else None."""
        text = os.fsdecode(path)
        if text == self.output or text.startswith(self.output + os.sep):
            return None
        if not text.startswith(self.root + os.sep):
            return None
        rel = text[len(self.root) + 1 :].replace(os.sep, "/")
        return rel if is_source_path(rel) else None

    def event(self, event: FileSystemEvent) -> None:
        """Feed one watchdog event to the debouncer (what ``_Events`` calls)."""
        if event.event_type not in INTERESTING_EVENTS:
            return
        if event.is_directory and event.event_type in (EVENT_TYPE_MODIFIED, EVENT_TYPE_ATTRIB):
            return  # the events of the files inside say what happened
        src = self.relative(event.src_path)
        if event.event_type == EVENT_TYPE_MOVED:
            dest = self.relative(event.dest_path)
            if src and dest:
                self.debouncer.add(src, f"renamed to {dest}")
            elif src:
                self.debouncer.add(src, "deleted")
            elif dest:
                self.debouncer.add(dest, "changed")  # an editor's save: temp file renamed
            return
        if src:
            self.debouncer.add(src, EVENT_VERBS.get(event.event_type, "changed"))

    # -- watches -----------------------------------------------------------------------

    def _sync_watches(self) -> None:
        """Watch ``content/``, ``templates/`` and ``static/`` recursively, and the root alone
        for ``digest.toml`` and those folders coming and going.

        The output is never watched (a site of thousands of pages would cost thousands of
        inotify watches on every build). A watched folder that was deleted, replaced or
        renamed away is watched anew by identity, since inotify follows the old inode.
        """
        observer = self._observer
        if observer is None:
            return
        for name in WATCHED_DIRS:
            path = os.path.join(self.root, name)
            try:
                st = os.stat(path)
                identity = (st.st_dev, st.st_ino) if os.path.isdir(path) else None
            except OSError:
                identity = None
            current = self._watches.get(name)
            if current is not None and current[0] == identity:
                continue
            if current is not None:
                with contextlib.suppress(Exception):
                    observer.unschedule(current[1])
                del self._watches[name]
            if identity is not None:
                try:
                    watch = observer.schedule(self._handler, path, recursive=True)
                except OSError as exc:  # vanished again, or out of inotify watches
                    self._say(self._err, f"digest: cannot watch {name}/: {exc}")
                    continue
                self._watches[name] = (identity, watch)

    def start(self) -> None:
        """Start watching; call before the first build so no change can slip between."""
        observer = Observer()
        observer.daemon = True
        observer.schedule(self._handler, self.root, recursive=False)
        self._observer = observer
        self._sync_watches()
        observer.start()

    def close(self) -> None:
        """Stop watching, without waiting long: Ctrl-C must exit promptly."""
        self.debouncer.close()
        observer, self._observer = self._observer, None
        if observer is not None:
            with contextlib.suppress(Exception):
                observer.stop()
                observer.join(timeout=1.0)

    # -- building ----------------------------------------------------------------------

    def _build(self, first: bool, changes: dict[str, str] | None) -> BuildResult:
        """The one call into the build. The first build stages the site and swaps it in
        whole, like ``digest build``; rebuilds replace only the changed files, each
        atomically, so a reader never sees half a file, and patch the last build when the
        changes allow (``digest.commands.patch``)."""
        if self.builder is not None:
            return self.builder(self.options, first)
        return self.session.build(changes, first=first)

    @property
    def _out(self) -> TextIO:
        return self.out or sys.stdout

    @property
    def _err(self) -> TextIO:
        return self.err or sys.stderr

    def _say(self, stream: TextIO, line: str) -> None:
        print(line, file=stream, flush=True)

    def _run_build(
        self, first: bool, changes: dict[str, str] | None = None
    ) -> tuple[BuildResult | None, list[Diagnostic], float]:
        started = time.perf_counter()
        try:
            result = self._build(first, changes)
        except DigestError as exc:
            return None, list(exc.diagnostics), time.perf_counter() - started
        except Exception as exc:  # a bug, or the disk: report it and keep watching
            traceback.print_exc(file=self._err)
            problem = Diagnostic("digest", 0, f"internal error: {type(exc).__name__}: {exc}")
            return None, [problem], time.perf_counter() - started
        return result, [], time.perf_counter() - started

    def _report(
        self,
        result: BuildResult | None,
        errors: list[Diagnostic],
        seconds: float,
        verb: str,
        why: str,
    ) -> None:
        """One line on stdout for a build, or its errors and one line on stderr; then
        tell the listener (the server's live reload)."""
        ms = round(seconds * 1000)
        if result is None:
            for diagnostic in errors:
                print(diagnostic.format(), file=self._err)
            count = _plural(len(errors), "error")
            self._say(self._err, f"{verb} failed in {ms} ms: {count} ({why}); kept the last output")
        else:
            for diagnostic in result.warnings:
                print(diagnostic.format("warning"), file=self._err, flush=True)
            counts = f"{len(result.written)} written, {len(result.removed)} removed"
            self._say(self._out, f"{verb} in {ms} ms: {counts} ({why})")
        self.failed = result is None
        if self.on_build is not None:
            self.on_build(result, errors)

    def first_build(self) -> BuildResult | None:
        """The build every watch starts with; its errors are printed, not fatal."""
        result, errors, seconds = self._run_build(first=True)
        why = f"{result.pages} files" if result is not None else "first build"
        self._report(result, errors, seconds, "built" if result is not None else "build", why)
        return result

    def _rebuild(self, changes: dict[str, str]) -> BuildResult | None:
        """Rebuild for one batch of changes and print one line about it."""
        self._sync_watches()
        result, errors, seconds = self._run_build(first=False, changes=changes)
        self.rebuilds += 1
        verb = "rebuilt" if result is not None else "rebuild"
        self._report(result, errors, seconds, verb, describe(changes))
        return result

    def flush(self, settle: bool = False) -> None:
        """Write down what patches changed (``Session.flush``): when idle, and at the end.
        ``settle`` (when idle): with the input snapshot taken now, when no change comes
        within ``SETTLE`` of it, so a ``digest build`` after the session has nothing to do
        unless an input changed since."""
        try:
            inputs = ""
            if settle and self.session.unsaved and self.builder is None:
                mark = self.debouncer.added
                try:  # (a change met on the way stops the walk: it is not kept waiting)
                    found = discover(self.options.root, lambda: self.debouncer.added != mark)
                    inputs = input_snapshot_of(self.options, found)
                except Stopped:
                    inputs = ""
                if inputs and not self.debouncer.quiet_since(mark, SETTLE):
                    inputs = ""  # a change on its way: the output does not answer to it
            self.session.flush(inputs)
        except Exception:  # bookkeeping only: the next build re-renders what it cannot trust
            traceback.print_exc(file=self._err)

    def run(self, poll: float = 0.5) -> None:
        """Rebuild batch after batch until ``close`` (or Ctrl-C in the caller)."""
        while not self.debouncer.closed:
            changes = self.debouncer.take(timeout=poll)
            if changes:
                self._rebuild(changes)
            elif self.session.unsaved:  # quiet for ``poll`` seconds: a good moment
                self.flush(settle=True)
        self.flush()

    def process(self, events: Iterable[FileSystemEvent]) -> BuildResult | None:
        """Feed events and rebuild at once if any mattered: the loop's body, for tests."""
        for event in events:
            self.event(event)
        changes = self.debouncer.take(timeout=0)
        result = self._rebuild(changes) if changes else None
        self.flush()
        return result


def interrupt_on_sigint() -> None:
    """Make Ctrl-C raise KeyboardInterrupt even when our parent started us with SIGINT
    ignored (a background job of a script), so ``watch`` and ``serve`` always stop on it;
    SIGTERM stops them the same clean way."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


DRAFTS_OUTPUT = ".site.drafts"
"""Where ``watch --drafts`` and ``serve --drafts`` build without ``--output``: beside
``site/``, hidden, and ignored by the ``.gitignore`` of ``digest init`` (``/.site.*``)."""


def drafts_output(options: BuildOptions) -> BuildOptions:
    """With ``--drafts`` and no ``--output``, the options with the drafts' own output, so
    that draft pages never linger in ``site/``, which gets published, once watching stops."""
    if not options.drafts or options.output is not None:
        return options
    return dataclasses.replace(options, output=Path(options.root) / DRAFTS_OUTPUT)


def say_drafts_output(options: BuildOptions) -> None:
    if options.drafts:
        print(f"drafts included: building into {options.output_dir}", flush=True)


def start_watching(watcher: Watcher) -> bool:
    """Start the observer, or say why not (out of inotify watches or instances)."""
    try:
        watcher.start()
    except OSError as exc:
        print(f"digest: error: cannot watch {watcher.root}: {exc}", file=sys.stderr)
        return False
    return True


def run_watch(options: BuildOptions) -> int:
    """``digest watch``: build, then rebuild on every change until Ctrl-C; exits 0."""
    interrupt_on_sigint()
    options = drafts_output(options)
    say_drafts_output(options)
    watcher = Watcher(options)
    try:
        if not start_watching(watcher):
            return EXIT_ERRORS
        watcher.first_build()
        print(f"watching {Path(options.root)} for changes (Ctrl-C to stop)", flush=True)
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            watcher.close()
            watcher.flush()
    return 0
