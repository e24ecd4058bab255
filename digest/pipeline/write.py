"""Write: stage a whole new site beside the output and swap it in only when it is complete.

A build writes into ``.<output>.staging-<pid>`` next to the output folder. A file whose bytes
did not change is hard-linked from the current output instead of written, so it keeps its
modification time. When every page is staged, the staging folder and the output are
exchanged in one ``renameat2(RENAME_EXCHANGE)`` call (Linux), so a reader, or a build killed
at any moment, sees either the old site or the new one, never a mix. A build that changes
nothing touches nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from digest.errors import DigestError
from digest.incremental.manifest import Manifest, Written, files_in

MARKER = ".digest-site"
"""Every built site has it: an existing non-empty output folder is ours to replace only
when it holds this file (or, for a site of an older digest, when the last build's manifest
lists every file in it). Never ``.nojekyll``: GitHub Pages users make that one by hand."""
MARKER_TEXT = (
    b"This folder was written by digest, the news-digest site generator.\n"
    b"Every build replaces it whole: files you add here are deleted by the next build.\n"
)
NOJEKYLL = ".nojekyll"
"""Tells GitHub Pages to publish the files as they are (no Jekyll run)."""
SHOWN_FILES = 5
"""How many of the files a refused output folder holds are named in the error."""

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2():  # type: ignore[no-untyped-def]
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_renameat2 = _load_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False where the system cannot (then we fall back)."""
    if _renameat2 is None:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def safe_relative(path: str) -> PurePosixPath:
    """An output path that cannot leave the output folder, or a bug in our code."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        raise ValueError(f"unsafe output path {path!r}")
    return rel


def _normal(path: str) -> str:
    """``safe_relative(path).as_posix()``, without making a path object for a path that
    is already in that form (the site's own page paths): this runs once per output file,
    in the process that all the workers report to."""
    if (
        path
        and path[0] != "/"
        and path[-1] != "/"
        and "//" not in path
        and "/./" not in f"/{path}/"
        and "/../" not in f"/{path}/"
    ):
        return path
    return safe_relative(path).as_posix()


def _claim(paths: set[str], path: str) -> str:
    """Add ``path``, in normal form, to a writer's ``paths``: one file, written once."""
    key = _normal(path)
    if key in paths:
        raise ValueError(f"output {key} written twice")
    paths.add(key)
    return key


def check_output_folder(root: Path, output: Path, cache_dir: Path | None = None) -> None:
    """Refuse an output folder whose replacement would destroy the user's files.

    ``cache_dir``: where the build manifests are, to recognise a site built by an older
    digest (which wrote no ``MARKER``) by the files its last build recorded."""
    out = output.resolve()
    project = root.resolve()
    if out == project or out in project.parents:
        raise DigestError.at(str(output), 0, "output folder must not contain the site project")
    for name in ("content", "templates", "static", "strings", ".git", ".digest-cache"):
        protected = project / name
        if out == protected or protected in out.parents:
            raise DigestError.at(str(output), 0, f"output folder must not be inside {name}/")
    if out.exists() and not out.is_dir():
        raise DigestError.at(str(output), 0, "output exists and is not a folder")
    if not out.is_dir() or (out / MARKER).is_file() or not any(out.iterdir()):
        return
    files = sorted(files_in(out))
    if not files:
        return  # empty folders only: replacing them loses nothing
    if cache_dir is not None:
        recorded = Manifest(cache_dir, output).load().entries
        if recorded and all(rel in recorded for rel in files):
            return
    shown = ", ".join(files[:SHOWN_FILES])
    if len(files) > SHOWN_FILES:
        shown += f" and {len(files) - SHOWN_FILES} more"
    lost = f"{len(files)} file{'s' if len(files) != 1 else ''} ({shown})"
    raise DigestError.at(
        str(output),
        0,
        f"output folder was not written by digest (it has no {MARKER}); a build would "
        f"delete its {lost}: empty the folder or choose another with --output",
    )


def clean_leftovers(output: Path) -> None:
    """Remove staging folders of builds that were killed, and restore an output left
    renamed aside by the non-atomic fallback swap."""
    parent = output.parent
    if not parent.is_dir():
        return
    aside = parent / f".{output.name}.old"
    if aside.is_dir() and not output.exists():
        os.rename(aside, output)
    for entry in parent.iterdir():
        if entry.name.startswith(f".{output.name}.staging-") or entry == aside:
            shutil.rmtree(entry, ignore_errors=True)


class SiteWriter:
    """Collects one build's files in a staging folder, then publishes them all at once.

    The staging folder is made only when the first file differs from the current output,
    so a build that changes nothing creates nothing and touches nothing.
    """

    def __init__(self, output: Path) -> None:
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

    def _claim(self, path: str) -> str:
        return _claim(self._paths, path)

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
        if _same(self.output / rel, data):
            return None
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
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

    def keep(self, path: str) -> bool:
        """Carry the current file over unchanged (the caller knows its content is the same);
        False, claiming nothing, when there is no current file to keep."""
        rel = _normal(path)
        if not os.path.isfile(f"{self._output}/{rel}"):
            return False
        self._carry(self._claim(rel))
        return True

    def stale(self) -> list[str]:
        """Files of the current output that the new site no longer has."""
        if not self.output.is_dir():
            return []
        return sorted(rel for rel in files_in(self.output) if rel not in self._paths)

    def commit(self) -> list[str]:
        """Publish the staged site; returns the stale files it removed. When nothing changed
        the output is left exactly as it was."""
        removed = self.stale()
        if not self.written and not removed and self.output.is_dir():
            return []
        self._stage()
        if not self.output.exists():
            os.rename(self.staging, self.output)
        elif exchange(self.staging, self.output):
            shutil.rmtree(self.staging, ignore_errors=True)
        else:
            aside = self.output.parent / f".{self.output.name}.old"
            os.rename(self.output, aside)
            os.rename(self.staging, self.output)
            shutil.rmtree(aside, ignore_errors=True)
        self._staged = False
        self._made.clear()
        return removed

    def abort(self) -> None:
        # Workers may have made the staging folder before this process heard of it.
        with contextlib.suppress(OSError):
            shutil.rmtree(self.staging)
        self._staged = False
        self._made.clear()


class InPlaceWriter:
    """For ``watch`` and ``serve``: replaces changed files in the output one by one, each
    atomically (a reader never sees half a file), and removes files no longer built."""

    def __init__(self, output: Path, previous: Iterable[str] | None) -> None:
        self.output = output
        self.previous = set(previous) if previous is not None else set(files_in(output))
        """What the output held after the last build (the manifest; else what is on disk)."""
        self.written: list[str] = []
        self.unchanged = 0
        self._paths: set[str] = set()
        output.mkdir(parents=True, exist_ok=True)

    def _claim(self, path: str) -> str:
        return _claim(self._paths, path)

    def write(self, path: str, data: bytes) -> None:
        self.record(path, self.write_file(path, data) is not None)

    def write_file(self, path: str, data: bytes) -> Written | None:
        """The I/O half of ``write``, safe to run in a worker process: replaces the file
        atomically unless it already has these bytes (None); else the new file's size
        and mtime."""
        target = self.output / safe_relative(path)
        if _same(target, data):
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                written = _written(handle)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return written

    def record(self, path: str, wrote: bool) -> None:
        rel = self._claim(path)
        if wrote:
            self.written.append(rel)
        else:
            self.unchanged += 1

    def keep(self, path: str) -> bool:
        rel = safe_relative(path)
        if not (self.output / rel).is_file():
            return False
        self._claim(path)
        self.unchanged += 1
        return True

    def commit(self) -> list[str]:
        removed = sorted(self.previous - self._paths)
        for rel in removed:
            target = self.output / safe_relative(rel)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            _prune_empty_dirs(target.parent, self.output)
        return removed

    def abort(self) -> None:
        """Files already replaced stay: each is whole, and the next rebuild fixes the rest."""


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


def _same(current: Path, data: bytes) -> bool:
    try:
        if current.stat().st_size != len(data):
            return False
        return current.read_bytes() == data
    except OSError:
        return False
