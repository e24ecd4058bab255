"""Unread: the pages whose fingerprint moved only because an article they show changed in
fields they do not read, kept as they are instead of rendered again.

A page's fingerprint hashes the articles it is made from whole (``fingerprint``), so a
paragraph added to one article's body moves the fingerprints of its day, its neighbours'
pages, its topics' and source's pages: forty pages whose bytes stay the same, as they show
its title and summary. ``watch`` skips those by the fields each page's templates read
(``reads``); a build does the same for the articles whose files changed since the last
build, whose last versions the cache still holds (``LoadResult.before``). A page is kept
when

- its fingerprint, taken with each changed article's last identity in place of its new one,
  is the fingerprint the manifest has for it (nothing else it is made from moved), and its
  file is the one the manifest describes; and
- the reads of its last render, kept under that fingerprint, show none of the fields that
  changed of those articles (the body always counts as changed), nor the whole of one.

Only for articles that stay where they were, in the site and in their stories: the fields
that place an article are read by the plan in Python, out of the reads' sight.

Rendering is deterministic, so such a page would render to the bytes its file has. It takes
its new fingerprint, and its reads are kept under it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from digest.incremental.fingerprint import ContextHasher, Stamper
from digest.incremental.reads import changed_names, same_place
from digest.incremental.signatures import Keeper
from digest.model import Article

if TYPE_CHECKING:  # pages are planned above this layer; only their fields are read here
    from digest.incremental.last import LastBuild
    from digest.pipeline.plan import Page

MAX_CHANGED = 200
"""More changed files than this (a ``git pull`` of a month): every moved page is rendered,
as comparing each page with each of them would cost more than rendering, and the load
keeps no last versions (``LoadResult.before``), which would be held to the end."""


def keep_unread(
    pages: Sequence[Page],
    todo: list[int],
    before: Mapping[str, Article],
    loaded: Sequence[Article],
    articles: Sequence[Article],
    stamp: Stamper,
    last: LastBuild,
    writer: Keeper,
    output: Path,
    fingerprints: Mapping[str, str],
) -> list[int]:
    """The positions of ``todo`` still to render; the others' files are kept by ``writer``.
    ``before``: the last versions of the changed files' articles, by path, as loaded;
    ``loaded``: the site's articles as loaded; ``articles``: as the index made them (merged
    spellings), which the pages hold; ``fingerprints``: the pages' new ones."""
    if not before or not todo or not last.entries or len(before) > MAX_CHANGED:
        return todo
    changed = _changes(before, loaded, articles)
    if not changed:
        return todo
    identities = {key: identity for key, (_, identity, _) in changed.items()}
    hasher = stamp.hasher.with_identities(identities)
    names = [(path, fields) for path, _, fields in changed.values()]
    entries, reads = last.entries, last.reads
    maybe: list[tuple[int, str, str]] = []
    for position in todo:
        page = pages[position]
        path = page.path
        entry = entries.get(path)
        if entry is None or fingerprints.get(path) == entry[0]:
            continue  # new, or its file was touched: rendered
        if hasher.page(page, stamp.templates(page.template), stamp.identity) != entry[0]:
            continue
        if any(reads.affected(path, entry[0], article, fields) for article, fields in names):
            continue
        maybe.append((position, path, entry[0]))
    if not maybe:
        return todo
    intact = last.fresh_many(output, [(path, fingerprint) for _, path, fingerprint in maybe])
    kept = [item for item, ok in zip(maybe, intact, strict=True) if ok]
    for _, path, fingerprint in kept:
        read = reads.get(path, fingerprint)
        if read is not None:
            reads.put(path, fingerprints[path], read)
    writer.keep_present([path for _, path, _ in kept])
    skipped = {position for position, _, _ in kept}
    return [position for position in todo if position not in skipped]


def _changes(
    before: Mapping[str, Article], loaded: Sequence[Article], articles: Sequence[Article]
) -> dict[int, tuple[str, str, frozenset[str]]]:
    """``id(article) -> (path, its last identity, the fields that changed)`` of each site
    article with a last version that is where it was: none of the fields that place it, or
    its story, changed (what ``watch`` patches, ``commands.patch``), as the plan reads
    those in Python, where the reads do not see them. Its last identity is then the
    fingerprint's of its last bytes' hash (the path, source and topics are the same in its
    file; if the index spells them otherwise than last time, the pages do not hash as they
    did, and are rendered)."""
    now = {a.path: a for a in loaded if a.path in before}
    out = {}
    for article in [a for a in articles if a.path in now]:
        old, new = before[article.path], now[article.path]
        if not same_place(old, new, stories=True):
            continue  # its pages are rendered
        # The body counts as changed, not compared: the last version's is read from the
        # cache, or, when the cache no longer has it, from the file, which holds the new one.
        fields = changed_names(old, new, assumed=("body",))
        # A copy with the last bytes' hash, whatever the identity is made of (the copy
        # fetches the body, which the article's own page, always rendered, reads anyway).
        surrogate = dataclasses.replace(article, content_hash=old.content_hash)
        identity = ContextHasher().identify((surrogate,))[0]
        out[id(article)] = (article.path, identity, fields)
    return out
