"""The manifest of the last build (every output file with its
fingerprint, size and modification time) and the input snapshot that lets a build with
nothing to do return at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from digest.incremental import store
from digest.incremental.identity import key_of


def input_snapshot(
    settings: Iterable[str],
    paths: Iterable[Path],
    known: Iterable[tuple[str, os.stat_result | None]] = (),
) -> str:
    """Identity of everything a build reads: the settings that shape it (options, the
    tool), then each input file's path, size, modification and change times and inode.
    Equal to the last build's (and the output untouched), there is nothing to do: no file
    is even parsed. The change time and inode are there as in git's index: an edit that
    keeps the size and puts the old mtime back (``tar``, ``rsync -t``) still changes them.
    ``known``: files already looked at, with their stat (None: it could not be taken);
    ``paths`` are looked at here."""
    parts = list(settings)
    for path, stat in known:
        parts.append(_stat_part(path, stat))
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            stat = None
        parts.append(_stat_part(os.fspath(path), stat))
    return key_of(*parts)


def _stat_part(path: str, stat: os.stat_result | None) -> str:
    if stat is None:
        return f"{path}\0missing"
    return f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}"


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder`` (links followed), sorted folder by folder."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames.sort()
        paths.extend(Path(dirpath, name) for name in sorted(filenames))
    return paths


def files_in(folder: Path) -> Iterator[str]:
    """The files of an output folder, as posix paths relative to it (links not followed,
    as ``os.walk`` does). Plain strings and ``os.scandir``: a rebuild of a large site walks
    the whole output, and path objects per file cost more than the walk itself."""
    stack = [("", os.fspath(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                walk = is_dir and not entry.is_symlink()
            except OSError:
                is_dir = walk = False
            if walk:
                stack.append((f"{prefix}{entry.name}/", entry.path))
            elif not is_dir:  # a link to a folder is neither walked nor a file (os.walk)
                yield f"{prefix}{entry.name}"


_DIR = 0o040000
"""``S_IFDIR``: a folder where the last build wrote a file is no file of it."""


def _as_recorded(found: os.stat_result, size: int, mtime: int) -> bool:
    """Whether a file's stat is the one its entry recorded: untouched since written."""
    return found.st_size == size and found.st_mtime_ns == mtime and not found.st_mode & _DIR


def _holds(file: str, entry: tuple[str, int, int]) -> bool:
    """Whether ``file`` (a string, not a path object: this runs for every page of the site)
    is there as ``entry`` recorded it."""
    try:
        return _as_recorded(os.stat(file), entry[1], entry[2])
    except OSError:
        return False


Written = tuple[int, int]
"""A file just written: its size and modification time (ns), as the manifest records them."""


