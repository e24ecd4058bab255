"""What Pagefind reads of an article page (its *projection*), and the store of each page's
projection hash that lets a build tell which shards' indexed content changed.

A new day of articles rewrites the "related articles" list of a few dozen old articles all
over the site. Pagefind never reads that list, so a shard is re-indexed only when the
projection of one of its pages changed (see ``write_index``), not its bytes.

The projection is the page with only what Pagefind 1.x can take from it (its parser,
``fossick/parser.rs``, and its documentation):

- every ``data-pagefind-body`` element, whole: the indexed text, its ``data-pagefind-ignore``
  parts, weights, ids (sub-results), index attributes and what it holds of the rest;
- every element with a ``data-pagefind-meta``, ``-filter``, ``-sort`` or ``-default-meta``
  attribute, whole, wherever it is (its value may be its content), and every ``h1`` and
  ``title`` (the default title and its fallback);
- the start tag of every other element that carries any ``data-pagefind-`` attribute or an
  ``id`` (Pagefind numbers the ids it meets), and of each ``html`` (the language), ``img``
  (the default image is the first after the title), ``script`` and ``link`` (it checks their
  address); and the page's path (its URL).

Everything else (the head's other tags, the site's header and footer, the article's
neighbours, the related list) is dropped. The pieces are kept in page order, as bytes. When
in doubt the projection keeps more, never less: an element whose end is not found runs to
the end of the page, and a page with no ``data-pagefind-body`` is kept whole (Pagefind
would index all of its ``<body>``, or skip it, depending on the other pages).
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from digest.search.shards import Shard

_ATTRS = rb"(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+"
"""A tag's attributes: ``>`` in a quoted value does not end the tag."""
_CANDIDATE = re.compile(
    rb"<!--.*?(?:-->|\Z)"
    rb"|<(?P<special>h1|title|html|img|script|link|style|textarea|xmp|iframe|noembed|noframes)"
    rb"(?=[\s/>])(?P<attrs>" + _ATTRS + rb")>"
    # Any other start tag with a data-pagefind- attribute or an id (outside quoted values).
    rb"|<(?P<name>[A-Za-z][^\s/>]*+)(?P<marked>"
    rb"(?:[^>\"'d\s]++|\s(?!id\s*=)|d(?!ata-pagefind-)|\"[^\"]*+\"|'[^']*+')*+"
    rb"(?:data-pagefind-|\sid\s*=)" + _ATTRS + rb")>",
    re.S | re.I,
)
"""A comment, or a start tag that may hold something Pagefind reads (the others are
skipped by the regular expression itself: a page has a hundred of them)."""
_RAW = frozenset({b"script", b"style", b"textarea", b"xmp", b"iframe", b"noembed", b"noframes"})
"""Elements whose content is text, not tags: skipped to their end tag."""
_VOID = frozenset(
    {
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"input",
        b"link",
        b"meta",
        b"source",
        b"track",
        b"wbr",
    }
)
_WHOLE_TAGS = frozenset({b"h1", b"title"})
_WHOLE_ATTRS = re.compile(rb"data-pagefind-(?:body|meta|filter|sort|default-meta)", re.I)
_BODY = re.compile(rb"data-pagefind-body", re.I)


@functools.cache
def _closing(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(name) + rb"[\s/>]", re.I)


@functools.cache
def _same_name(name: bytes) -> re.Pattern[bytes]:
    """The start and end tags of ``name``, and the comments, scripts and styles to skip."""
    return re.compile(
        rb"<!--.*?(?:-->|\Z)|<(?:script|style)[\s>].*?</(?:script|style)\s*>|<(/?)"
        + re.escape(name)
        + rb"(?=[\s/>])"
        + _ATTRS
        + rb">",
        re.S | re.I,
    )


def _end_of(page: bytes, name: bytes, start: int) -> int:
    """Where the element ``name`` whose start tag ends at ``start`` ends (after its end
    tag), counting the same name's start and end tags; the page's end if it never does."""
    if name in _VOID:
        return start
    if name in _RAW or name == b"title":
        found = _closing(name).search(page, start)
        if found is None:
            return len(page)
        close = page.find(b">", found.end() - 1)
        return len(page) if close < 0 else close + 1
    depth = 1
    for match in _same_name(name).finditer(page, start):
        if match.group(1) is None:
            continue  # a comment, a script or a style
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return len(page)


def projection(rel: str, page: bytes) -> bytes:
    """What Pagefind reads of the page at output path ``rel`` (see the module's docstring)."""
    whole = rel.encode() + b"\0" + page
    if not _BODY.search(page):
        return whole
    pieces = [rel.encode()]
    body = False
    at = 0
    while (match := _CANDIDATE.search(page, at)) is not None:
        at = match.end()
        special, attrs, name, marked = match.group("special", "attrs", "name", "marked")
        if special is None and name is None:
            continue  # a comment
        tag, attrs = (special, attrs) if special is not None else (name, marked)
        tag = tag.lower()
        if tag in _WHOLE_TAGS or _WHOLE_ATTRS.search(attrs):
            body = body or _BODY.search(attrs) is not None
            end = _end_of(page, tag, at)
            pieces.append(page[match.start() : end])
            at = end
            continue
        pieces.append(match.group(0))
        if tag in _RAW:
            at = _end_of(page, tag, at)
    # The attribute only in a comment or a script: Pagefind sees no body element.
    return b"\0".join(pieces) if body else whole


