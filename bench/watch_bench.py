#!/usr/bin/env python3
"""Article files coming and going under ``digest watch``, as a share of the same run's cold
build:

    python bench/watch_bench.py --n 10000                       # the figures of the issue
    python bench/watch_bench.py --corpus /path/to/content       # a corpus already generated
    python bench/watch_bench.py --n 60 --runs 1                 # a quick check that it runs

- **new article file → its page on disk**: from the closed write of a new article (a copy
  of an existing one under a new name and url) to its page existing with its words;
- **deleted file gone**: from the unlink of that file to its page being gone from disk.

One ``digest watch`` process (the real command in a subprocess, see ``run.py``) serves every
run; each run adds a file, waits, deletes it, waits, so every run starts from the same site.
Medians of ``--runs``. Not part of the test suite's timing.
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


def measure_watch(site: Path, runs: int, jobs: int | None) -> tuple[list[float], list[float]]:
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
    adds: list[float] = []
    deletes: list[float] = []
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
            out.wait_for(r".", mark, EDIT_TIMEOUT)  # the rebuild's line: it is over
            if seen is None:
                raise SystemExit(f"run {number}: {page} did not appear:\n{err.lines[-15:]}")
            adds.append(seen - saved)
            mark = out.mark()
            path.unlink()
            deleted = time.perf_counter()
            gone = wait_gone(page, EDIT_TIMEOUT)
            out.wait_for(r".", mark, EDIT_TIMEOUT)
            if gone is None:
                raise SystemExit(f"run {number}: {page} was not removed:\n{err.lines[-15:]}")
            deletes.append(gone - deleted)
            progress(
                f"run {number}/{runs}: new file {adds[-1] * 1000:.0f} ms, "
                f"deleted {deletes[-1] * 1000:.0f} ms ({out.lines[-1]})"
            )
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _wait4(proc, 30)
        out.join()
        err.join()
        proc.stdout.close()
        proc.stderr.close()
    return adds, deletes


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
        adds, deletes = measure_watch(site, args.runs, args.jobs)
    cold_ms = cold.seconds * 1000
    print(f"digest watch, article files, {n} articles, {args.runs} runs (median)")
    print(f"{'change':<40}{'ms':>9}{'x cold':>9}")
    print(f"{'cold build':<40}{cold_ms:>9.0f}{1:>9.3f}")
    for what, times in (
        ("watch: new article file → its page on disk", adds),
        ("watch: deleted file gone", deletes),
    ):
        ms = statistics.median(times) * 1000
        print(f"{what:<40}{ms:>9.0f}{ms / cold_ms:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
