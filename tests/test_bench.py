"""``bench/run.py`` works end to end on a small corpus: it runs, exits 0 and prints every row.

Proves the benchmark is not broken, nothing more: no figure is asserted, because timings on
a shared or CI machine say nothing (the targets are checked by running the benchmark by hand,
see bench/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, run_python

ROWS = (
    "cold build",
    "no-change rebuild",
    "one edit (watch), median",
    "peak RSS",
    "pages written",
)


def test_bench_runs_and_prints_the_table(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    proc = run_python(
        "bench/run.py", "--n", "200", "--runs", "1", "--json", figures, cwd=REPO, timeout=600
    )
    assert proc.code == 0, proc.err
    lines = proc.out.splitlines()
    assert lines[0].startswith("digest benchmark: 200 articles, 1 run (median)")
    assert lines[1].startswith("hugo: ")
    for row in ROWS:
        assert any(line.startswith(row) for line in lines), (row, proc.out)
    summary = json.loads(figures.read_text())["summary"]
    assert summary["pages_written"] > 200  # every article's page, and the rest
    assert summary["cold_build_s"] > 0
