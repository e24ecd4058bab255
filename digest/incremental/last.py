"""The last build into an output, as the next one reads it: its manifest (``Manifest``),
the reads of its pages (``PageReads``), and the stats of its files."""

from __future__ import annotations

from pathlib import Path

from digest.incremental.manifest import Manifest
from digest.incremental.page_reads import PageReads


class LastBuild(Manifest):
    """The manifest of the last build into this output, with the reads of its pages."""

    reads: PageReads


def read_last_build(cache_dir: Path, output: Path, force: bool = False) -> LastBuild:
    """The last build into ``output``; with ``force``, none (empty, to be written anew)."""
    last = LastBuild(cache_dir, output)
    last.reads = PageReads(cache_dir, output)
    if not force:
        last.load()
        last.entries  # noqa: B018 -- read now, so that a damaged file is warned of here
        last.reads.load()
    return last


class EarlyLastBuild:
    """``read_last_build``, and the stats of the files it lists (``Manifest.check_files``),
    taken when first called: a build calls it while its plan waits for the stories from
    another process (``prepare``'s ``meanwhile``), when this processor would otherwise
    idle, and asks for it (``last``) after planning either way."""

    def __init__(self, cache_dir: Path, output: Path, force: bool = False) -> None:
        self._args = cache_dir, output, force
        self._last: LastBuild | None = None

    def __call__(self) -> None:
        if self._last is None:
            self._last = read_last_build(*self._args)
            if self._last.entries:
                self._last.check_files(self._args[1])

    def last(self) -> LastBuild:
        self()
        assert self._last is not None
        return self._last
