#!/usr/bin/env python3
"""The daily update: what a change costs ``digest build`` with the cache of the build before,
as a share of the same run's cold build.

    python bench/update_bench.py --n 10000             # the figures of the cost issue
    python bench/update_bench.py --n 10000 --search    # the same with search = true
    python bench/update_bench.py --n 200 --runs 1      # a quick check that it runs

Each change is made to the site as the build before left it, then built, then undone and
built again, so every run starts from the same site:

- **new day**: 15 new articles on a day after the newest;
- **topic change**: one old article's topics replaced;
- **delete**: one old article removed;
- **rename**: one article file moved to another name (same content);
- **body edit**: one paragraph added to one article's body;
- **fresh checkout**: the project copied as a new ``git clone`` makes it (every input file
  with a new modification time, the same bytes) with the cache and the last site restored,
  plus the new day: the flow of the GitHub Pages workflow ``digest init`` writes.

Every figure is the real command in a subprocess (see ``run.py``), the median of ``--runs``.
Not part of the test suite's timing; ``tests/bench/test_bench.py`` only proves it runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import clear_digest_output, digest_build, new_site, positive, progress

NEW_DAY = 15
"""Articles in the new day, as in the issue."""


def _front_matter_set(path: Path, key: str, value: str) -> None:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    lines = [ln for ln in head.split("\n") if not ln.startswith(f"{key}:")]
    lines.append(f"{key}: {value}")
    path.write_text("\n".join(lines) + sep + body, encoding="utf-8")


def _last_day(site: Path) -> tuple[int, int, int]:
    days = sorted(
        (int(y.name), int(m.name), int(d.name))
        for y in (site / "content").iterdir()
        if y.name.isdigit()
        for m in y.iterdir()
        if m.name.isdigit()
        for d in m.iterdir()
        if d.name.isdigit()
    )
    return days[-1]


def add_day(site: Path) -> Callable[[], None]:
    """Write the new day; returns what undoes it."""
    import datetime as dt

    day = dt.date(*_last_day(site)) + dt.timedelta(days=1)
    folder = site / "content" / f"{day:%Y/%m/%d}"
    articles = sources_of(site)
    sources = articles[:: max(1, len(articles) // 97)]
    folder.mkdir(parents=True)
    for i in range(NEW_DAY):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        head, sep, body = text.partition("\n---\n")
        lines = [ln for ln in head.split("\n") if not ln.startswith(("date:", "url:", "slug:"))]
        lines[1:1] = [f"date: {day.isoformat()}", f"url: https://news.example.com/{day}/{i}"]
        (folder / f"new-{i:02d}.md").write_text("\n".join(lines) + sep + body, encoding="utf-8")

    def undo() -> None:
        shutil.rmtree(folder)
        for parent in (folder.parent, folder.parent.parent):
            if not any(parent.iterdir()):
                parent.rmdir()

    return undo


def sources_of(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


def _one_old_article(site: Path) -> Path:
    articles = sources_of(site)
    return articles[len(articles) // 3]


def change_topics(site: Path) -> Callable[[], None]:
    path = _one_old_article(site)
    before = path.read_bytes()
    _front_matter_set(path, "topics", "[Benchmarks, Politics]")
    return lambda: path.write_bytes(before)


def delete(site: Path) -> Callable[[], None]:
    path = _one_old_article(site)
    before = path.read_bytes()
    path.unlink()
    return lambda: path.write_bytes(before)


def rename(site: Path) -> Callable[[], None]:
    path = _one_old_article(site)
    target = path.with_name("renamed-" + path.name)
    path.rename(target)
    return lambda: target.rename(path)


def edit_body(site: Path) -> Callable[[], None]:
    path = _one_old_article(site)
    before = path.read_bytes()
    path.write_bytes(before + b"\nOne more paragraph, added for the benchmark.\n")
    return lambda: path.write_bytes(before)


def fresh_checkout(site: Path) -> Callable[[], None]:
    """Every input file new to the file system (what ``git clone`` makes), cache, last site
    and its spare restored (what the ``digest init`` workflow's ``actions/cache`` step
    restores), plus the new day."""
    later = time.time() + 10
    for path in site.rglob("*"):
        top = path.relative_to(site).parts[0]
        # The cache, the site and its spare (.site.spare, .site.spare.json) are what the
        # cache restores, with their times; every other file is the checkout's.
        built = top in ("site", ".digest-cache") or top.startswith(".site.")
        if not built and path.is_file():
            os.utime(path, (later, later))
    return add_day(site)


CHANGES: dict[str, Callable[[Path], Callable[[], None]]] = {
    "new day (15 articles)": add_day,
    "topic change": change_topics,
    "delete": delete,
    "rename": rename,
    "body edit": edit_body,
    "fresh checkout + new day": fresh_checkout,
}


def measure_changes(site: Path, runs: int, jobs: int | None) -> dict[str, tuple[list[float], int]]:
    """Each change of ``CHANGES`` made to ``site`` (already built), built, undone and built
    again: its build times and the files its last build wrote. ``bench/run.py --updates``
    uses it too."""
    figures: dict[str, tuple[list[float], int]] = {}
    # The first build after a cold one has no spare site yet (it makes its staging folder
    # from nothing); a site updated every day has one. Not measured.
    undo = add_day(site)
    digest_build(site, jobs, "warm-up")
    undo()
    digest_build(site, jobs, "warm-up undone")
    for name, change in CHANGES.items():
        times, written = [], 0
        for i in range(runs):
            undo = change(site)
            measured, written = digest_build(site, jobs, name)
            times.append(measured.seconds)
            progress(f"{name} {i + 1}/{runs}: {measured.seconds:.2f} s, {written} written")
            undo()
            digest_build(site, jobs, f"undoing {name}")
        figures[name] = (times, written)
    return figures


def change_rows(figures: dict[str, tuple[list[float], int]], cold_s: float) -> list[str]:
    """``measure_changes``' figures as table rows: median, share of ``cold_s``, written."""
    lines = []
    for name, (times, written) in figures.items():
        median = statistics.median(times)
        lines.append(f"{name:<28}{median:>9.2f}s{median / cold_s:>9.3f}{written:>9}")
    return lines


def run(n: int, runs: int, jobs: int | None, search: bool, tmp: Path) -> list[str]:
    site = new_site(tmp, n)
    if search:
        with (site / "digest.toml").open("a", encoding="utf-8") as config:
            config.write("search = true\n")
    colds = []
    for i in range(runs):
        clear_digest_output(site)
        cold, written = digest_build(site, jobs, "cold build")
        colds.append(cold.seconds)
        progress(f"cold build {i + 1}/{runs}: {cold.seconds:.2f} s, {written} files")
    cold_s = statistics.median(colds)
    return [
        f"digest daily update, {n} articles{', search = true' if search else ''}",
        f"{'change':<28}{'build':>10}{'x cold':>9}{'written':>9}",
        f"{'cold build':<28}{cold_s:>9.2f}s{1:>9.3f}",
        *change_rows(measure_changes(site, runs, jobs), cold_s),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=positive, default=10000, help="articles (default: 10000)")
    parser.add_argument("--runs", type=positive, default=3, help="runs of each figure; medians")
    parser.add_argument("--jobs", type=positive, default=None, help="passed to digest build")
    parser.add_argument("--search", action="store_true", help="build with search = true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="digest-update-bench-") as folder:
        print("\n".join(run(args.n, args.runs, args.jobs, args.search, Path(folder))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
