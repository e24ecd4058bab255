"""Benchmark ``digest import``: N raw articles in the seed's form, imported into a fresh folder.

The target (issue "digest import"): 10,000 raw files in under 20 s on a 2-core machine.
Not a timed test, because CI machines vary; run it by hand, on an otherwise idle machine
(the wall time is mostly file creation, which other processes writing files slow down; the
CPU time shown is the importer's own)::

    python bench/import_bench.py --n 10000

Files are generated from a seeded random, so every run imports the same articles: bylines
and date lines cycle through every form the importer reads, and about one in fifty
articles repeats an earlier URL with a tracking parameter, to exercise duplicate detection.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from digest.commands.importing import run_import

SOURCES = ["The Moscow Times", "Reuters", "The Guardian", "Agence France-Presse", "São Paulo Post"]
PEOPLE = ["Jane Doe", "John Roe", "Ana Lima", "Piotr Nowak", "Mei Chen"]
WORDS = [
    *("government", "delegation", "officials", "conference", "talks", "opposition", "minister"),
    *("president", "spokesman", "ministry", "invitation", "preparatory", "meeting", "envoy"),
    *("coalition", "weeks", "diplomats", "efforts", "announced", "agreed", "visit", "backer"),
    *("regional", "support", "sources", "said"),
]


def _date_line(rng: random.Random, day: dt.date) -> str:
    forms = [
        f"{day:%B} {day.day}, {day.year}",
        f"{day:%b}. {day.day}, {day.year}",
        f"{day:%b} {day.day}, {day.year}",
        f"{day.day} {day:%B} {day.year}",
        day.isoformat(),
        f"{day:%d.%m.%Y}",
        f"{day:%A}, {day:%B} {day.day}, {day.year}",
        f"{day:%a}, {day.day} {day:%B} {day.year}",
        f"{day:%B} {day.day}, {day.year} {rng.randint(1, 12)}:{rng.randint(0, 59):02d} AM",
    ]
    return rng.choice(forms)


def _byline(rng: random.Random, source: str) -> tuple[str, str | None]:
    """(byline, brand line or None)."""
    person, other = rng.sample(PEOPLE, 2)
    *first, last = source.split()
    masthead = " ".join(first) + f"  **{last}**" if first else f"**{last}**"
    forms: list[tuple[str, str | None]] = [
        (f"By [{source}](#)", masthead),
        (f"By {source}", None),
        (f"By {person}, {source}", None),
        (f"By {person} for {source}", source),
        (f"By {person} and {other}", f"**{source}**"),
    ]
    return rng.choice(forms)


def raw_article(rng: random.Random, index: int, url: str) -> str:
    """One raw article in the seed's form."""
    source = rng.choice(SOURCES)
    day = dt.date(2013, 1, 1) + dt.timedelta(days=rng.randrange(365 * 3))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))).capitalize()
    byline, brand = _byline(rng, source)
    header = (
        [byline, _date_line(rng, day)] if rng.random() < 0.8 else [_date_line(rng, day), byline]
    )
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
        for _ in range(rng.randint(4, 14))
    ]
    parts = [
        "",
        title,
        *header,
        *([brand] if brand else []),
        *paragraphs,
        "Original url:",
        f"<{url}>",
    ]
    return "\n\n".join(parts) + ("\n" if index % 2 else "")


def generate(folder: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    urls: list[str] = []
    for index in range(n):
        if urls and rng.random() < 0.02:
            url = rng.choice(urls) + "?utm_source=bench"
        else:
            url = f"https://news.example.com/{index // 1000}/story-{index}"
            urls.append(url)
        sub = folder / f"batch-{index // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{index:06d}.txt").write_text(raw_article(rng, index, url), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=10_000, help="raw files to import")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-import-bench-") as tmp:
        raw, content = Path(tmp) / "raw", Path(tmp) / "site" / "content"
        raw.mkdir()
        generate(raw, args.n, args.seed)
        # A user's raw files are on disk already; don't time the write-back of ours.
        os.sync()
        out, err = io.StringIO(), io.StringIO()
        start, cpu = time.perf_counter(), time.process_time()
        status = run_import(
            [raw],
            content_dir=content,
            dry_run=False,
            topics=[],
            root=content.parent,
            stdout=out,
            stderr=err,
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        summary = out.getvalue().splitlines()[-1]
        print(f"{summary} (exit {status})")
        if err.getvalue().count("error:"):
            print(err.getvalue(), file=sys.stderr)
        print(
            f"{args.n} raw files in {seconds:.2f} s wall ({cpu:.2f} s CPU): "
            f"{args.n / seconds:,.0f} files/s; load average {os.getloadavg()[0]:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
