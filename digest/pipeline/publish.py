"""Render and write: the pages a build has to do, rendered and written in worker processes
and recorded as they come back. One loop, for ``digest build`` and for ``watch``'s patches.

Writing happens in the workers too: the files' I/O then overlaps the other workers'
rendering, and no page's bytes travel back to this process, only what the build records
of it (whether its file changed, the article fields it read, the bodies it rendered).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest.errors import DigestError
from digest.incremental.cache import Cache
from digest.incremental.manifest import Written
from digest.incremental.page_reads import PageReads
from digest.incremental.reads import Reads
from digest.parallel import ordered_map
from digest.pipeline.plan import Asset, Page
from digest.pipeline.render import Renderer
from digest.pipeline.write import InPlaceWriter, SiteWriter

Writer = SiteWriter | InPlaceWriter


@dataclass(frozen=True, slots=True)
class _Done:
    """What a worker sends back about one page."""

    wrote: Written | None
    bodies: list[tuple[str, str]]
    reads: Reads
    fingerprint: str


def publish(
    pages: Sequence[Page],
    todo: Sequence[int],
    *,
    renderer: Renderer,
    writer: Writer,
    reads: PageReads,
    cache: Cache,
    fingerprints: dict[str, str],
    jobs: int,
    stamp_late: Callable[[Page], str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Written]:
    """Render ``pages[i]`` for each ``i`` of ``todo`` and write it through ``writer``, in
    ``jobs`` forked processes; returns the files whose bytes changed, with their size and
    modification time.

    Each page is recorded with the writer, its reads under its fingerprint (from
    ``fingerprints``, or worked out by ``stamp_late`` in the worker and added there: a
    build with no manifest renders every page, and the workers fingerprint them as they
    go rather than this process doing it first, alone), and the bodies it rendered in the
    cache.
    """

    def work(position: int) -> _Done:
        page = pages[position]
        fingerprint = stamp_late(page) if stamp_late is not None else ""
        renderer.take_reads()
        data = renderer.render(page)
        wrote = writer.write_file(page.path, data)
        return _Done(wrote, renderer.take_new_bodies(), renderer.take_reads(), fingerprint)

    written: dict[str, Written] = {}
    for done, (position, result) in enumerate(
        zip(todo, ordered_map(work, todo, jobs), strict=True), start=1
    ):
        path = pages[position].path
        if stamp_late is not None:
            fingerprints[path] = result.fingerprint
        writer.record(path, result.wrote is not None)
        if result.wrote is not None:
            written[path] = result.wrote
        reads.put(path, fingerprints[path], result.reads)
        cache.put_bodies(result.bodies)
        if progress is not None:
            progress(done, len(todo))
    return written


def write_assets(assets: Sequence[Asset], writer: Writer, fingerprints: dict[str, str]) -> None:
    """Copy the assets (theme files, ``static/``, the markers) through ``writer``; each
    one's fingerprint is its bytes' hash."""
    for asset in assets:
        try:
            data = asset.read()
        except OSError as exc:
            raise DigestError.at(asset.origin, 0, f"cannot read: {exc.strerror}") from None
        fingerprints[asset.path] = "bytes:" + hashlib.blake2b(data, digest_size=16).hexdigest()
        writer.write(asset.path, data)
