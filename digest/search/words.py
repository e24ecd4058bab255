"""The words index: which shards have a word, so that the search page asks only those.

Pagefind answers a word its index lacks with the pages of the word's longest prefix it has
("officials" -> "of"). Over one index of the whole site that only happens for a word the
site lacks; over shards merged in the page, a shard without a word another shard has
would add pages that do not contain it. So a site of several shards has one more, small
Pagefind bundle, ``pagefind/words/``: a page per shard holding the distinct pieces of the
text Pagefind searches in that shard's pages (``projection.searched_pieces``), tagged with
the shard's name as a filter. Searched with the reader's query, it has every word of the
site, so it extends or falls back exactly as one index of the whole site would, and the
shards it finds (its filter counts) are the shards one such index would take pages from;
the search page keeps the results of those shards only (``search.html``). A shard it
finds answers the query as the whole index would (it has an extension of each word, or
the same longest prefix), one it does not find has no page the whole index would give.

A new word changes the words page of its shard only: the words bundle (a few pages) is
indexed again, the other shards are not.

Each shard's pieces are kept in the cache folder (JSON, data only) with the shard's
content key (``shards.json``'s ``content``: the projection hashes of its pages), so a build
reads the pages of the shards whose content changed only. The newest shard's pages, which
change every day, also keep their own pieces by the hash of their bytes: a new day finds
the pieces of its new pages only, not those of the month's (a third of a second of Python
at 10,000 articles, beside the shard's own Pagefind run).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from digest.incremental.identity import tool_identity
from digest.search.projection import searched_pieces
from digest.search.shards import INDEX_DIR, Shard

WORDS = "words"
"""The words bundle's folder under ``pagefind/`` (never a shard's name: those are dates)."""
WORDS_FOLDER = f"{INDEX_DIR}/{WORDS}"
FILTER = "shard"
"""The filter naming a words page's shard (and, in the page, each merged shard's results)."""
FORMAT = 2


def words_key(contents: dict[str, str]) -> str:
    """The words bundle's key: the shards and their content (so the pages they hold)."""
    text = json.dumps([FORMAT, sorted(contents.items())])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def words_page(name: str, pieces: Iterable[str], language: str) -> bytes:
    """The words page of the shard ``name``."""
    text = html.escape(" ".join(sorted(pieces)))
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language or "en")}"><body>'
        f'<div data-pagefind-body data-pagefind-filter="{FILTER}:{name}">{text}</div>'
        "</body></html>\n"
    ).encode()


PagePieces = dict[str, tuple[str, list[str]]]
"""Output path -> (the hash of the page's bytes, the page's pieces)."""


def shard_pieces(
    shard: Shard,
    read: Callable[[str], bytes],
    known: PagePieces | None = None,
    keep: PagePieces | None = None,
) -> list[str]:
    """The pieces of the shard's pages, ``read`` giving an output path's bytes; a page
    whose bytes hash as in ``known`` has the pieces found there; ``keep``: filled with
    each page's."""
    pieces: set[str] = set()
    known = known or {}
    for rel in shard.articles:
        data = read(rel)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        found = known.get(rel)
        own = found[1] if found is not None and found[0] == digest else None
        if own is None:
            own = sorted(searched_pieces(data))
        if keep is not None:
            keep[rel] = (digest, own)
        pieces.update(own)
    return sorted(pieces)


class ShardWords:
    """Each shard's pieces as the last staged build of ``output`` found them, by content key
    (``cache_dir`` None: none kept, every shard's pages are read)."""

    def __init__(self, cache_dir: Path | None, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = None if cache_dir is None else cache_dir / f"search-words-{key}.json"
        self._stored, self._stored_pages = self._read()
        self.kept: dict[str, tuple[str, list[str]]] = {}
        self.kept_pages: PagePieces = {}
        """The newest shard's pages' own pieces, as this build found them."""

    def _read(self) -> tuple[dict[str, tuple[str, list[str]]], PagePieces]:
        if self.path is None:
            return {}, {}
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") != FORMAT or data.get("tool") != tool_identity():
                return {}, {}
            found, pages = {}, {}
            for name, (content, pieces) in data["shards"].items():
                if type(content) is str and _words(pieces):
                    found[name] = (content, pieces)
            for rel, (digest, pieces) in data["pages"].items():
                if type(digest) is str and _words(pieces):
                    pages[rel] = (digest, pieces)
            return found, pages
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}, {}

    def pages(
        self,
        shards: Iterable[Shard],
        contents: dict[str, str],
        language: str,
        read: Callable[[str], bytes],
    ) -> dict[str, bytes]:
        """Each shard's words page; the pages of a shard whose content key changed are
        read (``read``: an output path's bytes in the new site)."""
        pages = {}
        shards = list(shards)
        newest = shards[-1].name if shards else None
        self.kept_pages = {}
        for shard in shards:
            content = contents[shard.name]
            stored = self._stored.get(shard.name)
            if stored is None or stored[0] != content:
                keep = self.kept_pages if shard.name == newest else None
                stored = (content, shard_pieces(shard, read, self._stored_pages, keep))
            elif shard.name == newest:  # unchanged: its pages' pieces stay as they were
                self.kept_pages = {
                    rel: self._stored_pages[rel]
                    for rel in shard.articles
                    if rel in self._stored_pages
                }
            self.kept[shard.name] = stored
            pages[shard.name] = words_page(shard.name, stored[1], language)
        return pages

    def save(self) -> None:
        """Kept for the next build; a cache that cannot be written only costs it the time."""
        if self.path is None or (
            self.kept == self._stored and self.kept_pages == self._stored_pages
        ):
            return
        data = {
            "format": FORMAT,
            "tool": tool_identity(),
            "shards": self.kept,
            "pages": self.kept_pages,
        }
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)


def _words(value: object) -> bool:
    """Whether a cached value is a list of strings (a string is not: its letters would be)."""
    return type(value) is list and all(type(p) is str for p in value)
