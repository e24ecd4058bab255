"""``watch``/``serve``: re-indexing in the background after a rebuild, the
new index swapped in whole.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from digest.pipeline.output import exchange
from digest.search.bundle import SearchIndexError, link_tree, pagefind_binary
from digest.search.page import INSTALL_HINT, ArticlePages
from digest.search.pagefind import index_over_links
from digest.search.projection import projection_hash, shard_contents
from digest.search.shards import (
    INDEX_DIR,
    MANIFEST,
    SHARD_ENTRY,
    Shard,
    manifest_bytes,
    plan_shards,
    read_contents,
    read_manifest,
    read_words,
    shard_keys,
)
from digest.search.words import WORDS, WORDS_FOLDER, ShardWords, words_key


class BackgroundIndexer:
    """Re-indexes an in-place output in a background thread, one run at a time; a request
    made while a run is going makes one more run after it (the newest request's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: tuple[Path, ArticlePages, str] | None = None

    def request(self, output: Path, articles: ArticlePages, language: str) -> None:
        """Re-index ``output`` for these article pages (a build never changes them after
        asking)."""
        with self._lock:
            job = (output, articles, language)
            if self._thread is not None and self._thread.is_alive():
                self._again = job
                return
            self._thread = threading.Thread(
                target=self._loop, args=(job,), name="digest-search-index", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the runs going on; True when none is left."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _loop(self, job: tuple[Path, ArticlePages, str]) -> None:
        while True:
            problem = reindex_in_place(*job)
            if problem:
                print(f"{job[0]}: warning: {problem}", file=sys.stderr, flush=True)
            with self._lock:
                if self._again is None:
                    self._thread = None
                    return
                job, self._again = self._again, None


INDEXER = BackgroundIndexer()


def reindex_in_place(output: Path, articles: ArticlePages, language: str) -> str | None:
    """Re-index the shards of the output whose pages are newer than their index (or whose
    articles changed) into a new folder beside ``output/pagefind``, link the other shards
    in, and swap it in with one rename; returns a problem, or None."""
    binary = pagefind_binary()
    if binary is None:
        return INSTALL_HINT
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    except OSError as exc:
        return f"search: cannot index ({exc})"
    try:
        # A page may be gone already: a later rebuild removed it (and asked for a new run).
        present = [rel for rel in articles if (output / rel).is_file()]
        shards = plan_shards(present)
        current = read_manifest(output)
        fresh = tmp / INDEX_DIR
        fresh.mkdir()
        # Stamped with the time the run began: a page replaced while it runs is newer than
        # its shard's index, so the next run takes that shard again.
        began = _now(tmp)
        keys = shard_keys(shards)
        stale = [s for s in shards if _outdated(output, s, keys[s.name], current)]
        seen: dict[str, str] = {}  # the projection hashes of the pages Pagefind reads
        index_over_links(binary, output, stale, language, fresh, seen)
        contents = _contents(output, shards, stale, seen, language)
        words = (WORDS, words_key(contents)) if len(shards) > 1 else None
        if words is not None:
            if read_words(output) == words and (output / WORDS_FOLDER / SHARD_ENTRY).is_file():
                link_tree(output / WORDS_FOLDER, fresh / WORDS)
            else:
                pages = ShardWords(None, output).pages(
                    shards, contents, language, lambda rel: (output / rel).read_bytes()
                )
                index_over_links(binary, output, [], language, fresh, words=pages)
        for shard in stale:
            os.utime(fresh / shard.name / SHARD_ENTRY, ns=(began, began))
        for shard in shards:
            if shard not in stale:
                link_tree(output / shard.folder, fresh / shard.name)
        (tmp / MANIFEST).write_bytes(manifest_bytes(shards, keys, contents, words))
        live = output / INDEX_DIR
        if not live.is_dir():
            os.rename(fresh, live)
            return None
        # What a site's own static files put under pagefind/ stays.
        ours = {*current, *keys, WORDS, Path(MANIFEST).name}
        for entry in live.iterdir():
            if entry.name not in ours:
                link_tree(entry, fresh / entry.name)
        if not exchange(fresh, live):
            os.rename(live, tmp / "old")
            os.rename(fresh, live)
        return None
    except SearchIndexError as exc:
        return str(exc)
    except OSError as exc:
        return f"search: cannot index ({exc})"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _contents(
    output: Path, shards: list[Shard], stale: list[Shard], seen: dict[str, str], language: str
) -> dict[str, str]:
    """The shards' ``content`` for ``shards.json``: of the pages just indexed for the stale
    ones, as the current manifest has it for the others (read from their pages when it has
    none: an older digest's)."""
    indexed = read_contents(output)
    contents = shard_contents(stale, seen, language)
    for shard in shards:
        if shard.name in contents:
            continue
        if shard.name in indexed:
            contents[shard.name] = indexed[shard.name]
            continue
        for rel in shard.articles:
            seen[rel] = projection_hash(rel, (output / rel).read_bytes())
        contents.update(shard_contents([shard], seen, language))
    return contents


def _outdated(output: Path, shard: Shard, key: str, current: dict[str, str]) -> bool:
    entry = output / shard.folder / SHARD_ENTRY
    try:
        indexed = entry.stat().st_mtime_ns
    except OSError:
        return True
    if current.get(shard.name) != key:
        return True
    for rel in shard.articles:
        try:
            if (output / rel).stat().st_mtime_ns > indexed:
                return True
        except OSError:
            return True
    return False


def _now(folder: Path) -> int:
    """The file system's idea of now (its clock may differ from ours, e.g. over NFS)."""
    probe = folder / ".now"
    probe.touch()
    return probe.stat().st_mtime_ns
