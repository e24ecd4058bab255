#!/usr/bin/env python3
"""Benchmark site search: what indexing adds to a cold build, and how soon the search page
shows its first result in a real browser.

    python bench/search_bench.py --n 10000               # the issue's figures, 3 runs each
    python bench/search_bench.py --n 60 --runs 1          # a quick check that it all works

1. Cold builds (no output folder, no ``.digest-cache/``) of the same generated corpus with
   and without ``--search``, alternating, ``--runs`` of each: the medians and the overhead
   of search in per cent (target: under 30 %).
2. The first-result latency of ``/search/`` in headless Chromium (Playwright, Debian's
   ``/usr/bin/chromium``; never a downloaded browser), the built site served over
   localhost: for rare and common words of the corpus, ``--runs`` times each, every time
   in a fresh browser context (an empty cache) on a freshly loaded search page. Measured in
   the page, from the ``input`` event that enters the query to the query's first result in
   the list, after the next animation frame (target: median under 300 ms). "pasted" enters the
   whole word in one event; "typed" enters it one key every ``TYPING_MS`` ms and measures
   from the last key.

Not part of the test suite's timing (``tests/search/test_search.py`` only proves it runs, at a
tiny ``--n``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # bench/ is not a package: run.py is found through sys.path
    BenchError,
    Measured,
    checked,
    clear_digest_output,
    digest_cmd,
    digest_env,
    fmt,
    machine,
    measure,
    median,
    met,
    new_site,
    positive,
    progress,
    run_and_report,
)

TARGET_OVERHEAD = 0.30
"""Search may add at most this fraction to a cold build."""
TARGET_FIRST_RESULT_MS = 300.0
"""Median time from entering a query to its first result on screen."""
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
QUERIES_PER_KIND = 3
RARE_SHARE = 0.005
"""A rare word is in about this share of the articles (at least two of them)."""
COMMON_SHARE = 0.5
"""A common word is in about half of the articles."""
TYPING_MS = 100
"""The pause between two keys of a typed query: a quick typist."""
SETTLE_MS = 500
"""How long the page sits loaded before a query is entered, as a reader takes to type."""
PAGE_TIMEOUT_MS = 60_000
WORD = re.compile(r"[a-z]{4,}")
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)

# Runs in the page: enters the query, resolves with the milliseconds from the (last) input
# event to the query's first result in the list, once the next frame has been drawn.
MEASURE_JS = """async ([query, typingMs]) => {
  const list = document.getElementById("search-results");
  const input = document.getElementById("search-input");
  const enter = (value, data) => {
    input.value = value;
    input.dispatchEvent(new InputEvent("input", {bubbles: true, inputType: "insertText", data}));
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  if (typingMs > 0) {
    for (let i = 1; i < query.length; i++) {
      enter(query.slice(0, i), query[i - 1]);
      await sleep(typingMs);
    }
  }
  return await new Promise((resolve) => {
    let started = 0;
    // The list names the query its results are for (data-query): a result of a prefix
    // searched while the word was typed does not count.
    const done = () => list.querySelector(".search-result") &&
      (list.dataset.query === undefined || list.dataset.query === query);
    const observer = new MutationObserver(() => {
      if (!done()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - started));
    });
    observer.observe(list, {childList: true, subtree: true});
    started = performance.now();
    enter(query, typingMs > 0 ? query.slice(-1) : query);
  });
}"""


@dataclass
class Figures:
    """Everything measured; medians are computed from these lists."""

    n: int
    runs: int
    python: str
    cpus: int
    platform: str
    pagefind: str | None = None
    plain_s: list[float] = field(default_factory=list)
    search_s: list[float] = field(default_factory=list)
    rare: list[str] = field(default_factory=list)
    common: list[str] = field(default_factory=list)
    pasted_ms: dict[str, list[float]] = field(default_factory=dict)
    typed_ms: dict[str, list[float]] = field(default_factory=dict)
    browser_problem: str | None = None

    def summary(self) -> dict[str, Any]:
        plain, search = median(self.plain_s), median(self.search_s)
        overhead = None if plain is None or search is None or plain == 0 else search / plain - 1
        words = self.rare + self.common
        return {
            "cold_build_s": plain,
            "cold_build_search_s": search,
            "search_overhead": overhead,
            "first_result_ms": median(self._of(self.pasted_ms, words)),
            "first_result_rare_ms": median(self._of(self.pasted_ms, self.rare)),
            "first_result_common_ms": median(self._of(self.pasted_ms, self.common)),
            "first_result_typed_ms": median(self._of(self.typed_ms, words)),
        }

    @staticmethod
    def _of(times: dict[str, list[float]], words: list[str]) -> list[float]:
        return [v for q in words for v in times.get(q, [])]


# -- builds -----------------------------------------------------------------------------------


def cold_build(site: Path, search: bool, jobs: int | None) -> Measured:
    cmd = digest_cmd("build", site, jobs) + (["--search"] if search else [])
    clear_digest_output(site)
    what = "digest build --search" if search else "digest build"
    run = checked(what, measure(cmd, env=digest_env(), cwd=site))
    if search and "warning" in run.stderr:
        raise BenchError(f"{what} warned (is Pagefind installed?):\n{run.stderr[-2000:]}")
    return run


def pagefind_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("pagefind")
    except Exception:  # not installed, or no metadata: the figure says so
        return None


# -- queries ----------------------------------------------------------------------------------


def pick_queries(site: Path, per_kind: int) -> tuple[list[str], list[str]]:
    """Words of the articles' bodies: rare ones (in ~0.5 % of the articles) and common ones
    (in ~half of them), nearest first, ties alphabetical: the same corpus, the same words."""
    seen: Counter[str] = Counter()
    articles = sorted((site / "content").rglob("*.md"))
    for path in articles:
        body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
        seen.update(set(WORD.findall(body.lower())))
    total = max(1, len(articles))

    def nearest(share: float, floor: int, exclude: set[str]) -> list[str]:
        target = max(floor, share * total)
        ranked = sorted(
            (w for w, n in seen.items() if n >= floor and w not in exclude),
            key=lambda w: (abs(seen[w] - target), w),
        )
        return ranked[:per_kind]

    common = nearest(COMMON_SHARE, 1, set())
    rare = nearest(RARE_SHARE, 2, set(common))
    return rare, common


# -- the browser ------------------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as any real host

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A static host on 127.0.0.1 over ``folder`` (the site's base path is ``/``)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    # A browser context closed while fragments load breaks their connections: not news.
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def first_result_ms(browser: Any, url: str, query: str, typing_ms: int) -> float:
    """One query on a freshly loaded search page in a fresh context (empty cache)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}/search/", wait_until="load")
        page.wait_for_selector("#search[data-ready]", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_timeout(SETTLE_MS)
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        return float(page.evaluate(MEASURE_JS, [query, typing_ms]))
    finally:
        context.close()


def measure_browser(figures: Figures, site: Path, runs: int, chromium: str) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        figures.browser_problem = "playwright is not installed"
        return
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        figures.browser_problem = f"no Chromium at {chromium}"
        return
    with serve(site / "site") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            words = figures.rare + figures.common
            # One query first, not counted: the browser's own start-up is not the page's.
            first_result_ms(browser, url, words[0], 0)
            for number in range(1, runs + 1):
                for word in words:
                    for typing_ms, times in ((0, figures.pasted_ms), (TYPING_MS, figures.typed_ms)):
                        ms = first_result_ms(browser, url, word, typing_ms)
                        times.setdefault(word, []).append(ms)
                progress(
                    f"browser run {number}/{runs}: "
                    + ", ".join(
                        f"{w} {figures.pasted_ms[w][-1]:.0f}/{figures.typed_ms[w][-1]:.0f} ms"
                        for w in words
                    )
                )
        finally:
            browser.close()


# -- report -----------------------------------------------------------------------------------


def _listed(values: Sequence[float], digits: int) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values) or "-"


