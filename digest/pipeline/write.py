"""Write: stage a whole new site beside the output and swap it in only when it is complete.

A build writes into ``.<output>.staging-<pid>`` next to the output folder. A file whose bytes
did not change is hard-linked from the current output instead of written, so it keeps its
modification time. When every page is staged, the staging folder and the output are
exchanged in one ``renameat2(RENAME_EXCHANGE)`` call (Linux), so a reader, or a build killed
at any moment, sees either the old site or the new one, never a mix. A build that changes
nothing touches nothing.

The staging folder is not made from nothing when it can be helped: the tree the last build
swapped out is kept as the *spare* (``incremental/spare.py``), which already holds every file
of the site but those the last build changed, and becomes the next staging folder. Then only
the files of the two builds' changes are written, linked or deleted in it, and a new day of
articles on a large site makes no folder and unlinks no tree.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from digest.incremental import spare
from digest.incremental.manifest import Written, files_in
from digest.parallel import in_background
from digest.pipeline.output import MARKER, clean_leftovers, exchange, files_of
from digest.pipeline.output_paths import claim, claim_all, normal, safe_relative
from digest.pipeline.replace import ReplaceProcess, replace_file, same


class SiteWriter:
    """Collects one build's files in a staging folder, then publishes them all at once.

    The staging folder is made only when the first file differs from the current output,
    so a build that changes nothing creates nothing and touches nothing.
    """

    def __init__(self, output: Path, jobs: int = 1) -> None:
        """``jobs`` above 1: the output's files (``stale``) are listed meanwhile, in a
        process of their own."""
        # An output that is a symlink (the site kept elsewhere) is built where it points:
        # staged beside the real folder and swapped with it, so the link stays a link.
        # Exchanging the link itself would put a real folder in its place and leave the
        # link behind under the staging name.
        output = Path(os.path.realpath(output)) if output.is_symlink() else output
        self.output = output
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self.written: list[str] = []
        """Files whose content is new or changed."""
        self.unchanged = 0
        self._paths: set[str] = set()
        self._pending: list[str] = []
        """Unchanged files not yet linked into staging (it may never be needed)."""
        self._staged = False
        self._output = os.fspath(output)
        self._staging = os.fspath(self.staging)
        self._made: set[str] = set()
        """Folders of the staging folder known to exist (relative; "" is its root)."""
        output.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(output)
        self._dirty: set[str] | None = None
        """With the spare as staging folder (see ``incremental/spare.py``): the files in
        which it may differ from the output. Every other file of it is the output's own."""
        self._current: list[str] | None = None
        """The files of the output (walked once: the build does not change it)."""
        self._cleared: list[str] = []
        """Folders emptied in the staging folder (``clear``): their files are dirty too."""
        self._exact = False
        """Whether every file of the spare not in ``_dirty`` is the output's own."""
        self._walk: Callable[[], list[str]] | None = None
        """The output's files, when asked for: being listed in the background."""
        if output.is_dir():
            # Taken now, before any worker writes: a worker's write would make the staging
            # folder, and the spare could no longer be moved there.
            taken = spare.take(output, self.staging, MARKER)
            if taken is not None:
                self._dirty, self._exact = taken
                self._staged = True
            if jobs > 1:
                self._walk = in_background(partial(files_of, output), jobs)

    def _claim(self, path: str) -> str:
        return claim(self._paths, path)

    def _stage(self) -> None:
        if self._staged:
            return
        self.staging.mkdir(exist_ok=True)  # a worker's write_file may have made it
        self._staged = True
        for rel in self._pending:
            self._link_into_staging(rel)
        self._pending.clear()

    def _link_into_staging(self, rel: str) -> None:
        # Strings, and each folder made once: this runs for every unchanged file of the
        # site, thousands of times for a one-line edit.
        if self._dirty is not None:
            if (
                self._exact
                and rel not in self._dirty
                and not any(map(rel.startswith, self._cleared))
            ):
                return  # the spare's file is the output's already
            _make_room(self.staging, PurePosixPath(rel))
        folder = rel.rpartition("/")[0]
        if folder not in self._made:
            os.makedirs(f"{self._staging}/{folder}", exist_ok=True)
            self._made.add(folder)
        target = f"{self._staging}/{rel}"
        current = f"{self._output}/{rel}"
        try:
            os.link(current, target)
        except OSError:
            # The folder may have been removed since (a failed search index is): make it.
            os.makedirs(f"{self._staging}/{folder}", exist_ok=True)
            try:
                os.link(current, target)
            except OSError:
                shutil.copy2(current, target)

    def _carry(self, rel: str) -> None:
        self.unchanged += 1
        if self._staged:
            self._link_into_staging(rel)
        else:
            self._pending.append(rel)

    def write(self, path: str, data: bytes) -> None:
        self.record(path, self.write_file(path, data) is not None)

    def write_file(self, path: str, data: bytes) -> Written | None:
        """The I/O half of ``write``, safe to run in a worker process (it changes no
        state of the writer): None when the current output already has these bytes,
        else the new file's size and mtime once it is in the staging folder. Report it
        with ``record``."""
        rel = safe_relative(path)
        if same(self.output / rel, data):
            return None
        target = self.staging / rel
        _make_room(self.staging, rel)
        with open(target, "wb") as handle:
            handle.write(data)
            return _written(handle)

    def record(self, path: str, wrote: bool) -> None:
        """The bookkeeping half of ``write``, in the process that commits."""
        rel = self._claim(path)
        if not wrote:
            self._carry(rel)
            return
        self._stage()
        self.written.append(rel)

    def keep(self, path: str, present: bool = False) -> bool:
        """Carry the current file over unchanged (the caller knows its content is the same);
        False, claiming nothing, when there is no current file to keep. ``present``: the
        caller has just found the file there (the manifest's ``fresh``), so it is not
        looked for again."""
        rel = normal(path)
        if not present and not os.path.isfile(f"{self._output}/{rel}"):
            return False
        self._carry(self._claim(rel))
        return True

    def keep_present(self, paths: Sequence[str]) -> None:
        """``keep(path, True)`` of each of ``paths``, in order (the manifest found each
        file as it wrote it): claimed at once when they can be (``claim_all``)."""
        if not claim_all(self._paths, paths):
            for path in paths:
                self.keep(path, True)
            return
        self.unchanged += len(paths)
        if not self._staged:
            self._pending.extend(paths)
            return
        for rel in paths:
            self._link_into_staging(rel)

    def claims(self, *names: str) -> bool:
        """Whether the new site has a file so far at one of ``names``, or under it."""
        under = tuple(f"{name}/" for name in names)
        return any(rel in names or rel.startswith(under) for rel in self._paths)

    def stale(self) -> list[str]:
        """Files of the current output that the new site no longer has."""
        if not self.output.is_dir():
            return []
        if self._current is None:
            walk, self._walk = self._walk, None
            self._current = walk() if walk is not None else files_of(self.output)
        return sorted(rel for rel in self._current if rel not in self._paths)

    def commit(self) -> list[str]:
        """Publish the staged site; returns the stale files it removed. When nothing changed
        the output is left exactly as it was."""
        removed = self.stale()
        if not self.written and not removed and self.output.is_dir():
            if self._dirty is not None:  # the spare, untouched but for relinked files
                spare.keep(self.output, self.staging, self._dirty, MARKER)
            self._staged = False
            self._made.clear()
            return []
        self._stage()
        self.settle(removed)
        changed = {*self.written, *removed}
        if not self.output.exists():
            os.rename(self.staging, self.output)
        elif exchange(self.staging, self.output):
            spare.keep(self.output, self.staging, changed, MARKER)
        else:
            aside = self.output.parent / f".{self.output.name}.old"
            os.rename(self.output, aside)
            os.rename(self.staging, self.output)
            spare.keep(self.output, aside, changed, MARKER)
        self._staged = False
        self._made.clear()
        return removed

    def settle(self, removed: Iterable[str] | None = None, skip: str | None = None) -> None:
        """With the spare as staging folder: delete from it every file not (yet) part of
        the new site, so that it holds the new site's files and no other (Pagefind reads
        the staged pages). ``removed``: the stale files, when known; ``skip``: a folder
        prefix left alone (files that are still to be claimed)."""
        if self._dirty is None:
            return
        stale = self.stale() if removed is None else removed
        for rel in sorted({*self._dirty, *stale} - self._paths):
            if skip is not None and rel.startswith(skip):
                continue
            path = self.staging / safe_relative(rel)
            try:
                path.unlink()
            except (FileNotFoundError, NotADirectoryError):
                continue  # not there (or its folder became a file of the new site)
            except IsADirectoryError:
                # A folder now: the new site has files in it (a file of the older site
                # became one), and any of its files not in the new site go one by one.
                continue
            # Claimed later (carried over), it must be linked in again.
            self._dirty.add(rel)
            _prune_empty_dirs(path.parent, self.staging)

    def clear(self, folder: str) -> None:
        """Empty ``folder`` of the staging folder (a tool writes into it next); the
        files of it that are then carried over are linked in again."""
        rel = safe_relative(folder).as_posix()
        shutil.rmtree(self.staging / rel, ignore_errors=True)
        if self._dirty is not None:
            self._cleared.append(f"{rel}/")

    def abort(self) -> None:
        walk, self._walk = self._walk, None
        if walk is not None:  # its process ends with the answer
            walk()
        # Workers may have made the staging folder before this process heard of it.
        with contextlib.suppress(OSError):
            shutil.rmtree(self.staging)
        self._staged = False
        self._dirty = None
        self._made.clear()


