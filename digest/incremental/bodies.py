"""Article bodies left in the cache until something reads one.

An article found in the cache (``digest.pipeline.load``) comes without its body: the
Markdown of 100,000 articles is 400 MB, most of what a build would hold, and a daily
update reads a few of them. Its ``body`` holds a ``StoredBody`` instead, which fetches the
text from the cache's ``articles`` table when the body is first read (``digest.model``):
an article page whose rendered body is cached does not even do that. (Asking for many
bodies in one query was measured at 24 µs a body against 27 µs one at a time: not worth a
second way in.)

The cache is an optimisation only, so a body it no longer gives (the file deleted, damaged
or replaced since the articles were loaded, or the entry dropped) is taken from the
article's file, if its bytes are still the ones the article was parsed from. A file
changed since then has no body to give that this build's pages could show: the build
stops with an error at the file, and the next one reads it anew.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.errors import DigestError
from digest.model import Article, Pending

CHUNK = 500
"""Keys asked for in one query (SQLite allows 32,766 parameters; any more is no faster)."""


class BodyStore:
    """The bodies of one build's cached articles: the cache file they are in, and the site
    whose files they come from. Crosses to worker processes without its connection."""

    def __init__(self, database: Path, root: Path, tz: ZoneInfo) -> None:
        self.database, self.root, self.tz = database, root, tz
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return BodyStore, (self.database, self.root, self.tz)

    def later(self, key: str) -> StoredBody:
        """The body of cache entry ``key``, to fetch when read."""
        return StoredBody(self, key)

    def _reader(self) -> sqlite3.Connection:
        """This process's connection: a forked worker must not use its parent's (kept, not
        closed: closing it in the child could undo the parent's locks)."""
        if self._db is None or self._pid != os.getpid():
            if self._db is not None:
                self._inherited.append(self._db)
            self._db = sqlite3.connect(self.database, timeout=5, isolation_level=None)
            self._pid = os.getpid()
        return self._db

    def texts(self, keys: Iterable[str]) -> dict[str, str]:
        """``key -> body`` of the entries the cache has (any it lacks, or cannot give, are
        left out)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        try:
            db = self._reader()
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, body FROM articles WHERE key IN ({marks})"
                for key, body in db.execute(query, chunk).fetchall():
                    if type(key) is str and type(body) is str:
                        found[key] = body
        except sqlite3.Error:
            pass  # what is missing is taken from the files
        return found

    def from_file(self, article: Article) -> str:
        """The body from the article's file, when its bytes are still the article's."""
        try:
            data = (self.root / article.path).read_bytes()
        except OSError:
            data = b""
        from digest.formats.article import parse_article  # the rare way: see load

        found, _ = parse_article(article.path, data, self.tz) if data else (None, [])
        if found is None or found.content_hash != article.content_hash:
            message = "changed during the build (its body is no longer the one loaded)"
            raise DigestError.at(article.path, 0, f"{message}; build again")
        return found.body


class StoredBody(Pending):
    """A body left in the cache: entry ``key`` of ``store``."""

    __slots__ = ("key", "store")

    def __init__(self, store: BodyStore, key: str) -> None:
        self.store, self.key = store, key

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return StoredBody, (self.store, self.key)

    def fetch(self, article: Article) -> str:
        found = self.store.texts([self.key]).get(self.key)
        return found if found is not None else self.store.from_file(article)