def table(f: Figures) -> str:
    s = f.summary()
    overhead, first = s["search_overhead"], s["first_result_ms"]
    lines = [
        f"search benchmark: {f.n} articles, {f.runs} run{'s' if f.runs != 1 else ''} (median), "
        f"Python {f.python}, {f.cpus} CPUs, {f.platform}",
        f"pagefind: {f.pagefind or 'not installed'}",
        f"{'figure':34}{'median':>12}   {'target':<12}",
        f"{'cold build':34}{fmt(s['cold_build_s'], 's', 2):>12}",
        f"{'cold build --search':34}{fmt(s['cold_build_search_s'], 's', 2):>12}",
        f"{'search overhead':34}{fmt(None if overhead is None else overhead * 100, '%', 1):>12}"
        f"   {'< 30 %':<12}{met(None if overhead is None else overhead < TARGET_OVERHEAD)}",
    ]
    if f.browser_problem:
        lines.append(f"{'first result':34}{'n/a':>12}   ({f.browser_problem})")
    else:
        lines += [
            f"{'first result (pasted)':34}{fmt(first, 'ms'):>12}   {'< 300 ms':<12}"
            f"{met(None if first is None else first < TARGET_FIRST_RESULT_MS)}",
            f"{'  rare words':34}{fmt(s['first_result_rare_ms'], 'ms'):>12}",
            f"{'  common words':34}{fmt(s['first_result_common_ms'], 'ms'):>12}",
            f"{'first result (typed, last key)':34}{fmt(s['first_result_typed_ms'], 'ms'):>12}",
        ]
    lines.append("runs:")
    lines.append(f"  cold build (s):            {_listed(f.plain_s, 2)}")
    lines.append(f"  cold build --search (s):   {_listed(f.search_s, 2)}")
    for kind, words in (("rare", f.rare), ("common", f.common)):
        for word in words:
            pasted, typed = f.pasted_ms.get(word, []), f.typed_ms.get(word, [])
            lines.append(
                f"  {kind} {word!r} (ms):".ljust(30)
                + f"pasted {_listed(pasted, 0)}; typed {_listed(typed, 0)}"
            )
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------


