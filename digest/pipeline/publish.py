"""Render and write: the pages a build has to do, rendered and written in worker processes
and recorded as they come back. One loop, for ``digest build`` and for ``watch``'s patches.

Writing happens in the workers too: the files' I/O then overlaps the other workers'
rendering, and no page's bytes travel back to this process, only what the build records
of it (whether its file changed, the article fields it read, the bodies it rendered).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from digest.errors import DigestError
from digest.incremental.cache import Cache
from digest.incremental.fragments import Fragment
from digest.incremental.manifest import Written
from digest.incremental.page_reads import PageReads
from digest.incremental.reads import Reads
from digest.parallel import ordered_map
from digest.pipeline.plan import Asset, Page
from digest.pipeline.render import Renderer
from digest.pipeline.replace import ReplaceProcess
from digest.pipeline.write import InPlaceWriter, SiteWriter

Writer = SiteWriter | InPlaceWriter

BESIDE_AT_MOST = 1000
"""Pages a one-process publish renders ahead of their files' writing (``_writing_beside``):
``watch``'s dozens; a whole site in one process keeps the usual pace, page by page."""


@dataclass(frozen=True, slots=True)
class _Done:
    """What a worker sends back about one page."""

    wrote: Written | None
    bodies: list[tuple[str, str]]
    reads: Reads
    fingerprint: str
    fragments: list[Fragment]


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

    if isinstance(writer, InPlaceWriter):  # before any file of them changes
        writer.expect([pages[position].path for position in todo])

    def work(position: int) -> _Done:
        page = pages[position]
        fingerprint = stamp_late(page) if stamp_late is not None else ""
        renderer.take_reads()
        data = renderer.render(page)
        wrote = writer.write_file(page.path, data)
        bodies, fragments = renderer.take_new_bodies(), renderer.take_new_fragments()
        return _Done(wrote, bodies, renderer.take_reads(), fingerprint, fragments)

    results = (
        _writing_beside(pages, todo, renderer, writer, stamp_late)
        if jobs <= 1 and 1 < len(todo) <= BESIDE_AT_MOST and progress is None
        else ordered_map(work, todo, jobs)
    )
    written: dict[str, Written] = {}
    for done, (position, result) in enumerate(zip(todo, results, strict=True), start=1):
        path = pages[position].path
        if stamp_late is not None:
            fingerprints[path] = result.fingerprint
        writer.record(path, result.wrote is not None)
        if result.wrote is not None:
            written[path] = result.wrote
        reads.put(path, fingerprints[path], result.reads)
        cache.put_bodies(result.bodies)
        cache.put_fragments(result.fragments)
        if progress is not None:
            progress(done, len(todo))
    return written


def _writing_beside(
    pages: Sequence[Page],
    todo: Sequence[int],
    renderer: Renderer,
    writer: Writer,
    stamp_late: Callable[[Page], str] | None,
) -> list[_Done]:
    """``work`` for each page of ``todo`` in this process, each file written while the next
    page renders (``watch``'s dozens of pages): by the session's writing process when the
    writer has one (``pipeline.replace``), else by a thread, whose turns come only once a
    switch interval after each of a file's system calls. The files are written in order,
    each atomically, all of them before this returns; a failure stops the rendering and is
    raised as it was."""
    replacer = writer.replacer if isinstance(writer, InPlaceWriter) else None
    if replacer is not None and not replacer.gone:
        return _writing_aside(pages, todo, renderer, writer, stamp_late, replacer)
    from concurrent.futures import Future, ThreadPoolExecutor

    begun: list[tuple[Future[Written | None], list[tuple[str, str]], Reads, str, list[Fragment]]]
    begun = []
    failed: list[BaseException] = []

    def write(path: str, data: bytes) -> Written | None:
        if failed:  # none after a failure (the jobs run one after the other)
            raise failed[0]
        try:
            return writer.write_file(path, data)
        except BaseException as exc:
            failed.append(exc)
            raise

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-write") as thread:
        for position in todo:
            if failed:
                break  # raised below, as a write of its own would have
            page = pages[position]
            fingerprint = stamp_late(page) if stamp_late is not None else ""
            renderer.take_reads()
            data = renderer.render(page)
            wrote = thread.submit(write, page.path, data)
            bodies, fragments = renderer.take_new_bodies(), renderer.take_new_fragments()
            begun.append((wrote, bodies, renderer.take_reads(), fingerprint, fragments))
    return [_Done(wrote.result(), *rest) for wrote, *rest in begun]


def _writing_aside(
    pages: Sequence[Page],
    todo: Sequence[int],
    renderer: Renderer,
    writer: InPlaceWriter,
    stamp_late: Callable[[Page], str] | None,
    replacer: ReplaceProcess,
) -> list[_Done]:
    """``_writing_beside`` with the writing process: each page's bytes sent to it as soon
    as rendered; its answers, in order, once the last page is sent."""
    begun: list[tuple[list[tuple[str, str]], Reads, str, list[Fragment]]] = []
    replacer.begin()
    try:
        for position in todo:
            if replacer.failure() is not None:
                break  # raised by ``results``, once the files sent before are done
            page = pages[position]
            fingerprint = stamp_late(page) if stamp_late is not None else ""
            renderer.take_reads()
            data = renderer.render(page)
            replacer.send(writer.target(page.path), data)
            bodies, fragments = renderer.take_new_bodies(), renderer.take_new_fragments()
            begun.append((bodies, renderer.take_reads(), fingerprint, fragments))
    except BaseException:
        with contextlib.suppress(Exception):  # the files sent are done before it is raised
            replacer.results()
        raise
    wrote = replacer.results()
    return [_Done(w, *rest) for w, rest in zip(wrote, begun, strict=True)]


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
