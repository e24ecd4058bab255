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
from pathlib import Path, PurePosixPath

from digest.errors import DigestError

MARKER = ".nojekyll"
"""Every built site has it; an existing non-empty output folder without it is not ours."""

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


def check_output_folder(root: Path, output: Path) -> None:
    """Refuse an output folder whose replacement would destroy the user's files."""
    out = output.resolve()
    project = root.resolve()
    if out == project or out in project.parents:
        raise DigestError.at(str(output), 0, "output folder must not contain the site project")
    for name in ("content", "templates", "static", ".git", ".digest-cache"):
        protected = project / name
        if out == protected or protected in out.parents:
            raise DigestError.at(str(output), 0, f"output folder must not be inside {name}/")
    if out.exists() and not out.is_dir():
        raise DigestError.at(str(output), 0, "output exists and is not a folder")
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        raise DigestError.at(
            str(output),
            0,
            "output folder is not empty and was not written by digest "
            f"(no {MARKER}); empty it or choose another with --output",
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
    """Collects one build's files in a staging folder, then publishes them all at once."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self.written: list[str] = []
        """Files whose content is new or changed."""
        self.unchanged = 0
        self._paths: set[str] = set()
        output.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(output)
        self.staging.mkdir()

    def write(self, path: str, data: bytes) -> None:
        rel = safe_relative(path)
        key = rel.as_posix()
        if key in self._paths:
            raise ValueError(f"output {key} written twice")
        self._paths.add(key)
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        current = self.output / rel
        if self._same(current, data) and self._link(current, target):
            self.unchanged += 1
            return
        with open(target, "wb") as handle:
            handle.write(data)
        self.written.append(key)

    def keep(self, path: str) -> bool:
        """Carry the current file over unchanged (the caller knows its content is the same);
        False when there is no current file to keep."""
        rel = safe_relative(path)
        key = rel.as_posix()
        current = self.output / rel
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not current.is_file() or not self._link(current, target):
            return False
        self._paths.add(key)
        self.unchanged += 1
        return True

    @staticmethod
    def _same(current: Path, data: bytes) -> bool:
        try:
            if current.stat().st_size != len(data):
                return False
            return current.read_bytes() == data
        except OSError:
            return False

    @staticmethod
    def _link(current: Path, target: Path) -> bool:
        try:
            os.link(current, target)
        except OSError:
            try:
                shutil.copy2(current, target)
            except OSError:
                return False
        return True

    def stale(self) -> list[str]:
        """Files of the current output that the new site no longer has."""
        if not self.output.is_dir():
            return []
        result = []
        for dirpath, _dirs, files in os.walk(self.output):
            for name in files:
                rel = Path(dirpath, name).relative_to(self.output).as_posix()
                if rel not in self._paths:
                    result.append(rel)
        return sorted(result)

    def commit(self) -> list[str]:
        """Publish the staged site; returns the stale files it removed. When nothing changed
        the output is left exactly as it was."""
        removed = self.stale()
        if not self.written and not removed and self.output.is_dir():
            self.abort()
            return []
        if not self.output.exists():
            os.rename(self.staging, self.output)
        elif exchange(self.staging, self.output):
            shutil.rmtree(self.staging, ignore_errors=True)
        else:
            aside = self.output.parent / f".{self.output.name}.old"
            os.rename(self.output, aside)
            os.rename(self.staging, self.output)
            shutil.rmtree(aside, ignore_errors=True)
        return removed

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(self.staging)
