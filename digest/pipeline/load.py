"""Load: find ``content/**/*.md`` (sorted), split front-matter, validate -> articles + errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.errors import Diagnostic
from digest.formats.article import parse_article
from digest.incremental import records
from digest.incremental.cache import Cache, key_of, tool_identity
from digest.incremental.records import ParseResult, Record
from digest.model import Article
from digest.parallel import ordered_map
from digest.pipeline.discover import Discovered, SourceFile, discover

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
    cache; the others are parsed. Both happen in ``jobs`` processes, reading included:
    this process only collects, so it is not the one all the others wait for. ``found``:
    ``discover(root)``, when the caller already asked (its list is not changed).
    """
    files, errors, warnings = found if found is not None else discover(root)
    errors = list(errors)
    identity = tool_identity()

    def load(source: SourceFile) -> _Loaded:
        return _load_one(source, tz, identity, cache)

    results: list[ParseResult] = []
    keys: list[str] = []
    for key, result, record in ordered_map(load, files, jobs):
        results.append(result)
        if key is None:  # not read: nothing to cache
            continue
        keys.append(key)
        if cache is not None and record is not None:
            cache.put_record(key, record)

    articles: list[Article] = []
    for article, problems in results:
        errors.extend(problems)
        if article is not None and (drafts or not article.draft):
            articles.append(article)
    return LoadResult(articles, errors, keys, list(warnings))


_Loaded = tuple[str | None, ParseResult, Record | None]
"""(cache key, or None when the file was not read; the result; its record when the cache
should store it, i.e. the file was parsed rather than found in the cache)."""


def _load_one(source: SourceFile, tz: ZoneInfo, identity: str, cache: Cache | None) -> _Loaded:
    try:
        size = source.path.stat().st_size
        if size > MAX_ARTICLE_BYTES:  # refused unread: it may be gigabytes
            limit = f"articles are limited to {MAX_ARTICLE_BYTES // 1_000_000} MB"
            message = f"file is {size / 1e6:.1f} MB; {limit}"
            return None, (None, [Diagnostic(source.rel, 0, message)]), None
        data = source.path.read_bytes()
    except FileNotFoundError:
        # Deleted since it was listed: the site is built as if it had never been there
        # (the next build sees the folder as it is then).
        return None, (None, []), None
    except OSError as exc:
        return None, (None, [Diagnostic(source.rel, 0, f"cannot read: {exc.strerror}")]), None
    key = key_of(identity, tz.key, source.rel, data)
    found = cache.get_record(key) if cache is not None else None
    if found is not None:
        try:
            return key, records.decode(*found, tz), None
        except records.BadRecord:  # damaged or foreign: parsed again, and stored anew
            pass
    result = parse_article(source.rel, data, tz)
    return key, result, records.encode(result)