def run_benchmark(args: argparse.Namespace, tmp: Path) -> Figures:
    figures = Figures(n=args.n, runs=args.runs, pagefind=pagefind_version(), **machine())
    if args.content:
        site = tmp / "site"
        site.mkdir()
        progress(f"copying {args.content} into {site / 'content'}")
        shutil.copytree(args.content, site / "content")
        (site / "digest.toml").write_text(
            'title = "Digest benchmark"\nbase_url = "https://example.org/"\n', encoding="utf-8"
        )
        figures.n = sum(1 for _ in (site / "content").rglob("*.md"))
    else:
        site = new_site(tmp, args.n)
    figures.rare, figures.common = pick_queries(site, args.words)
    progress(f"queries: rare {figures.rare}, common {figures.common}")

    if args.no_build:
        cold_build(site, True, args.jobs)
    else:
        for number in range(1, args.runs + 1):
            # Alternate which goes first, so a drift in the machine's load hits both.
            for search in (False, True) if number % 2 else (True, False):
                run = cold_build(site, search, args.jobs)
                (figures.search_s if search else figures.plain_s).append(run.seconds)
                label = "with search" if search else "without search"
                progress(f"cold build {label} {number}/{args.runs}: {run.seconds:.2f} s")
        if args.runs % 2 == 0:  # the last build was without search; the browser needs it
            cold_build(site, True, args.jobs)
    if args.no_browser:
        figures.browser_problem = "skipped (--no-browser)"
    else:
        measure_browser(figures, site, args.runs, args.chromium)
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark digest's site search.")

    parser.add_argument("--n", type=positive, default=10000, help="articles (default: 10000)")
    parser.add_argument(
        "--runs", type=positive, default=3, help="runs of each figure; medians (default: 3)"
    )
    parser.add_argument(
        "--words",
        type=positive,
        default=QUERIES_PER_KIND,
        help=f"rare and common words to search, of each (default: {QUERIES_PER_KIND})",
    )
    parser.add_argument("--jobs", type=positive, help="passed to digest build --jobs")
    parser.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        help="copy this content/ folder (e.g. an earlier --keep) instead of generating --n",
    )
    parser.add_argument("--chromium", default=CHROMIUM, help=f"browser (default: {CHROMIUM})")
    parser.add_argument("--no-build", action="store_true", help="skip the build figures")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser figures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_and_report(parse_args(argv), "digest-search-bench-", run_benchmark, table)


if __name__ == "__main__":
    sys.exit(main())