class InPlaceWriter:
    """For ``watch`` and ``serve``: replaces changed files in the output one by one, each
    atomically (a reader never sees half a file), and removes files no longer built.
    ``replacer``: the session's writing process, which ``publish`` hands the files of a
    one-process rebuild to (``pipeline.replace``)."""

    def __init__(
        self,
        output: Path,
        previous: Iterable[str] | None,
        replacer: ReplaceProcess | None = None,
        told: bool = False,
    ) -> None:
        self.output = output
        self.replacer = replacer
        self.previous = set(previous) if previous is not None else set(files_in(output))
        """What the output held after the last build (the manifest; else what is on disk)."""
        self.written: list[str] = []
        self.unchanged = 0
        self._paths: set[str] = set()
        output.mkdir(parents=True, exist_ok=True)
        # ``told``: every file this writer changes is told first (``expect``; a rebuild of
        # watch's in one process), so the spare's list is kept true; else it goes.
        self._spare = spare.InPlace(output) if told else None
        if self._spare is None:
            spare.suspend(output)

    def expect(self, paths: Iterable[str]) -> None:
        """Tell the files about to be written or removed (see ``spare.InPlace``)."""
        if self._spare is not None:
            self._spare.expect(map(normal, paths))

    def _claim(self, path: str) -> str:
        return claim(self._paths, path)

    def write(self, path: str, data: bytes) -> None:
        self.record(path, self.write_file(path, data) is not None)

    def write_file(self, path: str, data: bytes) -> Written | None:
        """The I/O half of ``write``, safe to run in a worker process: replaces the file
        atomically unless it already has these bytes (None); else the new file's size
        and mtime."""
        return replace_file(self.target(path), data)

    def target(self, path: str) -> Path:
        """Where the file of ``path`` goes (raises for a path outside the output), told as
        about to be written if it was not (``expect``)."""
        if self._spare is not None:
            self._spare.expect([normal(path)])  # a set's look-up when told already
        return self.output / safe_relative(path)

    def record(self, path: str, wrote: bool) -> None:
        rel = self._claim(path)
        if wrote:
            self.written.append(rel)
        else:
            self.unchanged += 1

    def keep(self, path: str, present: bool = False) -> bool:
        rel = safe_relative(path)
        if not present and not (self.output / rel).is_file():
            return False
        self._claim(path)
        self.unchanged += 1
        return True

    def keep_present(self, paths: Sequence[str]) -> None:
        """``keep(path, True)`` of each of ``paths``: see ``SiteWriter.keep_present``."""
        if not claim_all(self._paths, paths):
            for path in paths:
                self.keep(path, True)
            return
        self.unchanged += len(paths)

    def commit(self) -> list[str]:
        removed = sorted(self.previous - self._paths)
        self.expect(removed)
        for rel in removed:
            target = self.output / safe_relative(rel)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            _prune_empty_dirs(target.parent, self.output)
        return removed

    def abort(self) -> None:
        """Files already replaced stay: each is whole, and the next rebuild fixes the rest."""


def _make_room(staging: Path, rel: PurePosixPath) -> None:
    """Ready ``staging/rel`` for a new file: its folders made, and whatever the spare has
    at that path unlinked (never written through: it may be the output's own file)."""
    target = staging / rel
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # A file of the older site where the new one has a folder.
        for parent in reversed(rel.parents[:-1]):
            if (staging / parent).is_file() or (staging / parent).is_symlink():
                (staging / parent).unlink()
                break
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(target)


def _prune_empty_dirs(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _written(handle: BinaryIO) -> Written:
    # Taken by the writer, in the worker: the manifest then need not stat every file of
    # the new site again, alone, after the last page.
    handle.flush()
    info = os.fstat(handle.fileno())
    return info.st_size, info.st_mtime_ns
