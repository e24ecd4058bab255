"""Discover: the content files of a site project, found on disk before anything is read.

The first stage, and all that a build with nothing to do needs of the content (it compares
the files' sizes and modification times with the last build's), so it imports nothing of the
parsing machinery. Each file is looked at once here, and its stat kept: the input snapshot
and the loader's stat shortcut use it rather than asking again (on a 10,000-article site
a second and a third ``stat`` per file, made of path objects, cost more than the walk).
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from digest.errors import Diagnostic
from digest.project import CONTENT_DIR


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file found on disk."""

    file: str
    """Its path as the file system is asked for it (the site root joined with ``rel``)."""
    rel: str
    """Path relative to the site root, posix separators: the name used in messages."""
    stat: os.stat_result | None = None
    """Its stat (links followed) when it was found; None: it could not be looked at."""
    looked: int = 0
    """``time.time_ns()`` taken before that stat: a change after this moment may not show
    in it (see ``digest.pipeline.load.RACY_NS``)."""

    @property
    def path(self) -> Path:
        return Path(self.file)


Discovered = tuple[list[SourceFile], list[Diagnostic], list[Diagnostic]]
"""``discover``'s answer: the content files, the problems met finding them, and warnings."""

_MARKDOWN_LOOKALIKE = (".md", ".markdown", ".mdown", ".mkd")
"""Endings (any case) of files that look meant as articles though only ``.md`` is read."""


class Stopped(Exception):
    """``discover``'s ``stop`` said so: the walk was left half-way."""


def discover(root: Path, stop: Callable[[], bool] | None = None) -> Discovered:
    """Every ``*.md`` under ``root/content``, sorted by path; hidden files and folders skipped.

    Symlinks are followed while they stay inside the site project; one leading out, or a
    loop, is an error rather than a silent skip. ``stop``: asked before each folder; True
    raises ``Stopped`` (``watch``'s idle flush, which a change should not wait for).
    """
    found: list[SourceFile] = []
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    content = os.path.join(root, CONTENT_DIR)
    if not os.path.isdir(content):
        return found, errors, warnings
    real_root = os.path.realpath(root)
    inside = real_root.rstrip(os.sep) + os.sep
    seen_dirs: set[tuple[int, int]] = set()
    looked = time.time_ns()  # before any stat of the walk

    def walk(folder: str, prefix: str) -> None:
        if stop is not None and stop():
            raise Stopped
        # Plain strings and ``os.scandir``: its entries know their kind without a ``stat``.
        # The same folder met twice (through a link) is the same device and inode; a
        # ``stat`` each, where ``realpath`` looks at every part of the path.
        try:
            info = os.stat(folder)
            real = (info.st_dev, info.st_ino)
        except OSError as exc:
            errors.append(Diagnostic(prefix[:-1], 0, f"cannot read folder: {exc.strerror}"))
            return
        if real in seen_dirs:
            errors.append(Diagnostic(prefix[:-1], 0, "symlink loop: folder already visited"))
            return
        seen_dirs.add(real)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError as exc:
            errors.append(Diagnostic(prefix[:-1], 0, f"cannot read folder: {exc.strerror}"))
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = prefix + name
            link = entry.is_symlink()
            if link:
                target = os.path.realpath(entry.path)
                if target != real_root and not target.startswith(inside):
                    message = "symlink leads outside the site project; refused"
                    errors.append(Diagnostic(rel, 0, message))
                    continue
            info = None
            try:
                is_dir = entry.is_dir()
                if not is_dir and name.endswith(".md"):
                    info = _stat(entry, link)  # a broken link or a loop raises here
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    message = "symlink loop: it leads back to itself"
                elif exc.errno == errno.ENOENT:
                    message = "broken symlink: what it points to does not exist"
                else:
                    message = f"cannot read: {exc.strerror}"
                errors.append(Diagnostic(rel, 0, message))
                continue
            if is_dir:
                walk(entry.path, f"{rel}/")
            elif name.endswith(".md") and (
                stat.S_ISREG(info.st_mode) if info is not None else entry.is_file()
            ):
                found.append(SourceFile(entry.path, rel, info, looked))
            elif name.lower().endswith(_MARKDOWN_LOOKALIKE) and entry.is_file():
                # Left out without a word, an article named ``x.MD`` would just be missing.
                warnings.append(Diagnostic(rel, 0, "not read: articles end in .md"))

    walk(content, f"{CONTENT_DIR}/")
    found.sort(key=lambda f: f.rel)
    return found, errors, warnings


_name = attrgetter("name")


def _stat(entry: os.DirEntry[str], link: bool) -> os.stat_result | None:
    """The file's stat, links followed; None when a plain file cannot be looked at (gone
    since it was listed, say): the loader then meets it as it is. Only a link's failure
    is a problem of the folder's, raised."""
    try:
        return entry.stat()
    except OSError:
        if link:
            raise
        return None
