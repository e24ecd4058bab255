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


def ordered_map(
    func: Callable[[T], R], items: Sequence[T], jobs: int, chunksize: int = 0
) -> Iterator[R]:
    """``map(func, items)`` over ``jobs`` forked processes, results in input order.

    Each worker is a plain forked process with a pipe of its own, sent the bounds of the
    next run of items as it finishes one (two runs ahead, so it never waits on this
    process) and sending back their results. Not ``multiprocessing.Pool``: its three
    threads are copied mid-work by every later fork, its ``terminate`` drains its task
    queue under the queue's lock while they run (a CI run sat out its limit in the test
    that terminates one after a worker's error; where inside was never seen), and a dead
    worker's task is lost to it for good. Here a worker that dies, or whose result or
    error does not pickle, has its runs done in this process, as with one job (each item's
    work is idempotent); an error is raised when its item's turn comes, so the first in
    input order is the one reported, as with one job."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if jobs <= 1 or len(items) < MIN_PARALLEL or not forkable:
        yield from map(func, items)
        return
    chunksize = chunksize or max(1, min(64, len(items) // (jobs * 8)))
    runs = [(at, min(at + chunksize, len(items))) for at in range(0, len(items), chunksize)]
    context = multiprocessing.get_context("fork")
    workers: list[tuple[Any, Any]] = []  # (process, this end of its pipe)

    def serve(end: Any) -> None:
        _die_with_parent()
        while True:
            try:
                run = end.recv()
            except EOFError:  # this process is gone: so is the work
                return
            try:
                reply: tuple[str, Any] = (_DONE, [func(item) for item in items[run[0] : run[1]]])
            except Exception as exc:  # raised by the parent, in input order (see _outcome)
                import traceback  # only here: a build's start does not need it

                reply = (_FAILED, (exc, "".join(traceback.format_exception(exc))))
            try:
                data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # done again by the parent, where it needs no pickling
                data = pickle.dumps((_LOST, None))
            end.send_bytes(data)

    try:
        # A worker forked with the parent's handlers and signalled before it took its own
        # (a build stopped right after the workers started) printed a KeyboardInterrupt
        # traceback: the workers are born with the signals held, and take them in serve.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            for _ in range(min(jobs, len(runs))):
                here, there = context.Pipe()
                process = context.Process(target=serve, args=(there,), daemon=True)
                process.start()
                there.close()
                workers.append((process, here))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield from _collect(func, items, runs, workers)
    finally:
        for process, end in workers:
            if process.is_alive():
                process.kill()  # idle, or working on runs no one will read
            process.join()
            end.close()


class WorkerTraceback(Exception):
    """Where, in a worker, the error it sent back was raised: its traceback's text."""

    def __str__(self) -> str:
        return f"\n\n{self.args[0]}" if self.args else ""


_DONE, _FAILED, _LOST = "done", "failed", "lost"
"""What a worker sends back for a run: its results, its error, or neither (unpicklable)."""

_AHEAD = 2
"""Runs sent to each worker before it finishes one: it starts the next at once."""


def _collect(
    func: Callable[[T], R],
    items: Sequence[T],
    runs: list[tuple[int, int]],
    workers: list[tuple[Any, Any]],
) -> Iterator[R]:
    """The results of ``runs``, in order, from ``workers``: see ``ordered_map``."""
    # Here, not above: a build with nothing to do imports this module and forks nothing.
    from multiprocessing.connection import wait

    sent = 0
    queued: dict[Any, list[int]] = {end: [] for _, end in workers}  # runs each worker has
    replies: dict[int, tuple[str, Any]] = {}
    waiting = {end: process for process, end in workers}  # alive, with a pipe that reads

    def feed(end: Any) -> None:
        nonlocal sent
        while sent < len(runs) and len(queued[end]) < _AHEAD:
            try:
                end.send(runs[sent])
            except OSError:  # died since its last reply
                lose(end)
                return
            queued[end].append(sent)
            sent += 1

    def lose(end: Any) -> None:
        """A worker gone (killed, out of memory): its runs are done here, in their turn."""
        del waiting[end]
        for number in queued[end]:
            replies[number] = (_LOST, None)

    for end in list(waiting):
        feed(end)
    for number, (start, stop) in enumerate(runs):
        # A run never sent (every worker gone) is done here too.
        while number < sent and number not in replies:
            ready = wait([*waiting, *(process.sentinel for process in waiting.values())])
            for end in [e for e in waiting if e in ready]:
                try:
                    data = end.recv_bytes()
                except (EOFError, OSError):  # died, and its pipe with it
                    lose(end)
                    continue
                replies[queued[end].pop(0)] = pickle.loads(data)  # our own child's bytes
                feed(end)
            for end, process in list(waiting.items()):
                if process.sentinel in ready and not end.poll():
                    lose(end)  # died with nothing more to read
        yield from _outcome(func, items[start:stop], replies.pop(number, (_LOST, None)))


def _outcome(func: Callable[[T], R], items: Sequence[T], reply: tuple[str, Any]) -> Iterator[R]:
    kind, value = reply
    if kind == _DONE:
        yield from value
    elif kind == _FAILED:
        error, where = value
        # As a pool did: the worker's own traceback is the error's cause, for a crash's
        # report (a DigestError is reported by its diagnostics, whatever its cause).
        raise error from WorkerTraceback(where)
    else:  # lost: done again here, where its error, if any, is the real one
        yield from map(func, items)


_POLL = 0.5
"""Seconds between checks that the background process is still alive."""


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
            # A child that dies closes its end (recv_bytes raises, and the work is done
            # here); its life is checked too, in case a process it forked holds the end.
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
