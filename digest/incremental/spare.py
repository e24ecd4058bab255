"""The spare site: the output of the build before last, kept to become the next staging folder.

A staged build must hand the new site over whole (DESIGN §7), so it needs a complete second
tree to swap in. Making one from nothing costs a folder and a link per page, on a
10,000-article site some 12,000 of each, and the old tree swapped out cost as much again to
delete: seconds, whatever the change. Instead, the tree a build swaps out is kept beside
the output as ``.<output>.spare``, with the list of the files in which it differs from the
new output (the files that build wrote or removed; every other file is the same inode in
both, hard-linked). The next build renames the spare into its staging folder and only
has to bring those files, and its own changes, up to date: work in proportion to two
builds' changes, not to the site.

The list is trusted only when it reads back as data of the right form and the spare's
``.digest-site`` marker is the very file (same device and inode) of the output's, so a
site replaced by hand or built by another copy of digest is never patched by it; nor is
one that ``watch`` or ``serve`` changed in place since in a way they did not add to the list
(a whole build: they delete it; ``InPlace``). Then every file of the spare counts as changed.
A build killed at any moment leaves at worst a staging folder that the next build deletes,
and the previous output as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from digest.incremental.manifest import files_in

FORMAT = 1
"""Of the list file; another value is a spare of another digest: not used."""


def spare_folder(output: Path) -> Path:
    return output.parent / f".{output.name}.spare"


def spare_list(output: Path) -> Path:
    return output.parent / f".{output.name}.spare.json"


def _identity(path: Path) -> list[int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return [info.st_dev, info.st_ino]


def discard(output: Path) -> None:
    """Delete the spare and its list."""
    with contextlib.suppress(FileNotFoundError):
        spare_list(output).unlink()
    folder = spare_folder(output)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            folder.unlink()


def take(output: Path, staging: Path, marker: str) -> tuple[set[str], bool] | None:
    """Move the spare to ``staging``; None (and no spare left) when there is none. Else the
    files in which it may differ from ``output``, and whether that list is exact. A spare
    whose list is missing or damaged, or which is not linked to the output, may differ
    anywhere: then it is every file of the spare, not exact (each file of the new site is
    then put in place, as in a staging folder made from nothing, but without making its
    folders or deleting a tree)."""
    folder, listing = spare_folder(output), spare_list(output)
    if not folder.is_dir() or folder.is_symlink():
        discard(output)
        return None
    try:
        changed = _changed(json.loads(listing.read_bytes()))
    except (OSError, ValueError):
        changed = None
    # The list goes first, so a build killed between the two steps leaves no list that
    # could vouch for a folder it no longer describes.
    with contextlib.suppress(FileNotFoundError):
        listing.unlink()
    try:
        os.rename(folder, staging)
    except OSError:
        discard(output)
        return None
    if changed is None or not _linked(output, staging, marker):
        return set(files_in(staging)), False
    return changed, True


def suspend(output: Path) -> None:
    """The output is about to be changed in place in ways not told to ``InPlace`` (a whole
    build of ``watch`` or ``serve``, search's index): the spare's list no longer says how
    the two differ, so it goes (see ``take``)."""
    with contextlib.suppress(FileNotFoundError):
        spare_list(output).unlink()


class InPlace:
    """The spare's list kept true while ``watch`` or ``serve`` replace and remove files of
    the output one by one: every file is added to the list (written again, atomically)
    before it is written or removed, so the list covers each difference even if the
    session is killed after any step. (Replacing a file gives the output a new one, and
    the spare keeps the old: never written through the hard link they shared.) No list, or
    one that does not read back: nothing to keep."""

    def __init__(self, output: Path) -> None:
        self.output = output
        try:
            self.changed = _changed(json.loads(spare_list(output).read_bytes()))
        except (OSError, ValueError):
            self.changed = None
        if self.changed is None:
            suspend(output)

    def expect(self, paths: Iterable[str]) -> None:
        """Add ``paths`` (relative, normal form) to the list before their files change."""
        if self.changed is None:
            return
        new = set(paths) - self.changed
        if not new:
            return
        self.changed |= new
        if not _write_list(spare_list(self.output), self.changed):
            suspend(self.output)  # a list that could not be written vouches for nothing
            self.changed = None


def _linked(output: Path, tree: Path, marker: str) -> bool:
    """Whether ``tree`` and ``output`` share their marker: the same file, hard-linked.
    A copy, a site replaced by hand or by another build, has a marker of its own. A cache
    restored from one archive (``actions/cache``: tar keeps hard links) still shares it."""
    mine = _identity(output / marker)
    return mine is not None and mine == _identity(tree / marker)


def _changed(data: object) -> set[str] | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    changed = data.get("changed")
    if not isinstance(changed, list) or not all(isinstance(rel, str) for rel in changed):
        return None
    return set(changed)


def keep(output: Path, old_tree: Path, changed: Iterable[str], marker: str) -> None:
    """Keep ``old_tree`` (the output just swapped out) as the spare of ``output``, which
    differs from it in ``changed``: with that list when the two share their marker, else
    with none (every file then counts as changed)."""
    discard(output)
    folder, listing = spare_folder(output), spare_list(output)
    try:
        os.rename(old_tree, folder)
    except OSError:
        shutil.rmtree(old_tree, ignore_errors=True)
        return
    if not _linked(output, folder, marker):
        return
    _write_list(listing, changed)


def _write_list(listing: Path, changed: Iterable[str]) -> bool:
    data = {"format": FORMAT, "changed": sorted(set(changed))}
    tmp = listing.with_name(f"{listing.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, listing)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True
