#!/usr/bin/env python3
"""Article files coming and going under ``digest watch``, as a share of the same run's cold
build:

    python bench/watch_bench.py --n 10000                       # the figures of the issue
    python bench/watch_bench.py --corpus /path/to/content       # a corpus already generated
    python bench/watch_bench.py --n 60 --runs 1                 # a quick check that it runs

- **new article file → its page on disk**: from the closed write of a new article (a copy
  of an existing one under a new name and url) to its page existing with its words;
- **renamed file → its page moved**: from the rename of that file to its old page gone and
  its new one on disk;
- **deleted file gone**: from the unlink of that file to its page being gone from disk;
- each of the three **... in every list**: to the rebuild's line, which ``watch`` prints
  once every page of the change (day, topic, source, feeds, related lists) is written.

One ``digest watch`` process (the real command in a subprocess, see ``run.py``) serves every
run; each run adds a file, waits, renames it, waits, deletes it, waits, so every run starts
from the same site. Medians of ``--runs``. Not part of the test suite's timing.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    EDIT_TIMEOUT,
    POLL,
    LineReader,
    _wait4,
    articles_of,
    clear_digest_output,
    digest_build,
    digest_cmd,
    digest_env,
    new_site,
    page_of,
    pick_articles,
    positive,
    progress,
    wait_for_text,
)


def wait_gone(path: Path, timeout: float) -> float | None:
    """``perf_counter`` when ``path`` no longer exists; None after ``timeout``."""
    deadline = time.perf_counter() + timeout
    while path.exists():
        if time.perf_counter() > deadline:
            return None
        time.sleep(POLL)
    return time.perf_counter()


def _new_article(source: Path, token: str) -> tuple[Path, str]:
    """A copy of ``source`` beside it, under a new name and url, with ``token`` in its body."""
    text = source.read_text(encoding="utf-8")
    text = text.replace("\nurl: https://", f"\nurl: https://{token}.", 1)
    return source.with_name(f"{token}.md"), f"{text}\nThe benchmark wrote {token}.\n"


WATCH_ROWS = (
    "watch: new article file -> its page",
    "watch: new article file -> every list",
    "watch: renamed file -> its page moved",
    "watch: renamed file -> every list",
    "watch: deleted file gone",
    "watch: deleted file -> gone from every list",
)
"""The figures ``measure_watch`` returns, in the order of the table."""


def measure_watch(site: Path, runs: int, jobs: int | None) -> dict[str, list[float]]:
    """Seconds of each of ``WATCH_ROWS``, one per run."""
    proc = subprocess.Popen(
        [str(c) for c in digest_cmd("watch", site, jobs)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=digest_env(),
        cwd=site,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out, err = LineReader(proc.stdout), LineReader(proc.stderr)
    times: dict[str, list[float]] = {row: [] for row in WATCH_ROWS}
    add, add_all, move, move_all, delete, delete_all = WATCH_ROWS

    def rebuilt(mark: int, since: float, number: int) -> float:
        """The rebuild's line after ``mark``: every list followed."""
        if out.wait_for(r".", mark, EDIT_TIMEOUT) is None:
            raise SystemExit(f"run {number}: no rebuild line:\n{err.lines[-15:]}")
        return time.perf_counter() - since

    try:
        if out.wait_for(r"^watching ", 0, 3600) is None:
            raise SystemExit(f"digest watch did not start:\n{chr(10).join(err.lines[-15:])}")
        for number, source in enumerate(pick_articles(articles_of(site), runs), 1):
            token = f"bench{uuid.uuid4().hex[:12]}"
            path, text = _new_article(source, token)
            page = page_of(site, path)
            mark = out.mark()
            path.write_text(text, encoding="utf-8")
            saved = time.perf_counter()
            seen = wait_for_text(page, token.encode(), EDIT_TIMEOUT)
            if seen is None:
                raise SystemExit(f"run {number}: {page} did not appear:\n{err.lines[-15:]}")
            times[add].append(seen - saved)
            times[add_all].append(rebuilt(mark, saved, number))
            moved = path.with_name(f"moved-{path.name}")
            moved_page = page_of(site, moved)
            mark = out.mark()
            path.rename(moved)
            renamed = time.perf_counter()
            gone = wait_gone(page, EDIT_TIMEOUT)
            there = wait_for_text(moved_page, token.encode(), EDIT_TIMEOUT)
            if gone is None or there is None:
                raise SystemExit(f"run {number}: {page} did not move:\n{err.lines[-15:]}")
            times[move].append(max(gone, there) - renamed)
            times[move_all].append(rebuilt(mark, renamed, number))
            mark = out.mark()
            moved.unlink()
            deleted = time.perf_counter()
            gone = wait_gone(moved_page, EDIT_TIMEOUT)
            if gone is None:
                raise SystemExit(f"run {number}: {moved_page} was not removed:\n{err.lines[-15:]}")
            times[delete].append(gone - deleted)
            times[delete_all].append(rebuilt(mark, deleted, number))
            progress(
                f"run {number}/{runs}: "
                + ", ".join(f"{row[7:]} {times[row][-1] * 1000:.0f} ms" for row in WATCH_ROWS)
            )
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _wait4(proc, 30)
        out.join()
        err.join()
        proc.stdout.close()
        proc.stderr.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=positive, default=10000, help="articles (default: 10000)")
    parser.add_argument("--corpus", type=Path, help="copy this content/ folder instead")
    parser.add_argument("--runs", type=positive, default=5, help="runs of each figure; medians")
    parser.add_argument("--jobs", type=positive, help="passed to digest build and watch")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digest-watch-bench-") as name:
        tmp = Path(name)
        if args.corpus is not None:
            site = tmp / "site"
            shutil.copytree(args.corpus, site / "content")
            (site / "digest.toml").write_text('base_url = "https://example.org/"\n')
        else:
            site = new_site(tmp, args.n)
        n = len(articles_of(site))
        clear_digest_output(site)
        cold, _ = digest_build(site, args.jobs, "cold build")
        progress(f"cold build: {cold.seconds:.2f} s")
        figures = measure_watch(site, args.runs, args.jobs)
    cold_ms = cold.seconds * 1000
    print(f"digest watch, article files, {n} articles, {args.runs} runs (median)")
    print(f"{'change':<46}{'ms':>9}{'x cold':>9}")
    print(f"{'cold build':<46}{cold_ms:>9.0f}{1:>9.3f}")
    for what, times in figures.items():
        ms = statistics.median(times) * 1000
        print(f"{what:<46}{ms:>9.0f}{ms / cold_ms:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
