"""Load: find ``content/**/*.md`` (sorted), split front-matter, validate -> articles + errors."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from digest.errors import Diagnostic
from digest.incremental import records
from digest.incremental.bodies import BodyStore
from digest.incremental.cache import Cache
from digest.incremental.identity import key_hasher, key_of, tool_identity
from digest.incremental.records import ParseResult, Record
from digest.incremental.unread import MAX_CHANGED
from digest.model import Article
from digest.parallel import in_background, ordered_map
from digest.pipeline.discover import Discovered, SourceFile, discover

RACY_NS = 2_000_000_000
"""A file changed less than this before it was looked at may change again within the
same mtime tick (FAT has 2 s), size unchanged: its stat is not remembered (git's
"racy clean" rule), so the next build reads it again."""

MAX_ARTICLE_BYTES = 10_000_000
"""Larger files are refused unread: Markdown rendering time grows with size, and a
file this big in ``content/`` is a mistake, not an article."""


@dataclass(slots=True)
class LoadResult:
    articles: list[Article]
    """Valid articles, in path order (drafts included only when asked for)."""
    errors: list[Diagnostic]
    cache_keys: list[str] = field(default_factory=list)
    """The cache entry of every file read, to keep them and drop the rest."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """What is worth saying but stops nothing (a ``.MD`` file left unread)."""
    before: dict[str, Article] = field(default_factory=dict)
    """The last build's version of each file whose bytes changed since, by path, as the
    cache holds it (its body read from there if asked): ``incremental.unread``."""


def load_articles(
    root: Path,
    tz: ZoneInfo,
    drafts: bool = False,
    cache: Cache | None = None,
    jobs: int = 1,
    found: Discovered | None = None,
) -> LoadResult:
    """Load and validate every article under ``root/content``; all problems are collected.

    A file whose bytes were parsed before (same path, timezone and tool) comes from the
    cache, its body left there until read (``digest.incremental.bodies``); the others are
    parsed. One whose stat is the one recorded with its entry is not even read: those
    entries come in one query and are decoded here. The rest is read, looked up and parsed
    in ``jobs`` processes; this process collects. ``found``: ``discover(root)``, when the
    caller already asked (its list is not changed).
    """
    files, errors, warnings = found if found is not None else discover(root)
    errors = list(errors)
    identity = tool_identity()
    context = key_of(identity, tz.key)
    stats = [_stat(source, context) for source in files]
    database = cache.database if cache is not None else None
    store = BodyStore(database, root, tz) if database is not None else None
    known: dict[str, tuple[str, ParseResult, str | None, str]] = {}
    before: dict[str, Article] = {}
    if cache is not None and store is not None:
        known, before = _unchanged(files, stats, cache, store, identity, jobs)

    def load(source: SourceFile) -> _Loaded:
        return _load_one(source, tz, identity, cache, store)

    todo = [source for source in files if source.rel not in known]
    loaded = iter(ordered_map(load, todo, jobs))
    results: list[ParseResult] = []
    keys: list[str] = []
    for source, (stat, stamp) in zip(files, stats, strict=True):
        hit = known.get(source.rel)
        key, result, record, meta = (hit[0], hit[1], None, hit[3]) if hit else next(loaded)
        results.append(result)
        if key is None:  # not read: nothing to cache
            continue
        keys.append(key)
        if cache is not None and (hit is None or hit[2]):
            if record is not None:
                cache.put_record(key, record)
            # Stat taken before the read: a change during it makes the row miss, not lie.
            # A file changed after the moment before its stat is racy, whatever the clock:
            # its row keeps the entry (found again by the bytes' hash), not the stat.
            trusted = stat is not None and stamp < source.looked - RACY_NS
            # A row found by its hash holds the file's entry already: its stat is what moved.
            only_stat = hit is not None and hit[2] == RESTAT
            cache.put_stat(source.rel, stat if trusted else None, key, meta, only_stat)

    articles: list[Article] = []
    for article, problems in results:
        errors.extend(problems)
        if article is not None and (drafts or not article.draft):
            articles.append(article)
    return LoadResult(articles, errors, keys, list(warnings), before)


def _stat(source: SourceFile, context: str) -> tuple[str | None, int]:
    """The file's stat as the cache remembers it (with what shapes its parse), and its
    latest change time (ns); (None, 0) when it could not be looked at. The inode and ctime
    are in it as in git's index: a file replaced, or whose mtime was set back, differs.
    The stat is the one ``discover`` took: the file is looked at once a build."""
    st = source.stat
    if st is None:
        return None, 0
    stat = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}:{context}"
    return stat, max(st.st_mtime_ns, st.st_ctime_ns)


RESTAT, REWRITE = "stat", "row"
"""What of a file's stats row a build writes again: its stat alone, or the whole row."""


