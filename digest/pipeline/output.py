"""The output folder: whether a build may replace it, what killed builds left beside it, and
the one system call that swaps a new site in.

A folder is ours to replace only when it holds the ``.digest-site`` marker (or, for a site of
an older digest, when the last build's manifest lists every file in it): an output pointed
at a folder of the user's is refused, naming the files a build would delete.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
from pathlib import Path

from digest.errors import DigestError
from digest.incremental.manifest import Manifest, files_in

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


BACKGROUND_WALK = 2_000
"""Output files from which a build lists them in a process of its own while it renders
(12,000 files in 12,000 folders: a tenth of a second); below, the process costs more."""


def files_of(output: Path) -> list[str]:
    """The output's files, relative (``stale``'s list; a function a process can be given)."""
    return list(files_in(output))
