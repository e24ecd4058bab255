"""Site search with Pagefind (the ``search`` extra: ``pip install 'digest-ssg[search]'``).

When ``search = true`` (or ``--search``) the build plans a ``/search/`` page and, after the
pages are rendered, runs the Pagefind binary over the article pages only (they carry
``data-pagefind-body``; see ``article.html``). The index goes to ``pagefind/`` in the
output, in shards:

- Shards: the articles, in date order, are cut into shards of at most ``SHARD_SIZE`` (whole
  months; a month with more is cut by day), each a Pagefind bundle of its own in
  ``pagefind/<first month or day>/``; ``pagefind/shards.json`` (``MANIFEST``) lists them.
  The search page loads them all and Pagefind merges their results (``mergeIndex``). Why:
  Pagefind's search time in the browser grows faster than the number of pages a word is on
  (a word on half of 10,000 pages took ~600 ms, on five shards of 2,000 ~250 ms). A site of
  up to ``SHARD_SIZE`` articles has one shard. A site of several shards has a words bundle
  too (``pagefind/words/``, see ``words.py``) that tells the search page which shards one
  index of the whole site would take results from, so that no shard answers a word of the
  site it lacks with the pages of a prefix; a word new to the site re-indexes its own
  shard and that small bundle only.
- A normal build runs Pagefind over the staged new site itself, each shard restricted to
  its articles by a glob (``Shard.glob``), the shards side by side (one process per CPU),
  and has it write straight into the staging folder, where the ``SiteWriter`` records each
  file like any other: the index is part of the staged site and swapped in atomically with
  it, and no page or index file is copied. Pagefind never sees the live output. Only the
  shards whose indexed content changed are re-indexed: an article added or removed, or a
  page changed in what Pagefind reads of it (its *projection*, see
  ``projection.py``: title, source, date, topics, body; not the related list, which a new
  day rewrites on old articles all over the site). ``shards.json`` records each shard's
  content key; the pages' projection hashes are kept in the cache folder, so a build reads
  only the pages it wrote. The others are carried over. A build that writes nothing
  re-indexes nothing. (When nothing was staged, e.g. only the index went missing, or the
  site has a static folder of the index's name, Pagefind runs over scratch folders of hard
  links to the article pages and the writer takes the index files from there.)
- ``watch``/``serve`` (in-place builds) keep the index files and, after a rebuild that
  wrote or removed article pages, re-index in a background thread so the rebuild's own
  latency does not grow; the shards whose pages are newer than their index are re-indexed
  into a new ``pagefind/`` folder built beside the output (the others linked in) and
  exchanged with the old one in one rename, so readers never see half an index. (Staleness
  there goes by mtime; the content keys it records are those a staged build computes.)

Where a cold build's time goes: nearly all of the search part is Pagefind's own work
(reading and stemming every word of every article, then gzip at its best level for some
10,000 files); at 10,000 articles on 2 CPUs it costs more than the rest of the build.

Determinism: for the same pages Pagefind (1.5) writes byte-identical fragments, word index
chunks and JS/WASM bundle, but NOT byte-stable filter files: it writes the values of a
filter (topics, sources) in hash-map order, which changes from run to run on a large site.
So each shard's ``filter/*.pf_filter``, and the files that name them by content hash
(``pagefind.*.pf_meta``, ``pagefind-entry.json``), are excluded from the determinism
guarantee (``NOT_BYTE_STABLE``; tests/search/test_search.py compares everything else byte for
byte, ``shards.json`` included). Their content is the same set of values and pages, and a
build that changes nothing Pagefind reads does not re-index, so they do not churn on their
own.

Without the extra the build still succeeds: it warns how to install it, and the search
page says that search is not available.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import Diagnostic
from digest.incremental.manifest import Manifest
from digest.pipeline.plan import Page
from digest.pipeline.write import InPlaceWriter, SiteWriter, safe_relative
from digest.search.bundle import (
    SearchIndexError,
    in_parallel,
    index_words,
    link_file,
    pagefind_binary,
    run_pagefind,
)
from digest.search.page import INSTALL_HINT, article_paths
from digest.search.projection import Projections, projection_hash, shard_contents
from digest.search.shards import (
    INDEX_DIR,
    MANIFEST,
    SHARD_ENTRY,
    Shard,
    current_index,
    index_files,
    manifest_bytes,
    plan_shards,
    read_contents,
    read_manifest,
    read_words,
    shard_keys,
)
from digest.search.words import WORDS, WORDS_FOLDER, ShardWords, words_key


def _pagefind_over_links(
    binary: Path,
    source: Path,
    shard: Shard,
    language: str,
    destination: Path,
    seen: dict[str, str] | None,
) -> None:
    """Index the shard's pages of the site in ``source`` into ``destination`` (a new
    folder); put each page's projection hash in ``seen``, if given.

    The pages are hard-linked (else copied) into a scratch site so Pagefind sees exactly
    these files at their site paths, whatever else is in ``source``, even while a rebuild
    replaces them (a link keeps the whole file it was made to)."""
    with tempfile.TemporaryDirectory(prefix=".digest-search-", dir=destination.parent) as tmp:
        site = Path(tmp, "site")
        site.mkdir()
        made = {site}
        for rel in shard.articles:
            target = site / safe_relative(rel)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            link_file(source / rel, target)
            if seen is not None:
                seen[rel] = projection_hash(rel, target.read_bytes())
        run_pagefind(binary, site, destination, language, "**/*.html")


def index_over_links(
    binary: Path,
    source: Path,
    shards: Sequence[Shard],
    language: str,
    destination: Path,
    seen: dict[str, str] | None = None,
    words: dict[str, bytes] | None = None,
) -> None:
    """Index each shard of the site in ``source`` into ``destination/<shard name>``, and
    the words pages if given into ``destination/words``; put the projection hash of each
    page Pagefind read in ``seen``, if given."""
    jobs = [
        functools.partial(
            _pagefind_over_links, binary, source, shard, language, destination / shard.name, seen
        )
        for shard in shards
    ]
    if words is not None:
        jobs.append(functools.partial(index_words, binary, words, language, destination / WORDS))
    in_parallel(jobs)


def write_index(
    writer: SiteWriter,
    output: Path,
    pages: list[Page],
    config: SiteConfig,
    fingerprints: dict[str, str],
    warnings: list[Diagnostic],
    projections: Projections,
    shard_words: ShardWords,
    last: Manifest | None = None,
) -> None:
    """For a staged (``SiteWriter``) build: put the index into the new site.

    Re-indexes the shards whose articles or indexed content changed, or that are missing,
    and the words bundle when one of them did; carries the others over unchanged.
    ``projections``: the cache of the pages' projection hashes (see ``projection.py``),
    brought up to date; ``shard_words``: the cache of each shard's words (see
    ``words.py``); ``last``: the manifest of the build before (see ``_keep``)."""
    binary = pagefind_binary()
    if binary is None:
        warnings.append(Diagnostic(config.path, 0, INSTALL_HINT))
        return
    _clean_leftovers(output)
    articles = article_paths(pages)
    shards = plan_shards(articles)
    keys = shard_keys(shards)
    current = read_manifest(output)
    # Only the pages written this build are read: the others are the output's own files,
    # whose projection the cache has (while their size and mtime hold).
    written = set(writer.written)
    new, old = os.fspath(writer.staging), os.fspath(output)  # strings: 10,000 of them
    known = {}
    if last is not None:  # the output's pages as the build found them: not looked at again
        kept = [rel for rel in articles if rel not in written]
        entries = last.entries
        ok = last.as_recorded(output, kept)
        known = {rel: entries[rel][1:] for rel, here in zip(kept, ok, strict=True) if here}
    hashes = projections.hashes(
        ((rel, f"{new if rel in written else old}/{rel}") for rel in articles), written, known
    )
    projections.save()
    contents = shard_contents(shards, hashes, config.language)
    indexed = read_contents(output)
    stale = [
        s
        for s in shards
        if current.get(s.name) != keys[s.name]
        or indexed.get(s.name) != contents[s.name]
        or not (output / s.folder / SHARD_ENTRY).is_file()
    ]
    words = (WORDS, words_key(contents)) if len(shards) > 1 else None
    words_stale = words is not None and (
        read_words(output) != words or not (output / WORDS_FOLDER / SHARD_ENTRY).is_file()
    )
    manifest = manifest_bytes(shards, keys, contents, words)
    if not stale and not words_stale and _same_bytes(output / MANIFEST, manifest):
        _keep(writer, current_index(output), fingerprints, last)
        return
    # Once a file was written the staging folder holds the whole new site (the writer
    # links unchanged files in): the pages to index are there, else in the output.
    pages_root = writer.staging if writer.written else output
    if writer.written:
        # Staged in the spare (see pipeline/write.py), the folder may still hold pages the
        # new site drops: Pagefind must not see them. The index is claimed below.
        writer.settle(skip=f"{INDEX_DIR}/")
    word_pages: Callable[[], dict[str, bytes]] | None = None
    if words_stale:

        def word_pages() -> dict[str, bytes]:
            # Read while Pagefind indexes the shards (see _index_staged).
            read = lambda rel: (pages_root / rel).read_bytes()  # noqa: E731
            return shard_words.pages(shards, contents, config.language, read)

    # Pagefind can write straight into the staging folder, unless the site has a static
    # file or folder of the index's name: keep out of its way. (A spare staging folder
    # holds the last index there: that is ours, and what the new site lacks goes.)
    direct = bool(writer.written) and not writer.claims(INDEX_DIR)
    try:
        if direct:
            recorded = _index_staged(binary, writer, stale, config.language, word_pages)
        else:
            recorded = _index_scratch(
                binary, writer, pages_root, stale, config.language, word_pages
            )
    except SearchIndexError as exc:
        if direct:
            shutil.rmtree(writer.staging / INDEX_DIR, ignore_errors=True)
        # Keep the old index (stale, but usable) rather than failing the build.
        warnings.append(Diagnostic(config.path, 0, str(exc)))
        _keep(writer, current_index(output), fingerprints, last)
        return
    shard_words.save()
    for rel in recorded:
        fingerprints[rel] = "search-index"
    for shard in shards:
        if shard not in stale:
            _keep(writer, index_files(output, shard.folder), fingerprints, last)
    if words is not None and not words_stale:
        _keep(writer, index_files(output, WORDS_FOLDER), fingerprints, last)
    writer.write(MANIFEST, manifest)
    fingerprints[MANIFEST] = "search-index"


def _index_staged(
    binary: Path,
    writer: SiteWriter,
    shards: list[Shard],
    language: str,
    words: Callable[[], dict[str, bytes]] | None,
) -> list[str]:
    """Index the shards from the staged pages (and the words pages, if given: made by a
    thread of their own while the shards' Pagefind runs) straight into the staging
    folder, and record their files with the writer; returns them. Pagefind reads the
    staged site itself, each shard's pages by a glob: linking a month's pages into a site
    of their own would spare it a walk of the whole site (~0.2 s at 10,000 articles), but
    making their 450 folders took longer here (a folder each article: ~1 ms a folder)."""
    folders = [shard.folder for shard in shards]
    jobs = [
        functools.partial(
            run_pagefind,
            binary,
            writer.staging,
            writer.staging / shard.folder,
            language,
            shard.glob(),
        )
        for shard in shards
    ]
    output, scratch = writer.output, None
    if words is not None:
        folders.append(WORDS_FOLDER)
        made, destination = words, writer.staging / WORDS_FOLDER
        # The words' scratch site beside the output (a killed build's is cleaned up there).
        where = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
        jobs.insert(0, lambda: index_words(binary, made(), language, destination, where))
        scratch = where
    try:
        for folder in folders:
            writer.clear(folder)  # what Pagefind writes there is the staging folder's own
        (writer.staging / INDEX_DIR).mkdir(parents=True, exist_ok=True)
        in_parallel(jobs)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    recorded = []
    for folder in folders:
        for rel in index_files(writer.staging, folder):
            staged = writer.staging / rel
            same = _same_file(writer.output / rel, staged)
            if same:
                # Let the writer carry the current file over, keeping its mtime.
                staged.unlink()
            writer.record(rel, not same)
            recorded.append(rel)
    return recorded


def _index_scratch(
    binary: Path,
    writer: SiteWriter,
    pages_root: Path,
    shards: list[Shard],
    language: str,
    words: Callable[[], dict[str, bytes]] | None,
) -> list[str]:
    """Index the shards from the pages in ``pages_root`` (and the words pages, if given)
    into a scratch folder beside the output, and write their files through the writer;
    returns them."""
    output = writer.output
    scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    try:
        pages = words() if words is not None else None
        index_over_links(binary, pages_root, shards, language, scratch, words=pages)
        recorded = []
        names = [shard.name for shard in shards] + ([WORDS] if words is not None else [])
        for name in names:
            for rel in index_files(scratch, name):
                writer.write(f"{INDEX_DIR}/{rel}", (scratch / rel).read_bytes())
                recorded.append(f"{INDEX_DIR}/{rel}")
        return recorded
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _keep(
    writer: SiteWriter, files: list[str], fingerprints: dict[str, str], last: Manifest | None
) -> None:
    """Carry the index's ``files`` over; ``last``: the last build's manifest, whose stats of
    the output say which are there as it wrote them (tens of thousands, not looked at again)."""
    present = last.as_recorded(writer.output, files) if last is not None else [False] * len(files)
    for rel, here in zip(files, present, strict=True):
        if writer.keep(rel, here):
            fingerprints[rel] = "search-index"


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _clean_leftovers(output: Path) -> None:
    """Scratch folders of an indexing run that was killed (they sit beside the output)."""
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(f".{output.name}.search-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def keep_index(writer: InPlaceWriter, output: Path) -> None:
    """For an in-place build: the index files stay (the background re-index replaces them)."""
    for rel in current_index(output):
        writer.keep(rel)
