"""Processes for the CPU-bound work (parsing, Markdown, templates), in input order.

Workers are forked, so they inherit the loaded site and templates instead of receiving
them pickled; only task indices go out and results come back. Output never depends on
the number of workers: results are consumed in input order.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL = 64
"""Below this many tasks, starting processes costs more than it saves."""

_task: Callable[[Any], Any] | None = None


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _die_with_parent() -> None:
    """Pool initializer: a worker outlives a killed build by at most a moment otherwise,
    still writing into a staging folder the next build is removing. It also takes back
    the default signal handling: ``watch`` turns SIGTERM into KeyboardInterrupt, and a
    worker that inherited that could die holding the task queue's lock when the pool is
    closed (SIGTERM), leaving its sibling waiting for it forever. Ctrl-C is for the
    parent, which closes the pool."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held since the fork: see ordered_map
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers exit when their queue closes
        pass


_PR_SET_PDEATHSIG = 1
_HELD = {signal.SIGTERM, signal.SIGINT}


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _task is not None
    return [_task(item) for item in chunk]


def ordered_map(
    func: Callable[[T], R], items: Sequence[T], jobs: int, chunksize: int = 0
) -> Iterator[R]:
    """``map(func, items)`` over ``jobs`` forked processes, results in input order."""
    global _task
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if jobs <= 1 or len(items) < MIN_PARALLEL or not forkable:
        yield from map(func, items)
        return
    chunksize = chunksize or max(1, min(64, len(items) // (jobs * 8)))
    _task = func
    context = multiprocessing.get_context("fork")
    done = 0
    # A worker forked with the parent's handlers and signalled before its initializer
    # ran (a pool closed right after it started) printed a KeyboardInterrupt traceback:
    # the workers are born with the signals held, and take them once they are theirs.
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            pool = context.Pool(jobs, initializer=_die_with_parent)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with pool:
            workers = list(pool._pool)  # the pool starts a new worker for a dead one
            # Chunked here, not by imap: its chunked iterator has no timeout.
            chunks = [items[at : at + chunksize] for at in range(0, len(items), chunksize)]
            results = pool.imap(_run, chunks)
            while done < len(items):
                try:
                    values = results.next(timeout=_POLL)
                except multiprocessing.TimeoutError:
                    # A worker that died (killed, out of memory) took its task with it:
                    # the pool would wait for it forever.
                    if all(worker.is_alive() for worker in workers):
                        continue
                    break
                for value in values:
                    done += 1
                    yield value
    finally:
        _task = None
    # Each item's work is idempotent, so the rest is done here, in order, as with one job.
    yield from map(func, items[done:])


_POLL = 0.5
"""Seconds between checks that the processes being waited for are still alive."""


def in_background(func: Callable[[], R], jobs: int) -> Callable[[], R]:
    """Start ``func()`` in a forked process now, and return a call that waits for its result:
    for work the parent can overlap with its own (the process inherits the parent's data,
    so only the result is pickled, back). With one job, or no fork, ``func`` runs when the
    result is asked for; so it does if the process fails or dies, so that the outcome never
    depends on the process.

    A plain process, not a pool: a pool keeps three threads in the parent, which every
    later fork copies mid-work, and loses its task for good if its worker dies. The result
    is pickled into a spool file (unlinked; the page cache's, never synced): a result of
    megabytes (a site's stories, the output's file list) took 40-50 ms through a pipe, 64 KiB
    at a time each way, against a few through the file."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return func
    context = multiprocessing.get_context("fork")
    try:
        spool: Any = tempfile.TemporaryFile()  # noqa: SIM115  # closed by result()
    except OSError:  # no writable temporary folder: the result comes through a pipe
        spool = None
    reader, writer = context.Pipe(duplex=False) if spool is None else (None, None)

    def run_there() -> None:
        _die_with_parent()
        try:
            data = pickle.dumps(func(), protocol=pickle.HIGHEST_PROTOCOL)
            if writer is not None:
                writer.send_bytes(data)
                return
            view, at = memoryview(data), 0
            while at < len(data):
                at += os.pwrite(spool.fileno(), view[at:], at)
        except BaseException:
            # No traceback here: result() does the work again in the parent, which
            # reports the error the way a one-job build does.
            raise SystemExit(1) from None

    process = context.Process(target=run_there, daemon=True)
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    except OSError:
        for end in (spool, reader, writer):
            if end is not None:
                end.close()
        return func
    if writer is not None:
        writer.close()  # the child's end; the child has its own copy

    def received() -> bytes:
        if reader is not None:
            # Other processes forked meanwhile hold the pipe's writing end too, so a
            # child that died does not always close it: its life is checked as well.
            while not reader.poll(_POLL):
                if not process.is_alive() and not reader.poll(0):
                    raise OSError("the background process ended without a result")
            return reader.recv_bytes()
        process.join()
        if process.exitcode != 0:
            raise OSError(f"the background process exited with {process.exitcode}")
        size = os.fstat(spool.fileno()).st_size
        data = os.pread(spool.fileno(), size, 0)
        if len(data) != size:
            raise OSError("the spool file is short")
        return data

    def result() -> R:
        try:
            return pickle.loads(received())  # type: ignore[no-any-return]  # our child's bytes
        except Exception:  # the process died or failed: do it here, as with one job
            return func()
        finally:
            if process.is_alive():
                process.kill()
            process.join()
            for end in (spool, reader):
                if end is not None:
                    end.close()

    return result
