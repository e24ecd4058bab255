"""A persistent cache of what is expensive and pure, in ``.digest-cache/cache.sqlite``.

Five tables: parsed articles keyed by the file's path, bytes and everything that shapes
parsing (the site timezone, the tool itself), each record's body in a column of its own so
that loading leaves it there (``digest.incremental.bodies``); rendered Markdown bodies
keyed by the file's bytes and the Markdown settings; and memos, what a stage keeps of the
last build to redo only what changed (the stories, by ``digest.pipeline.stories``); and
stats, what entry each content file's size and times stood for, so an unchanged file is
not even read (``digest.pipeline.load``); and fragments, what a macro rendered of one
article (``digest.incremental.fragments``). All hold text only (articles as the JSON
records of ``digest.incremental.records``): nothing read back from the cache can run
code. A build after
``git pull`` of 20 new articles parses and renders 20 articles, not all of them. The
cache is an optimisation only: a missing, corrupt, future-format or unwritable cache
means a full build and a warning, never an error.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from digest.incremental.memo_rows import memo_digest, memo_text, write_memo
from digest.incremental.memos import Memo, text_of

CACHE_DIR = ".digest-cache"
STORIES_MEMO = "stories"
"""The memo of the last build's stories (``digest.pipeline.stories.story_groups``)."""
FORMAT = 4
"""3: the ``stats`` table (what a content file's size and times last stood for); 4: each
stats row holds its entry's record but for the body, so loading reads that small table
alone, not 10,000 rows scattered through the articles'. A format-2 or 3 cache is the same
but for these, so it is taken over rather than thrown away."""
FILENAME = "cache.sqlite"
BATCH = 256
"""New entries are written this many at a time: a cold build of 100,000 articles must not
hold every parsed article and rendered body in memory until the end."""

FRAGMENTS = 8
"""Fragments an article may have: the built-in theme's feeds' entries are two."""

SLACK = 256
"""Entries no current article uses are dropped once they may be more than this (or an
eighth of those in use): telling which they are takes the key of every article and body,
so it is done once in that many changes rather than on every build."""


