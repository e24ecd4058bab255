"""What each page of the last build read (``digest.incremental.reads``), kept per output
folder in ``.digest-cache/reads-<output>.sqlite``, one row per page."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from digest.incremental import store
from digest.incremental.reads import EVERYTHING, Reads

_MISSING: Any = object()
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _encode(reads: Reads) -> str:
    """A page's reads as a row holds them: ``[paths, [names, numbers or null], ...]``, the
    fields read of the same articles grouped, and each article's path written once (a day
    page reads six fields of each of its articles)."""
    by_paths: dict[frozenset[str] | None, list[str]] = {}
    for name, found in reads.items():
        by_paths.setdefault(found, []).append(name)
    numbers: dict[str, int] = {}
    groups: list[Any] = [numbers]
    for found, names in by_paths.items():
        at = None if found is None else [numbers.setdefault(p, len(numbers)) for p in found]
        groups.append([names, at])
    groups[0] = list(numbers)
    return _ENCODER.encode(groups)


def _decode(data: Any) -> Reads | None:
    """What ``_encode`` wrote, or None for anything else (the row may hold anything)."""
    if type(data) is not str:
        return None
    try:
        groups = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if type(groups) is not list or not groups or type(groups[0]) is not list:
        return None
    paths = groups[0]
    if not all(type(p) is str for p in paths):
        return None
    count = len(paths)
    reads: Reads = {}
    for group in groups[1:]:
        if type(group) is not list or len(group) != 2 or type(group[0]) is not list:
            return None
        names, at = group
        if not all(type(n) is str for n in names):
            return None
        if at is not None and (
            type(at) is not list or not all(type(i) is int and 0 <= i < count for i in at)
        ):
            return None
        reads.update(dict.fromkeys(names, None if at is None else frozenset(paths[i] for i in at)))
    return reads


class PageReads:
    """``output path -> (fingerprint, reads)`` of the last render of each page, kept in the
    cache folder beside the manifest, one row per page. A page's reads are trusted only
    together with the fingerprint they were recorded under; anything missing or damaged
    reads as unknown, which re-renders the page (never an error).

    A build only records reads (``put``); ``watch`` asks for those of the few pages an
    edit reaches. So nothing is read up front: each page's row is looked up when asked
    for, and ``save`` writes the rows of the pages rendered since, not all of them."""

    FORMAT = 3
    """3: one row per page in ``reads-<output>.sqlite``; format 2 (``reads-<output>.json``,
    every page in one file) is not read, only removed."""
    _SCHEMA = ("CREATE TABLE pages (page TEXT PRIMARY KEY, fingerprint TEXT, reads TEXT)",)

    def __init__(self, cache_dir: Path, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = cache_dir / f"reads-{key}.sqlite"
        self._older = cache_dir / f"reads-{key}.json"
        self._new: dict[str, tuple[str, Reads]] = {}
        """Recorded since the last ``save``."""
        self._known: dict[str, tuple[str, Reads] | None] = {}
        """Rows looked up since the last ``save``."""
        self._keep: set[str] | None = None
        self._drop: set[str] = set()
        self._loaded = False
        self._db: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._unreadable = False

    def load(self) -> PageReads:
        """Trust what the last build left (looked up page by page, when asked for)."""
        self._loaded = True
        return self

    def _reader(self) -> sqlite3.Connection | None:
        """This process's connection (a forked worker must not use its parent's)."""
        if self._db is not None and self._pid == os.getpid():
            return self._db
        self._db, self._pid = None, os.getpid()
        if not self._unreadable:
            try:
                self._db = store.open_store(self.path, self.FORMAT)
            except sqlite3.Error:
                self._unreadable = True
        return self._db

    def _entry(self, page: str) -> tuple[str, Reads] | None:
        entry = self._new.get(page)
        if entry is not None or not self._loaded:
            return entry
        if (self._keep is not None and page not in self._keep) or page in self._drop:
            return None
        if page in self._known:
            return self._known[page]
        found = None
        try:
            db = self._reader()
            row = None
            if db is not None:
                query = "SELECT fingerprint, reads FROM pages WHERE page=?"
                row = db.execute(query, (page,)).fetchone()
        except sqlite3.Error:
            row, self._unreadable = None, True
        if row is not None and type(row[0]) is str:
            reads = _decode(row[1])
            found = None if reads is None else (row[0], reads)
        self._known[page] = found
        return found

    def get(self, path: str, fingerprint: str) -> Reads | None:
        entry = self._entry(path)
        return dict(entry[1]) if entry is not None and entry[0] == fingerprint else None

    def affected(self, page: str, fingerprint: str, path: str, names: Iterable[str]) -> bool:
        """Whether the page, rendered under ``fingerprint``, read any of ``names`` of the
        article at ``path`` (or all of it, or the field of any article)."""
        entry = self._entry(page)
        if entry is None or entry[0] != fingerprint:
            return True
        reads = entry[1]
        for name in (EVERYTHING, *names):
            found = reads.get(name, _MISSING)
            if found is not _MISSING and (found is None or path in found):
                return True
        return False

    def put(self, path: str, fingerprint: str, reads: Reads) -> None:
        self._new[path] = (fingerprint, reads)

    def keep_only(self, paths: Iterable[str], dropped: Iterable[str] | None = None) -> None:
        """Forget every page but these (at the next ``save``). ``dropped``: the pages these
        no longer hold, when known (a manifest's ``dropped``): only their rows are looked
        at, not every row."""
        if dropped is not None:
            self._drop.update(dropped)
            for path in self._drop:
                self._new.pop(path, None)
            return
        self._keep = set(paths)
        self._new = {p: e for p, e in self._new.items() if p in self._keep}

    def save(self) -> None:
        """Best effort: a file that cannot be written only costs renders next time. Only
        the rows of pages recorded (or forgotten) since ``load`` are written."""
        new, keep, drop = self._new, self._keep, self._drop
        rows = [(p, fingerprint, _encode(reads)) for p, (fingerprint, reads) in new.items()]

        def update(db: sqlite3.Connection) -> None:
            db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", rows)
            db.executemany("DELETE FROM pages WHERE page=?", ((p,) for p in drop))
            if keep is not None:
                gone = [(p,) for (p,) in db.execute("SELECT page FROM pages") if p not in keep]
                db.executemany("DELETE FROM pages WHERE page=?", gone)

        try:
            db = self._reader() if self._loaded else None
            if db is None:
                store.replace_store(self.path, self.FORMAT, self._SCHEMA, update)
            else:
                store.in_transaction(db, update)
            self._older.unlink(missing_ok=True)
        except (sqlite3.Error, OSError):
            pass
        self.close()
        self._new, self._known, self._keep, self._drop = {}, {}, None, set()
        self._loaded, self._unreadable = True, False

    def close(self) -> None:
        if self._pid == os.getpid():
            store.close(self._db)
        self._db = None
