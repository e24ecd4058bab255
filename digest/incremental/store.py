"""The small SQLite files the last build leaves per output folder (its manifest, its pages'
reads), changed row by row: a build that renders 100 pages of 12,000 writes 100 rows,
where a JSON file had to be read whole and written whole every time.

Nothing here interprets a row: each reader checks the fields of every row it takes, and a
row that is not what it wrote counts as missing. A file that is damaged, of another
format or not a database raises ``sqlite3.Error`` on opening; its owner then starts
afresh with ``replace``, which writes a new file and swaps it in, as the JSON files were.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

_SIDE_FILES = ("-wal", "-shm", "-journal")


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:
        db.close()
        raise
    return db


def open_store(path: Path, form: int) -> sqlite3.Connection | None:
    """The file at ``path``, or None when there is none; raises ``sqlite3.Error`` when it
    is not a database of format ``form``."""
    if not path.is_file():
        return None
    db = _connect(path)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != form:
            raise sqlite3.DatabaseError(f"format {version}, this digest reads {form}")
    except sqlite3.Error:
        db.close()
        raise
    return db


def replace_store(
    path: Path, form: int, schema: Sequence[str], fill: Callable[[sqlite3.Connection], None]
) -> None:
    """Write a new file of format ``form``: ``schema``'s statements, then ``fill``; made
    aside and swapped in whole, so a damaged file (or one of an older format) is replaced
    rather than written into. Raises ``sqlite3.Error`` or ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    for stale in (tmp, *(Path(f"{tmp}{s}") for s in _SIDE_FILES)):
        stale.unlink(missing_ok=True)
    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        for statement in schema:
            db.execute(statement)
        db.execute("BEGIN")
        fill(db)
        db.execute("COMMIT")
        db.execute(f"PRAGMA user_version={form}")
    except BaseException:
        db.close()
        tmp.unlink(missing_ok=True)
        raise
    db.close()  # the last connection: its write-ahead log is folded in and removed
    # A log left by the old file must not be played back into the new one.
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)


def in_transaction(db: sqlite3.Connection, work: Callable[[sqlite3.Connection], None]) -> None:
    """``work(db)`` in one transaction, rolled back if it fails (and the error raised)."""
    db.execute("BEGIN")
    try:
        work(db)
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def close(db: sqlite3.Connection | None) -> None:
    if db is not None:
        with contextlib.suppress(sqlite3.Error):
            db.close()