def _unchanged(
    files: list[SourceFile],
    stats: list[tuple[str | None, int]],
    cache: Cache,
    store: BodyStore,
    identity: str,
    jobs: int = 1,
) -> tuple[dict[str, tuple[str, ParseResult, str | None, str]], dict[str, Article]]:
    """``rel -> (key, result, rewrite, meta)`` of the files the last build left unchanged, all
    rows in one query; and the last build's article of each file that changed since. One
    whose stat is the one recorded with its cache entry is not even read. One whose stat
    differs (a fresh checkout gives every file a new mtime, and no new byte) is read and
    hashed here: bytes that are the entry's are that entry, its row's stat to write anew
    (``rewrite`` is ``RESTAT``); the row of an older cache's, with no record of its own, is
    written whole (``REWRITE``). A row that does not match, or does not decode to this very
    file, is a miss: the file is loaded as any other."""
    wanted = {source.rel: (source, stat) for source, (stat, _) in zip(files, stats, strict=True)}
    rows, rehash = [], []
    for rel, stat, key, borrowed, meta in cache.get_stats():
        found = wanted.get(rel)
        if found is None or type(key) is not str:
            continue
        rewrite = REWRITE if borrowed else None
        if stat is None or found[1] != stat:
            if found[1] is None:
                continue
            rehash.append((found[0], key))
            rewrite = rewrite or RESTAT
        rows.append((rel, key, meta, rewrite))
    # A key hashes its file's path with its bytes: a key two rows hold is a damaged row.
    owners = Counter([row[1] for row in rows])
    rows = [row for row in rows if owners[row[1]] == 1]
    start = key_hasher(identity, store.tz.key)

    def changed() -> set[str]:
        return {source.rel for source, key in rehash if _key_of_file(source, start) != key}

    # A fresh checkout's files read and hashed in a process of their own while this one
    # decodes the rows (10,000 articles: ~0.1 s each), the files that differ dropped after.
    # Not in threads: a few kilobytes a file, they mostly take the GIL back from each other
    # (0.11 s alone, 0.19 s in two threads, here).
    stale = in_background(changed, jobs if len(rehash) >= BACKGROUND_REHASH else 1)
    known = {}
    tz = store.tz
    decode, later = records.decode, store.later
    for rel, key, meta, rewrite in rows:
        try:
            article, _ = result = decode(meta, later(key), tz)
        except records.BadRecord:
            continue
        if (article.path if article is not None else rel) == rel:
            known[rel] = (key, result, rewrite, meta)
    before, gone = {}, stale()
    for rel in gone:
        last = known.pop(rel, None)
        if last is not None and last[1][0] is not None and len(gone) <= MAX_CHANGED:
            before[rel] = last[1][0]
    return known, before


BACKGROUND_REHASH = 2000
"""Files to hash again from which a process of their own pays (starting one: ~15 ms)."""


def _key_of_file(source: SourceFile, start: Any) -> str | None:
    """The cache key of the file's bytes now, as ``_load_one`` makes it with ``key_of``
    (``start``: its hash fed the parts before the path); None: unreadable, or too big."""
    try:
        if source.stat is None or source.stat.st_size > MAX_ARTICLE_BYTES:
            return None
        data = read_whole(source.file, source.stat.st_size)
    except OSError:
        return None
    h = start.copy()
    h.update(source.rel.encode())
    h.update(b"\0")
    h.update(data)
    h.update(b"\0")
    return h.hexdigest()


def read_whole(file: str | os.PathLike[str], size: int) -> bytes:
    """Every byte of ``file``, read to its end; ``size``: what its stat said (the first
    read asks for one more, so the second is the empty one at the end). A descriptor, not
    ``open``: a fresh checkout hashes 10,000 files again, and a file object's buffers cost a
    third of each read. (Parsing, a few files a day, reads them as path objects.)"""
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks, want = [], size + 1
        while chunk := os.read(fd, want):
            chunks.append(chunk)
            want = 1 << 20
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_Loaded = tuple[str | None, ParseResult, Record | None, str | None]
"""(cache key, or None when the file was not read; the result; its record when the cache
should store it, i.e. the file was parsed rather than found in the cache; the record's
text but for the body, for the file's stats row)."""


def _load_one(
    source: SourceFile, tz: ZoneInfo, identity: str, cache: Cache | None, store: BodyStore | None
) -> _Loaded:
    try:
        size = (source.stat or os.stat(source.file)).st_size
        if size > MAX_ARTICLE_BYTES:  # refused unread: it may be gigabytes
            limit = f"articles are limited to {MAX_ARTICLE_BYTES // 1_000_000} MB"
            message = f"file is {size / 1e6:.1f} MB; {limit}"
            return None, (None, [Diagnostic(source.rel, 0, message)]), None, None
        data = source.path.read_bytes()
    except FileNotFoundError:
        # Deleted since it was listed: the site is built as if it had never been there
        # (the next build sees the folder as it is then).
        return None, (None, []), None, None
    except OSError as exc:
        problem = Diagnostic(source.rel, 0, f"cannot read: {exc.strerror}")
        return None, (None, [problem]), None, None
    key = key_of(identity, tz.key, source.rel, data)
    found = cache.get_record(key) if cache is not None and store is not None else None
    if found is not None:
        assert store is not None
        try:
            return key, records.decode(found, store.later(key), tz), None, found
        except records.BadRecord:  # damaged or foreign: parsed again, and stored anew
            pass
    # Imported when a file is parsed, not above: a build that finds every file in the
    # cache (a deleted article, a fresh checkout) needs none of YAML's or Markdown's code.
    from digest.formats.article import parse_article

    result = parse_article(source.rel, data, tz)
    record = records.encode(result)
    return key, result, record, record[0] if record is not None else None
