"""The index's shards: the articles cut into bundles of whole months, their
keys and ``pagefind/shards.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

INDEX_DIR = "pagefind"
"""The index in the output: ``shards.json`` and one Pagefind bundle per shard."""
MANIFEST = f"{INDEX_DIR}/shards.json"
"""The shards: what the search page loads first, and what the next build compares."""

SHARD_SIZE = 2500
"""Articles in one shard at most (unless one day has more)."""
NOT_BYTE_STABLE = (
    f"{INDEX_DIR}/*/filter/*.pf_filter",
    f"{INDEX_DIR}/*/pagefind.*.pf_meta",
    f"{INDEX_DIR}/*/pagefind-entry.json",
)
"""Index files whose bytes may differ between two runs over the same pages: Pagefind
writes filter values in hash-map order (see the module's docstring)."""

SHARD_ENTRY = "pagefind-entry.json"
"""Pagefind's own entry file in each shard: it is there when the shard is whole."""
_SHARD_NAME = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def index_files(output: Path, folder: str) -> list[str]:
    """The files under ``output/folder`` (a shard's), relative to ``output``, sorted."""
    # Strings, not path objects: a site's index is tens of thousands of files.
    top = f"{os.fspath(output)}/{folder}"
    if not os.path.isdir(top):
        return []
    rels = []
    for dirpath, _dirs, names in os.walk(top):
        under = folder + dirpath[len(top) :].replace(os.sep, "/")
        rels.extend(f"{under}/{name}" for name in names)
    return sorted(rels)


@dataclass(frozen=True, slots=True)
class Shard:
    """Articles indexed together: whole months, or whole days of a month too big for one."""

    units: tuple[str, ...]
    """Output path prefixes, in date order: ``YYYY/MM`` (a month) or ``YYYY/MM/DD`` (a day)."""
    articles: tuple[str, ...]
    """The article pages (``YYYY/MM/DD/<slug>/index.html``), sorted."""

    @property
    def name(self) -> str:
        """Its folder under ``pagefind/``: its first month or day, ``2013-11``."""
        return self.units[0].replace("/", "-")

    @property
    def folder(self) -> str:
        return f"{INDEX_DIR}/{self.name}"

    def glob(self, *folders: str) -> str:
        """Pagefind's ``--glob`` for exactly these articles' pages in a whole site, and the
        ``index.html`` of each of ``folders`` too."""
        parts = [unit + ("/*/*" if unit.count("/") == 1 else "/*") for unit in self.units]
        parts.extend(folders)
        inner = parts[0] if len(parts) == 1 else "{" + ",".join(parts) + "}"
        return f"{inner}/index.html"

    @property
    def key(self) -> str:
        """Identifies its set of articles: a shard whose key and pages did not change keeps
        its index."""
        return _hash("\n".join(self.articles))


def plan_shards(articles: Iterable[str], size: int | None = None) -> list[Shard]:
    """Cut the article pages, in date order, into shards of at most ``size`` articles, at
    month boundaries (at day boundaries within a month of more than ``size``); the newest
    month is a shard of its own.

    Cutting at calendar boundaries, in date order, keeps shards stable: articles added on
    new days change only the newest shard, and keeping the newest month apart keeps that
    shard small, so a daily update re-indexes a month of articles, not a full shard's worth.
    When a month begins, the month before joins the older shards: one of them is indexed
    again, once a month."""
    size = size or SHARD_SIZE
    months: dict[str, list[str]] = {}
    for rel in sorted(articles):
        parts = rel.split("/")
        months.setdefault(f"{parts[0]}/{parts[1]}", []).append(rel)
    units: list[list[tuple[str, list[str]]]] = []
    for month, rels in sorted(months.items()):
        if len(rels) <= size:
            units.append([(month, rels)])
            continue
        days: dict[str, list[str]] = {}
        for rel in rels:
            days.setdefault(rel.split("/")[2], []).append(rel)
        units.append([(f"{month}/{day}", day_rels) for day, day_rels in sorted(days.items())])
    older = [unit for month in units[:-1] for unit in month]
    return _pack(older, size) + _pack(units[-1] if units else [], size)


def _pack(units: list[tuple[str, list[str]]], size: int) -> list[Shard]:
    """Consecutive units in shards of at most ``size`` articles (a unit is never cut)."""
    shards: list[Shard] = []
    taken: list[str] = []
    chosen: list[str] = []
    for unit, rels in units:
        if chosen and len(chosen) + len(rels) > size:
            shards.append(Shard(tuple(taken), tuple(chosen)))
            taken, chosen = [], []
        taken.append(unit)
        chosen.extend(rels)
    if chosen:
        shards.append(Shard(tuple(taken), tuple(chosen)))
    return shards


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def shard_keys(shards: Sequence[Shard]) -> dict[str, str]:
    """Each shard's key: its articles."""
    return {s.name: s.key for s in shards}


def manifest_bytes(
    shards: Sequence[Shard],
    keys: dict[str, str],
    contents: dict[str, str],
    words: tuple[str, str] | None = None,
) -> bytes:
    """``shards.json``: what the search page loads, and what the next build compares: each
    shard's ``key`` (its articles) and ``content`` (what Pagefind read of its pages: see
    ``projection.py``); and with several shards, ``words``: the words bundle's folder and
    key (see ``words.py``)."""
    data: dict[str, object] = {
        "version": 1,
        "shards": [
            {
                "name": s.name,
                "pages": len(s.articles),
                "key": keys[s.name],
                "content": contents[s.name],
            }
            for s in shards
        ],
    }
    if words is not None:
        data["words"] = {"name": words[0], "key": words[1]}
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def read_manifest(output: Path) -> dict[str, str]:
    """The current index's shards, ``name -> key``; empty when there is none (or it is not
    one this code wrote)."""
    try:
        data = json.loads((output / MANIFEST).read_bytes())
        shards = {str(s["name"]): str(s["key"]) for s in data["shards"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    # Each name is a folder under pagefind/ that a build may carry over: only ever a shard's.
    if not all(_SHARD_NAME.fullmatch(name) for name in shards):
        return {}
    return shards


def read_contents(output: Path) -> dict[str, str]:
    """Each shard's ``content`` in the current ``shards.json``; a shard without one (written
    by an older digest) is left out, so it counts as changed."""
    try:
        data = json.loads((output / MANIFEST).read_bytes())
        return {
            str(s["name"]): s["content"]
            for s in data["shards"]
            if isinstance(s.get("content"), str)
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def read_words(output: Path) -> tuple[str, str] | None:
    """The current words bundle's folder name and key, from ``shards.json``; None without."""
    try:
        words = json.loads((output / MANIFEST).read_bytes())["words"]
        name, key = words["name"], words["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(name, str) and isinstance(key, str) and re.fullmatch(r"[a-z]+", name)):
        return None
    return name, key


def current_index(output: Path) -> list[str]:
    """The current index's files: ``shards.json`` and the folders of the shards it lists
    (and of its words bundle), not whatever else a site's own static files put under
    ``pagefind/``."""
    words = read_words(output)
    names = [*read_manifest(output), *([words[0]] if words else [])]
    folders = (f"{INDEX_DIR}/{name}" for name in names)
    return [MANIFEST, *(rel for folder in folders for rel in index_files(output, folder))]
