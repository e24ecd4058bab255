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
reads the pages of the shards whose content changed only.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from digest.incremental.cache import tool_identity
from digest.search.projection import searched_pieces
from digest.search.shards import INDEX_DIR, Shard

WORDS = "words"
"""The words bundle's folder under ``pagefind/`` (never a shard's name: those are dates)."""
WORDS_FOLDER = f"{INDEX_DIR}/{WORDS}"
FILTER = "shard"
"""The filter naming a words page's shard (and, in the page, each merged shard's results)."""
FORMAT = 1


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


def shard_pieces(shard: Shard, read: Callable[[str], bytes]) -> list[str]:
    """The pieces of the shard's pages, ``read`` giving an output path's bytes."""
    pieces: set[str] = set()
    for rel in shard.articles:
        pieces.update(searched_pieces(read(rel)))
    return sorted(pieces)


class ShardWords:
    """Each shard's pieces as the last staged build of ``output`` found them, by content key
    (``cache_dir`` None: none kept, every shard's pages are read)."""

    def __init__(self, cache_dir: Path | None, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = None if cache_dir is None else cache_dir / f"search-words-{key}.json"
        self._stored = self._read()
        self.kept: dict[str, tuple[str, list[str]]] = {}

    def _read(self) -> dict[str, tuple[str, list[str]]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") != FORMAT or data.get("tool") != tool_identity():
                return {}
            found = {}
            for name, (content, pieces) in data["shards"].items():
                if type(content) is str and all(type(p) is str for p in pieces):
                    found[name] = (content, pieces)
            return found
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

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
        for shard in shards:
            content = contents[shard.name]
            stored = self._stored.get(shard.name)
            if stored is None or stored[0] != content:
                stored = (content, shard_pieces(shard, read))
            self.kept[shard.name] = stored
            pages[shard.name] = words_page(shard.name, stored[1], language)
        return pages

    def save(self) -> None:
        """Kept for the next build; a cache that cannot be written only costs it the time."""
        if self.path is None or self.kept == self._stored:
            return
        data = {"format": FORMAT, "tool": tool_identity(), "shards": self.kept}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
