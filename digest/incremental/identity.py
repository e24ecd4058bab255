"""Identities: what the cache's keys are made of, the tool's own first (a changed theme or
pipeline is another tool, whose cached results are not this one's)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from digest import __version__

_TOOL_SUFFIXES = (".py", ".html", ".xml", ".json", ".txt", ".css", ".js", ".toml")
"""The package's files whose change makes it another tool: code, templates, assets, words."""

NOT_OUTPUT = ("__main__.py", "cli.py", "commands/")
"""What never shapes a built page (the command line, and the commands: orchestration,
watching, serving, authoring): editing it must not invalidate every cache."""


@cache
def tool_identity() -> str:
    """The version plus the size and modification time of each file of the package that
    shapes the output, so a changed theme or pipeline invalidates every cached result even
    without a version bump (as happens in an editable install)."""
    package = Path(__file__).resolve().parents[1]
    parts = [__version__]
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith(NOT_OUTPUT):
            continue
        if path.is_file() and path.suffix in _TOOL_SUFFIXES:
            stat = path.stat()
            parts.append(f"{rel}:{stat.st_size}:{stat.st_mtime_ns}")
    return key_of("\n".join(parts))


def key_of(*parts: str | bytes) -> str:
    return key_hasher(*parts).hexdigest()


def key_hasher(*parts: str | bytes) -> Any:
    """The hash ``key_of`` makes, fed ``parts`` so far: a copy fed the rest gives the key
    of all of them (the parts a thousand keys start with are hashed once)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h
