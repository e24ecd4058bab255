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


def _run(item: Any) -> Any:
    assert _task is not None
    return _task(item)


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
            yield from pool.imap(_run, items, chunksize)
    finally:
        _task = None


_background: Callable[[], Any] | None = None
_spool: int | None = None


def _run_background() -> Any:
    """In the forked process: the result, pickled into the spool file the parent opened,
    only its length going back through the pool's pipe. A result of megabytes (a site's
    stories, the output's file list) took 40-50 ms through the pipe, 64 KiB at a time
    each way, against a few for a file (the page cache's, never synced)."""
    assert _background is not None
    result = _background()
    if _spool is None:
        return result
    data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    view, at = memoryview(data), 0
    while at < len(data):
        at += os.pwrite(_spool, view[at:], at)
    return len(data)


def in_background(func: Callable[[], R], jobs: int) -> Callable[[], R]:
    """Start ``func()`` in a forked process now, and return a call that waits for its result:
    for work the parent can overlap with its own (the process inherits the parent's data,
    so only the result is pickled, back). With one job, or no fork, ``func`` runs when the
    result is asked for; so it does if the process fails, so that the outcome never depends
    on the process."""
    global _background, _spool
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return func
    try:
        # Unlinked, gone with its descriptor; closed once the result is read (result()).
        spool: Any = tempfile.TemporaryFile()  # noqa: SIM115
    except OSError:  # no writable temporary folder: the result comes through the pipe
        spool = None
    _background, _spool = func, None if spool is None else spool.fileno()
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            pool = multiprocessing.get_context("fork").Pool(1, initializer=_die_with_parent)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        pending = pool.apply_async(_run_background)
    except OSError:
        if spool is not None:
            spool.close()
        return func
    finally:
        _background = _spool = None  # the forked process has its own copy

    def result() -> R:
        try:
            got = pending.get()
            if spool is None:
                return got  # type: ignore[no-any-return]
            data = os.pread(spool.fileno(), got, 0)
            if len(data) != got:
                raise OSError("the spool file is short")
            return pickle.loads(data)  # type: ignore[no-any-return]  # our child's own bytes
        except Exception:  # the process died or failed: do it here, as with one job
            return func()
        finally:
            pool.terminate()
            pool.join()
            if spool is not None:
                spool.close()

    return result