class Cache:
    """Get and put are cheap and never raise: on any database error the cache switches
    itself off for the rest of the build and keeps the reason as a warning."""

    def __init__(self, folder: Path | None) -> None:
        self.warning: str | None = None
        self.folder = folder
        self._db: sqlite3.Connection | None = None
        self._path = folder / FILENAME if folder is not None else None
        self._pid = os.getpid()
        self._new_articles: list[tuple[str, str, str]] = []
        self._new_bodies: list[tuple[str, str]] = []
        self._new_fragments: list[tuple[str, str, str, str, str, str]] = []
        self._new_memos: dict[str, str] = {}
        self._new_stats: list[tuple[str, str | None, str | None, str | None]] = []
        self._new_stat_times: list[tuple[str | None, str]] = []
        self._empty: set[str] = set()
        self._memos_read: dict[str, tuple[int, bytes]] = {}
        """The length and ``memo_digest`` of each memo read, not its text (see there)."""
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / FILENAME, timeout=5, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 1:  # pickled articles: never read, dropped
                db.execute("DROP TABLE IF EXISTS articles")
            elif version not in (0, 2, 3, FORMAT):
                db.close()
                raise sqlite3.DatabaseError(f"cache format {version}, this digest reads {FORMAT}")
            for table in _TABLES:
                db.execute(f"CREATE {table}")
            columns = [row[1] for row in db.execute("PRAGMA table_info(stats)")]
            if "meta" not in columns:  # format 3's: its rows' records are the articles'
                db.execute("ALTER TABLE stats ADD COLUMN meta TEXT")
            db.execute(f"PRAGMA user_version={FORMAT}")
            # A cold build asks for every article and body: with nothing stored there is
            # nothing to find (entries this build writes are ones it already has).
            self._empty = {
                table
                for table in ("articles", "bodies", "fragments")
                if db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
            }
            self._db = db
        except (sqlite3.Error, OSError) as exc:
            self._off(exc)

    def _off(self, exc: BaseException) -> None:
        self.warning = f"cache not used ({type(exc).__name__}: {exc}); doing a full build"
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _reader(self) -> sqlite3.Connection | None:
        """This process's connection: a forked worker must not use its parent's."""
        if self._db is None or self._pid == os.getpid():
            return self._db
        assert self._path is not None
        self._db = sqlite3.connect(self._path, timeout=5, isolation_level=None)
        self._pid = os.getpid()
        return self._db

    def _get(self, table: str, columns: str, key: Any, by: str = "key", many: bool = False) -> Any:
        """The row whose ``by`` is ``key`` (``many``: a list of the rows whose ``by`` is one
        of the ``key`` given)."""
        if table in self._empty:
            return None
        try:
            db = self._reader()
            if db is None:
                return None
            if not many:
                return db.execute(f"SELECT {columns} FROM {table} WHERE {by}=?", key).fetchone()
            query = f"SELECT {columns} FROM {table} WHERE {by} IN ({', '.join('?' * len(key))})"
            return db.execute(query, key).fetchall()
        except sqlite3.Error as exc:
            self._off(exc)
            return None

    def get_record(self, key: str) -> Any:
        """A parsed article's record as stored, without its body (``digest.incremental.records``;
        checked by whoever decodes it, as it is whatever the cache file holds). The body
        stays in the cache until read: see ``bodies``."""
        row = self._get("articles", "meta", (key,))
        return row[0] if row else None

    @property
    def database(self) -> Path | None:
        """The cache file, while the cache is in use (where ``bodies`` fetches bodies from)."""
        return self._path if self._db is not None else None

    def get_stats(self) -> Iterator[tuple[Any, ...]]:
        """Every ``(rel, stat, key, borrowed, meta)`` the last build left, in one query:
        the content file ``rel`` held the bytes of cache entry ``key`` (whose record, but
        for the body, is ``meta``; ``borrowed``: read from the entry, the row has none of
        its own) while its stat (text, as ``put_stat`` wrote it) was ``stat``.
        Unchecked: the row is whatever the file holds; ``stat`` None: not to be trusted.
        Given a few at a time: 100,000 rows at once are a hundred megabytes the build
        would not give back."""
        if "articles" in self._empty:
            return
        try:
            db = self._reader()
            if db is None:
                return
            # A row of format 3 has no record of its own: its entry's, while there is one.
            query = (
                "SELECT rel, stat, key, meta IS NULL,"
                " coalesce(meta, (SELECT a.meta FROM articles a WHERE a.key = s.key))"
                " FROM stats s"
            )
            rows = db.execute(query)
            while batch := rows.fetchmany(1024):
                yield from batch
        except sqlite3.Error as exc:  # the rows given are right: the rest are misses
            self._off(exc)

    def put_stat(
        self,
        rel: str,
        stat: str | None,
        key: str | None,
        meta: str | None = None,
        only_stat: bool = False,
    ) -> None:
        """Kept with the next ``save``: ``rel``'s stat now stands for ``key``, whose record
        but for the body is ``meta`` (key None: for nothing, the row is dropped; stat None:
        the file held ``key``'s bytes, but its stat may not tell (racy, or a fresh
        checkout's), so the row is found by the hash). ``only_stat``: the row read holds
        ``key`` and ``meta`` already, so its stat alone is written (a fresh checkout's ten
        thousand records are not sent again); with no stat, nothing is: the row's stat, if
        any, named these very bytes (a stat never names other bytes: ctime only moves on),
        and NULL over it would find nothing more."""
        if self._db is None:
            pass
        elif only_stat:
            if stat is not None:
                self._new_stat_times.append((stat, rel))
        else:
            self._new_stats.append((rel, stat, key, meta))

    def put_record(self, key: str, record: tuple[str, str]) -> None:
        if self._db is not None:
            self._new_articles.append((key, *record))
            if len(self._new_articles) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        """Write the entries collected so far. Entries are keyed by content, so one written
        by a build that then fails is still right; ``save`` drops those no longer used."""
        self._transaction(lambda db: None)

    def _transaction(self, then: Callable[[sqlite3.Connection], None]) -> None:
        """Store the new entries, then ``then(db)``, in one transaction; a failure turns
        the cache off (a warning), never the build."""
        if self._db is None:
            return
        db = self._db
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?, ?)", self._new_articles)
            db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?)", self._new_bodies)
            db.executemany(f"INSERT OR REPLACE INTO fragments VALUES ({_6})", self._new_fragments)
            for name, text in self._new_memos.items():
                write_memo(db, name, text)
            db.executemany(
                "DELETE FROM stats WHERE rel=?",
                ((row[0],) for row in self._new_stats if row[2] is None),
            )
            db.executemany(
                "INSERT OR REPLACE INTO stats VALUES (?, ?, ?, ?)",
                (row for row in self._new_stats if row[2] is not None),
            )
            db.executemany("UPDATE stats SET stat=? WHERE rel=?", self._new_stat_times)
            then(db)
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            self._off(exc)
        self._new_articles.clear()
        self._new_bodies.clear()
        self._new_fragments.clear()
        self._new_memos.clear()
        self._new_stats.clear()
        self._new_stat_times.clear()

    def get_memo(self, name: str) -> str | None:
        """What a stage kept of the last build under ``name`` (text, checked by its reader)."""
        try:
            db = self._reader()
            row = (
                db.execute("SELECT value FROM memos WHERE name=?", (name,)).fetchone()
                if db
                else None
            )
        except sqlite3.Error as exc:
            self._off(exc)
            return None
        value = memo_text(row[0]) if row else None
        if value is not None:
            self._memos_read[name] = (len(value), memo_digest(value))
        return value

    def put_memo(self, name: str, memo: Memo | None) -> None:
        """Kept with the next ``save`` (one value per name: the last build's; None: none).
        The value read is not written back: a memo is megabytes."""
        value = text_of(memo) if self._db is not None else None
        if value is None:
            return
        read = self._memos_read.get(name)
        # A memo that changed mostly changed its length: hashed only when it did not.
        if read is None or read[0] != len(value) or read[1] != memo_digest(value):
            self._new_memos[name] = value

    def get_body(self, key: str) -> str | None:
        row = self._get("bodies", "html", (key,))
        return row[0] if row and isinstance(row[0], str) else None

    def put_bodies(self, items: Iterable[tuple[str, str]]) -> None:
        if self._db is not None:
            self._new_bodies.extend(items)
            if len(self._new_bodies) >= BATCH:
                self._flush()

    def get_fragments(self, articles: Sequence[str]) -> list[Any]:
        """The (article, key, text, names read) of each kept fragment of the articles'
        identities given (unchecked: see ``fragments``)."""
        return self._get("fragments", "article, key, html, names", articles, "article", True) or []

    def put_fragments(self, items: Iterable[tuple[str, str, str, str, str, str]]) -> None:
        if self._db is not None:
            self._new_fragments.extend(items)
            if len(self._new_fragments) >= BATCH:
                self._flush()

    def save(
        self, article_keys: Iterable[str], body_keys: Iterable[str], idents: Iterable[str] = ()
    ) -> None:
        """Store what is new, and drop entries no current article uses once they may be
        many (``SLACK``): fragments of an article's body key not in ``body_keys`` or made
        with templates not in ``idents`` as well. Both are only consumed then."""
        in_use = set(article_keys)
        if {"articles", "bodies"} <= self._empty or not self._may_hold_unused(len(in_use)):
            # Started empty: everything stored since is this build's own, so none unused.
            self._transaction(lambda db: None)
            return

        def drop_unused(db: sqlite3.Connection) -> None:
            for table, keys in (("articles", in_use), ("bodies", body_keys), ("idents", idents)):
                db.execute(f"CREATE TEMP TABLE IF NOT EXISTS keep_{table} (key TEXT PRIMARY KEY)")
                db.execute(f"DELETE FROM keep_{table}")
                db.executemany(f"INSERT OR IGNORE INTO keep_{table} VALUES (?)", map(_row, keys))
            for table, unused in _UNUSED:
                db.execute(f"DELETE FROM {table} WHERE {unused}")
            # A file gone, or whose entry is: its row would only ever miss.
            db.execute("DELETE FROM stats WHERE key NOT IN (SELECT key FROM keep_articles)")

        self._transaction(drop_unused)

    def _may_hold_unused(self, in_use: int) -> bool:
        """Whether more than ``SLACK`` rows of a table may be unused. Each file in use has
        one article, one body (or fewer: duplicates share them) and one stat row, so any
        rows past that many are unused; the counts come from the keys' indexes. Fragments
        are a few an article (``FRAGMENTS``): rows past that many are surely unused."""
        if self._db is None:
            return False
        tables = ("articles", "bodies", "stats", "fragments")
        query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
        try:
            counts = self._db.execute(query).fetchone()
        except sqlite3.Error as exc:
            self._off(exc)
            return False
        # A new stat row mostly replaces one (every racy file's row is written again each
        # build): only the stored rows count; a file gone leaves its entry unused as well.
        pending = (len(self._new_articles), len(self._new_bodies), 0, len(self._new_fragments))
        slack = max(SLACK, in_use // 8)
        uses = (in_use, in_use, in_use, FRAGMENTS * in_use)
        return any(n + new - u > slack for n, new, u in zip(counts, pending, uses, strict=True))

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


_6 = "?, ?, ?, ?, ?, ?"
_UNUSED = (
    ("articles", "key NOT IN (SELECT key FROM keep_articles)"),
    ("bodies", "key NOT IN (SELECT key FROM keep_bodies)"),
    ("fragments", "body NOT IN keep_bodies OR ident NOT IN keep_idents"),
)
_TABLES = (
    "TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, meta TEXT, body TEXT)",
    "TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT)",
    "TABLE IF NOT EXISTS memos (name TEXT PRIMARY KEY, value TEXT)",
    "TABLE IF NOT EXISTS stats (rel TEXT PRIMARY KEY, stat TEXT, key TEXT, meta TEXT)",
    "TABLE IF NOT EXISTS fragments"
    " (key TEXT PRIMARY KEY, article TEXT, ident TEXT, body TEXT, html TEXT, names TEXT)",
    "INDEX IF NOT EXISTS fragments_of ON fragments (article)",
)


def _row(key: str) -> tuple[str]:
    return (key,)
