#!/usr/bin/env python3
"""Benchmark story clustering (digest.clustering) on the generated benchmark corpus.

    python /work/shared/bench/gen_corpus.py --n 10000 --out /tmp/corpus10k
    python bench/stories_bench.py /tmp/corpus10k [--runs 5]

Reads every article's front-matter (PyYAML) and summary (``digest.formats.summary.summarize``:
the first paragraph, as the loader gives it), then times ``cluster()`` alone -- feature
extraction included, reading the files not -- ``--runs`` times in this process, and
prints the CPU time of each run, the median, and the number of stories, with the garbage
collector set as ``digest`` sets it while a command runs. Target for
10,000 articles: well under 0.7 s (5 % of a ~15 s cold build). Not a test: the suite
only checks that clustering is right, not how fast.

``--sizes 10000,50000,100000`` clusters the oldest N articles for each N instead, in one
process, and prints the CPU time per article: equal figures mean the cost is linear in the
archive (run it on the 100,000-article corpus).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digest.cli import GC_THRESHOLD
from digest.clustering import StoryItem, cluster
from digest.formats.summary import summarize


def load(root: Path) -> list[StoryItem]:
    items = []
    for path in sorted(root.rglob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        date = meta["date"]
        if isinstance(date, dt.datetime):
            published = date if date.tzinfo else date.replace(tzinfo=dt.UTC)
        else:
            published = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
        items.append(
            StoryItem(
                key=path.relative_to(root).as_posix(),
                title=str(meta["title"]),
                text=summarize(body),
                source=str(meta["source"]),
                published=published,
            )
        )
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", help="comma-separated article counts: the cost per article")
    args = parser.parse_args(argv)
    items = load(args.corpus)
    gc.set_threshold(*GC_THRESHOLD)  # as a command runs (digest.cli)
    if args.sizes:
        return _per_article(items, [int(n) for n in args.sizes.split(",")])
    times = []
    for _ in range(args.runs):
        start = time.process_time()
        stories = cluster(items)
        times.append(time.process_time() - start)
    multi = sum(1 for story in stories if len(story.keys) > 1)
    print(
        f"{len(items)} articles -> {len(stories)} stories ({multi} of several articles); "
        f"cluster() CPU s: {' '.join(f'{t:.3f}' for t in times)}; "
        f"median {statistics.median(times):.3f}"
    )
    return 0


def _per_article(items: list[StoryItem], sizes: list[int]) -> int:
    """The CPU time per article of clustering the oldest ``n`` items, for each ``n``."""
    items = sorted(items, key=lambda item: (item.published, item.key))
    for n in sizes:
        some = items[:n]
        start = time.process_time()
        cluster(some)
        spent = time.process_time() - start
        print(f"{len(some)} articles: {spent:.3f} s, {spent / len(some) * 1e6:.1f} us per article")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