class Manifest:
    """``output path -> (fingerprint, size, mtime)`` of the last build, kept in the cache
    folder (never in the published output), one row per file. A file is trusted only while
    its size and modification time are still the recorded ones.

    ``write`` changes only the rows that differ from those read (or last written): after a
    build that rendered 100 pages of 12,000, 100 rows."""

    FORMAT = 2
    """2: ``manifest-<output>.sqlite``. A format-1 manifest (``manifest-<output>.json``, an
    older digest's) is read once and replaced."""
    _SCHEMA = (
        "CREATE TABLE files (path TEXT PRIMARY KEY, fingerprint TEXT, size INT, mtime INT)",
        "CREATE TABLE build (name TEXT PRIMARY KEY, value TEXT)",
    )

    def __init__(self, cache_dir: Path, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = cache_dir / f"manifest-{key}.sqlite"
        self._older = cache_dir / f"manifest-{key}.json"
        self._entries: dict[str, tuple[str, int, int]] = {}
        self._unread = False
        """Whether the file's rows are still to be read into ``entries`` (on first use)."""
        self.inputs = ""
        """Identity of every input of the last build (paths, sizes, mtimes, options)."""
        self.summary: dict[str, int] = {}
        """The last build's counts, to report when nothing needs building."""
        self.warning: str | None = None
        self._stored: dict[Any, Any] | None = None
        """The rows as the file holds them (None: not known, the file is written anew)."""
        self._checked: set[str] = set()
        """Files found ``fresh``: their recorded size and mtime still hold."""
        self._untouched: tuple[str, set[str]] | None = None
        """``check_files``: the output checked, and its files whose size and mtime held."""
        self._seen: tuple[str, set[str]] | None = None
        """The same once ``fresh_many`` took it, for the files this build carries over with
        no fingerprint of their own (``as_recorded``); dropped by ``save``."""
        self.dropped: list[str] | None = None
        """The files the last ``write`` dropped (None: it wrote the file anew)."""
        self.signatures: dict[str, Any] = {}
        """The last build's signatures of groups of pages (``digest.incremental.signatures``),
        vouching for the fingerprints of ``entries``: only ``save`` writes them, together
        with those, so a manifest another writer changed (``watch``) holds none."""
        self._signatures_to_write: dict[str, Any] = {}
        self.templates: dict[str, Any] = {}
        """What the templates the last builds read refer to, by source
        (``digest.incremental.template_hashes.References``): data, each value checked on use.
        Kept by every write: it holds for a source whatever the pages' fingerprints."""

    @property
    def entries(self) -> dict[str, tuple[str, int, int]]:
        if self._unread:
            self._read(self._load_rows)
        return self._entries

    @entries.setter
    def entries(self, entries: dict[str, tuple[str, int, int]]) -> None:
        self._entries, self._unread, self._untouched = entries, False, None

    def load(self) -> Manifest:
        """Read the last build's record; its files are read when first asked for (a build
        whose inputs changed never asks ``_unchanged`` for them)."""
        self.entries, self._stored, self.signatures, self.templates = {}, None, {}, {}
        self._read(self._load_build)
        return self

    def _read(self, step: Callable[[sqlite3.Connection], None]) -> None:
        self._unread = False
        try:
            db = store.open_store(self.path, self.FORMAT)
            if db is None:
                if self._older.is_file():
                    self._load_older()
                return
            try:
                step(db)
            finally:
                store.close(db)
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.entries, self._stored, self.signatures, self.templates = {}, None, {}, {}
            self.warning = f"cache ignored, doing a full build ({type(exc).__name__}: {exc})"

    def _load_build(self, db: sqlite3.Connection) -> None:
        build = dict(db.execute("SELECT name, value FROM build").fetchall())
        inputs, summary = build.get("inputs", ""), json.loads(build.get("summary", "{}"))
        if type(inputs) is not str or type(summary) is not dict:
            raise ValueError("not a build record")
        self.summary = {str(k): int(v) for k, v in summary.items()}
        signatures = json.loads(build.get("signatures") or "{}")
        self.signatures = signatures if type(signatures) is dict else {}
        templates = json.loads(build.get("templates") or "{}")
        self.templates = templates if type(templates) is dict else {}
        self.inputs, self._unread = inputs, True

    def _load_rows(self, db: sqlite3.Connection) -> None:
        stored: dict[Any, Any] = {}
        entries = {}
        query = "SELECT path, fingerprint, size, mtime FROM files"
        for path, fingerprint, size, mtime in db.execute(query):
            # A row that is not what ``write`` wrote is no entry (and is dropped next time).
            entry = stored[path] = (fingerprint, size, mtime)
            if type(path) is str and type(fingerprint) is str and type(size) is type(mtime) is int:
                entries[path] = entry
        self.entries, self._stored = entries, stored

    def _load_older(self) -> None:
        data = json.loads(self._older.read_text(encoding="utf-8"))
        if data.get("format") != 1:
            raise ValueError(f"unknown format {data.get('format')!r}")
        self.entries = {str(k): (str(v[0]), int(v[1]), int(v[2])) for k, v in data["files"].items()}
        self.inputs = str(data.get("inputs", ""))
        self.summary = {str(k): int(v) for k, v in data.get("summary", {}).items()}

    def fresh(self, output: Path, path: str, fingerprint: str) -> bool:
        """Whether ``output/path`` is a file the last build wrote with ``fingerprint``, its
        size and mtime untouched since."""
        entry = self.entries.get(path)
        if entry is None or entry[0] != fingerprint or not _holds(f"{output}/{path}", entry):
            return False
        self._checked.add(path)
        return True

    def check_files(self, output: Path) -> None:
        """Stat every recorded file of ``output`` now, for ``fresh_many`` to look up: a build
        does it while it waits for another process (the stories), before its plan says
        which files it wants (10,000 stats: ~45 ms that the plan's own work then skips)."""
        prefix, untouched, stat = f"{output}/", set(), os.stat
        for path, (_, size, mtime) in self.entries.items():
            try:
                found = stat(prefix + path)
            except OSError:
                continue
            if _as_recorded(found, size, mtime):
                untouched.add(path)
        self._untouched = (str(output), untouched)

    def fresh_many(self, output: Path, items: Iterable[tuple[str, str]]) -> Iterator[bool]:
        """``fresh`` of each ``(path, fingerprint)``, in order: the same test, with what it
        looks up taken once (this runs for every page of the site, on every build); the
        files' stats as ``check_files`` found them, when it ran for this output."""
        entries, checked, prefix = self.entries, self._checked, f"{output}/"
        # Taken once: a later look at the files (the next build's, watch's) stats them anew.
        checked_before, self._untouched = self._untouched, None
        self._seen = checked_before
        untouched = None
        if checked_before is not None and checked_before[0] == str(output):
            untouched = checked_before[1]
        if untouched is not None:  # the usual build: set look-ups, no call per page
            items = items if isinstance(items, list) else list(items)
            got = entries.get
            fresh = [
                path in untouched and (entry := got(path)) is not None and entry[0] == stamp
                for path, stamp in items
            ]
            checked.update([path for (path, _), ok in zip(items, fresh, strict=True) if ok])
            yield from fresh
            return
        for path, fingerprint in items:
            entry = entries.get(path)
            if entry is None or entry[0] != fingerprint or not _holds(prefix + path, entry):
                yield False
                continue
            checked.add(path)
            yield True

    def as_recorded(self, output: Path, paths: Sequence[str]) -> list[bool]:
        """Whether each of ``paths`` is the file of ``output`` this manifest recorded, its
        size and mtime untouched (the search index's files, which a build carries over
        unfingerprinted); one that is counts as checked, so ``save`` keeps its entry without
        looking again. From ``check_files``' stats when this build took them."""
        seen, entries, prefix = self._seen, self.entries, f"{output}/"
        if seen is not None and seen[0] == str(output):
            found = [path in seen[1] for path in paths]
        else:
            found = [
                (entry := entries.get(path)) is not None and _holds(prefix + path, entry)
                for path in paths
            ]
        self._checked.update([path for path, ok in zip(paths, found, strict=True) if ok])
        return found

    def intact(self, output: Path) -> bool:
        """Whether the output holds exactly the recorded files, each untouched."""
        # Strings, not path objects: a no-change build of a large site is mostly this loop.
        folder, stat_of = os.fspath(output) + os.sep, os.stat
        try:
            for path, (_, size, mtime) in self.entries.items():
                stat = stat_of(folder + path)
                if stat.st_size != size or stat.st_mtime_ns != mtime:
                    return False
        except (OSError, ValueError):
            return False
        return sum(1 for _ in files_in(output)) == len(self.entries)

    def save(
        self,
        output: Path,
        fingerprints: dict[str, str],
        inputs: str = "",
        summary: dict[str, int] | None = None,
        written: dict[str, Written] | None = None,
        signatures: dict[str, Any] | None = None,
    ) -> str | None:
        """Record the output as built; returns a warning instead of failing the build.
        ``written``: the size and mtime of files as this build wrote them; a file found
        ``fresh`` keeps the ones recorded (the writer kept it as it was); the others are
        looked up. ``signatures``: of groups of these pages, for the next build."""
        known = written or {}
        entries, last, checked = {}, self.entries, self._checked
        for path, fingerprint in fingerprints.items():
            found = known.get(path)
            if found is None:
                entry = last.get(path)
                if entry is not None and entry[0] == fingerprint and path in checked:
                    entries[path] = entry
                    continue
                try:
                    stat = (output / path).stat()
                except OSError:
                    continue
                found = stat.st_size, stat.st_mtime_ns
            entries[path] = (fingerprint, *found)
        self.entries = entries
        self.inputs = inputs
        self.summary = summary or {}
        self._checked, self._seen = set(), None
        self._signatures_to_write = signatures or {}
        return self.write()

    def write(self) -> str | None:
        """Record ``entries`` as they are, without looking at the output (``watch`` keeps
        them up to date itself); returns a warning instead of failing."""
        entries, stored = self.entries, self._stored
        # Signatures only from ``save``, which has just fingerprinted these entries: any
        # other write (a patch changing rows) drops them.
        signatures, self._signatures_to_write = self._signatures_to_write, {}
        build = [
            ("inputs", self.inputs),
            ("summary", json.dumps(self.summary, sort_keys=True)),
            ("signatures", json.dumps(signatures)),
            ("templates", json.dumps(self.templates, sort_keys=True)),
        ]

        gone = None if stored is None else [p for p in stored if p not in entries]

        def every_row(db: sqlite3.Connection) -> None:
            rows = ((p, *e) for p, e in entries.items())
            db.executemany("INSERT INTO files VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT INTO build VALUES (?, ?)", build)

        def changed_rows(db: sqlite3.Connection) -> None:
            assert stored is not None and gone is not None
            db.executemany("DELETE FROM files WHERE path=?", ((p,) for p in gone))
            rows = [(p, *e) for p, e in entries.items() if stored.get(p) != e]
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)
            db.executemany("INSERT OR REPLACE INTO build VALUES (?, ?)", build)

        try:
            db = None if stored is None else store.open_store(self.path, self.FORMAT)
            if db is None:  # none, or not known: written whole
                gone = None
                store.replace_store(self.path, self.FORMAT, self._SCHEMA, every_row)
            else:
                try:
                    store.in_transaction(db, changed_rows)
                finally:
                    store.close(db)
            self._older.unlink(missing_ok=True)
        except (sqlite3.Error, OSError) as exc:
            self._stored = self.dropped = None
            self.signatures = {}
            reason = getattr(exc, "strerror", None) or exc
            return f"cannot write the cache ({reason}); the next build will be a full one"
        self._stored, self.dropped = dict(entries), gone
        self.signatures = signatures
        return None
