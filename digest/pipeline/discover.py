"""Discover: the content files of a site project, found on disk before anything is read.

The first stage, and all that a build with nothing to do needs of the content (it compares
the files' sizes and modification times with the last build's), so it imports nothing of the
parsing machinery.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.errors import Diagnostic
from digest.project import CONTENT_DIR


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A content file found on disk."""

    path: Path
    rel: str
    """Path relative to the site root, posix separators: the name used in messages."""


Discovered = tuple[list[SourceFile], list[Diagnostic], list[Diagnostic]]
"""``discover``'s answer: the content files, the problems met finding them, and warnings."""

_MARKDOWN_LOOKALIKE = (".md", ".markdown", ".mdown", ".mkd")
"""Endings (any case) of files that look meant as articles though only ``.md`` is read."""


def discover(root: Path) -> Discovered:
    """Every ``*.md`` under ``root/content``, sorted by path; hidden files and folders skipped.

    Symlinks are followed while they stay inside the site project; one leading out, or a
    loop, is an error rather than a silent skip.
    """
    content = root / CONTENT_DIR
    found: list[SourceFile] = []
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    if not content.is_dir():
        return found, errors, warnings
    real_root = root.resolve()
    seen_dirs: set[str] = set()

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def walk(folder: Path) -> Iterator[Path]:
        real = os.path.realpath(folder)
        if real in seen_dirs:
            errors.append(Diagnostic(rel(folder), 0, "symlink loop: folder already visited"))
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            errors.append(Diagnostic(rel(folder), 0, f"cannot read folder: {exc.strerror}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink() and not _inside(Path(os.path.realpath(path)), real_root):
                errors.append(
                    Diagnostic(rel(path), 0, "symlink leads outside the site project; refused")
                )
                continue
            try:
                is_dir = entry.is_dir()
                if not is_dir and entry.name.endswith(".md") and entry.is_symlink():
                    os.stat(path)  # a broken link or a loop raises here
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    message = "symlink loop: it leads back to itself"
                elif exc.errno == errno.ENOENT:
                    message = "broken symlink: what it points to does not exist"
                else:
                    message = f"cannot read: {exc.strerror}"
                errors.append(Diagnostic(rel(path), 0, message))
                continue
            if is_dir:
                yield from walk(path)
            elif entry.name.endswith(".md") and entry.is_file():
                yield path
            elif entry.name.lower().endswith(_MARKDOWN_LOOKALIKE) and entry.is_file():
                # Left out without a word, an article named ``x.MD`` would just be missing.
                message = "not read: articles end in .md"
                warnings.append(Diagnostic(rel(path), 0, message))

    for path in walk(content):
        found.append(SourceFile(path, rel(path)))
    found.sort(key=lambda f: f.rel)
    return found, errors, warnings


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
