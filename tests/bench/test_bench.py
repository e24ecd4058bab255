"""The benchmark scripts (``bench/run.py``, ``bench/update_bench.py``) work end to end on a
small corpus: each runs, exits 0 and prints every row.

Proves the benchmark is not broken, nothing more: no figure is asserted, because timings on
a shared or CI machine say nothing (the targets are checked by running the benchmark by hand,
see bench/README.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import REPO, run_digest, run_python

pytestmark = pytest.mark.slow  # runs the benchmark scripts on generated corpora

ROWS = (
    "cold build",
    "cold build, stories / stories = false",
    "no-change rebuild",
    "one edit (watch), median",
    "peak RSS",
    "pages written",
)


def test_update_bench_measures_every_change_against_a_correct_site() -> None:
    proc = run_python("bench/update_bench.py", "--n", "60", "--runs", "1", cwd=REPO, timeout=600)
    assert proc.code == 0, proc.err
    rows = {line[:28].strip(): line[28:].split() for line in proc.out.splitlines()[2:]}
    assert list(rows) == [
        "cold build",
        "new day (15 articles)",
        "topic change",
        "delete",
        "rename",
        "body edit",
        "fresh checkout + new day",
    ]
    # The new day writes at least its 15 article pages and its day page.
    assert int(rows["new day (15 articles)"][2]) >= 16


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
    assert summary["cold_build_no_stories_s"] > 0 and summary["ratio_stories"] > 0


def test_bench_updates_add_the_daily_update_and_watch_rows(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    args = ("--n", "60", "--runs", "1", "--no-hugo", "--updates", "--json", figures)
    proc = run_python("bench/run.py", *args, cwd=REPO, timeout=900)
    assert proc.code == 0, proc.err
    changes = [
        "new day (15 articles)",
        "topic change",
        "delete",
        "rename",
        "body edit",
        "fresh checkout + new day",
        "watch: new article file -> its page",
        "watch: new article file -> every list",
        "watch: renamed file -> its page moved",
        "watch: renamed file -> every list",
        "watch: deleted file gone",
        "watch: deleted file -> gone from every list",
    ]
    for change in changes:
        row = next(line for line in proc.out.splitlines() if line.startswith(change + " "))
        seconds, share = row[len(change) :].split()[:2]
        assert float(seconds.removesuffix("s")) > 0 and float(share) > 0, row
    updates = json.loads(figures.read_text())["figures"]["updates"]
    assert list(updates) == changes
    assert "search = true" not in proc.out  # only with --search


# -- the corpus generator ---------------------------------------------------------------------

GEN_CORPUS = REPO / "bench" / "gen_corpus.py"
CORPUS_40_SHA256 = "629409a4205ff2bf385911d44ad595e3a6d402b832b1e8bffd635193cf9b825a"
"""``--n 40`` (seed 1) as the original generator in ``shared/bench/`` writes it: the project's
copy must keep writing the corpus every benchmark figure was measured on."""


def corpus_digest(content: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(content.rglob("*.md")):
        h.update(path.relative_to(content).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def test_corpus_generator_writes_articles_digest_builds(tmp_path: Path) -> None:
    content = tmp_path / "site" / "content"
    proc = run_python(GEN_CORPUS, "--n", "40", "--out", content)
    assert proc.code == 0, proc.err
    assert proc.err.startswith(f"wrote 40 articles over 3 dates (0.2 MB) to {content} in ")
    files = sorted(content.rglob("*.md"))
    assert len(files) == 40
    assert {path.parent.relative_to(content).as_posix() for path in files} == {
        "2013/01/01",
        "2013/01/02",
        "2013/01/03",
    }
    for path in files:
        assert path.read_text("utf-8").startswith("---\ntitle: "), path
    assert corpus_digest(content) == CORPUS_40_SHA256

    (tmp_path / "site" / "digest.toml").write_text(
        'title = "Corpus"\nbase_url = "https://example.org/"\n', encoding="utf-8"
    )
    built = run_digest("build", cwd=tmp_path / "site")
    assert built.code == 0, built.err
    assert built.out.startswith("built 40 articles, 3 days, "), built.out
    assert "warning" not in built.err and "error" not in built.err, built.err
    assert len(list((tmp_path / "site" / "site").rglob("index.html"))) > 40


def test_corpus_generator_is_deterministic_and_keeps_a_folder_that_is_not_empty(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert run_python(GEN_CORPUS, "--n", "25", "--seed", "7", "--out", out).code == 0
    assert corpus_digest(first) == corpus_digest(second)
    assert corpus_digest(first) != CORPUS_40_SHA256

    refused = run_python(GEN_CORPUS, "--n", "3", "--out", first)
    assert refused.code == 1
    assert refused.err == f"{first} is not empty (use --force to replace it)\n"
    assert corpus_digest(first) == corpus_digest(second)