_SEARCHED = re.compile(rb"data-pagefind-(?:body|meta)", re.I)
_INLINE = frozenset(
    {b"a", b"abbr", b"b", b"bdi", b"cite", b"code", b"em", b"i", b"kbd", b"mark", b"q", b"s"}
    | {b"samp", b"small", b"span", b"strong", b"sub", b"sup", b"time", b"u", b"var"}
)
_UNSEARCHED = re.compile(
    rb"<!--.*?(?:-->|\Z)|<(script|style|template|noscript|svg|form)[\s>].*?</\1\s*>", re.S | re.I
)
"""Comments, and the elements whose text Pagefind leaves out."""
_TAG = re.compile(rb"<(/?)([A-Za-z][^\s/>]*+)" + _ATTRS + rb">", re.S)


def searched_pieces(page: bytes) -> set[str]:
    """The distinct white-space separated pieces of the text Pagefind searches in the page:
    its ``data-pagefind-body`` and ``data-pagefind-meta`` elements (the body, and the title,
    source and date that Pagefind 1.5 matches too). A page of these pieces gives Pagefind
    the same words (see ``words.py``); a tag splits the text unless it is inline, and
    comments, scripts, styles, forms and SVG are left out (as Pagefind does)."""
    if not _BODY.search(page):
        return set()
    pieces: set[str] = set()
    at = 0
    while (match := _CANDIDATE.search(page, at)) is not None:
        at = match.end()
        special, attrs, name, marked = match.group("special", "attrs", "name", "marked")
        if special is None and name is None:
            continue
        tag, attrs = (special, attrs) if special is not None else (name, marked)
        tag = tag.lower()
        if tag in _RAW:
            at = _end_of(page, tag, at)
            continue
        if not _SEARCHED.search(attrs):
            continue
        end = _end_of(page, tag, at)
        inner = _UNSEARCHED.sub(b" ", page[at:end])
        text = _TAG.sub(lambda m: b"" if (m.group(2) or b"").lower() in _INLINE else b" ", inner)
        pieces.update(html.unescape(text.decode("utf-8", "replace")).split())
        at = end
    return pieces


def projection_hash(rel: str, page: bytes) -> str:
    return hashlib.blake2b(projection(rel, page), digest_size=12).hexdigest()


def shard_contents(
    shards: Iterable[Shard], hashes: dict[str, str], language: str
) -> dict[str, str]:
    """Each shard's ``content`` in ``shards.json``: the language Pagefind is told to use and
    the projection hash of each of its pages (``hashes``: output path -> hash)."""
    return {
        shard.name: hashlib.blake2b(
            "\n".join([language, *(f"{rel} {hashes[rel]}" for rel in shard.articles)]).encode(),
            digest_size=12,
        ).hexdigest()
        for shard in shards
    }


Entry = tuple[int, int, str]
"""A page's size and mtime (ns), and its projection hash."""


class Projections:
    """``output path -> (size, mtime, projection hash)`` of the article pages as the last
    staged build left them, in the cache folder (JSON, data only). An entry counts only while
    the page file still has that size and mtime (as the build's manifest trusts its files:
    not the inode, which a cache restored from an archive changes), so a page changed by
    anything else (``watch``, a cache of another build) is read again."""

    FORMAT = 1

    def __init__(self, cache_dir: Path | None, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = None if cache_dir is None else cache_dir / f"search-{key}.json"
        self._stored = None if self.path is None else _read(self.path)
        self.entries: dict[str, Entry] = self._stored or {}

    def hashes(
        self,
        pages: Iterable[tuple[str, str]],
        fresh: set[str],
        known: Mapping[str, tuple[int, int]] | None = None,
    ) -> dict[str, str]:
        """Each page's projection hash, ``pages`` giving each output path's file in the new
        site; those in ``fresh`` (written this build) are read, the others only when their
        entry does not hold. ``known``: the size and mtime of files the caller has just
        found (the build's manifest), not looked at again. Keeps the entries of these pages
        only."""
        entries: dict[str, Entry] = {}
        found = {}
        known = known or {}
        for rel, path in pages:
            stamp = known.get(rel)
            if stamp is None:
                info = os.stat(path)
                stamp = (info.st_size, info.st_mtime_ns)
            entry = self.entries.get(rel)
            if rel in fresh or entry is None or entry[:2] != stamp:
                with open(path, "rb") as page:
                    entry = (*stamp, projection_hash(rel, page.read()))
            entries[rel] = entry
            found[rel] = entry[2]
        self.entries = entries
        return found

    def save(self) -> None:
        """Write the entries, when they changed; a cache that cannot be written only costs
        the next build reading the pages again."""
        if self.path is None or self.entries == self._stored:
            return
        data = {"format": self.FORMAT, "pages": {k: list(v) for k, v in self.entries.items()}}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            return
        self._stored = self.entries


def _read(path: Path) -> dict[str, Entry]:
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != Projections.FORMAT:
            return {}
        entries = {}
        for rel, (size, mtime, digest) in data["pages"].items():
            if type(size) is type(mtime) is int and type(digest) is str:
                entries[rel] = (size, mtime, digest)
        return entries
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
