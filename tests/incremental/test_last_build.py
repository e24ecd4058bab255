"""What a build leaves for the next one besides the cache: the manifest of its output and
the reads of its pages, kept a row per file, read and written where they changed; and the
cache's unused entries, dropped before they pile up."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from conftest import tree

from digest.commands.build import BuildOptions, build
from digest.incremental import cache as cache_module
from digest.incremental.cache import CACHE_DIR, FILENAME

ARTICLE = "content/2013/11/16/sao-paulo-rain.md"
PAGE = "2013/11/16/sao-paulo-rain/index.html"


def _clean(root: Path) -> dict[str, bytes]:
    clean = root.parent / "clean-build"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    return tree(clean)


def _edit(root: Path, old: str, new: str) -> None:
    path = root / ARTICLE
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _one(root: Path, pattern: str) -> Path:
    (found,) = (root / CACHE_DIR).glob(pattern)
    return found


def test_the_json_files_of_an_older_digest_are_taken_over(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    # As a digest of manifest format 1 and reads format 2 left them.
    manifest = _one(fixture_site, "manifest-*.sqlite")
    with sqlite3.connect(manifest) as db:
        files = {p: [f, s, m] for p, f, s, m in db.execute("SELECT * FROM files")}
    db.close()
    record = {"format": 1, "inputs": "", "summary": {}, "files": files}
    manifest.with_suffix(".json").write_text(json.dumps(record))
    reads = _one(fixture_site, "reads-*.sqlite")
    reads.with_suffix(".json").write_text('{"format": 2, "names": [], "paths": [], "pages": {}}')
    for path in [
        *manifest.parent.glob("manifest-*.sqlite*"),
        *reads.parent.glob("reads-*.sqlite*"),
    ]:
        path.unlink()

    result = build(options)  # the old manifest is trusted: nothing to render again
    assert (result.rendered, result.written, result.warnings) == (0, [], [])
    names = sorted(p.name.split("-")[0] + p.suffix for p in (fixture_site / CACHE_DIR).iterdir())
    assert "manifest.json" not in names and "reads.json" not in names
    assert "manifest.sqlite" in names and "reads.sqlite" in names
    _edit(fixture_site, "several streets", "many streets")
    result = build(options)
    assert PAGE in result.written and 0 < result.rendered < result.pages / 2
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_a_damaged_manifest_row_is_a_miss(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    manifest = _one(fixture_site, "manifest-*.sqlite")
    with sqlite3.connect(manifest) as db:
        db.execute("UPDATE files SET size = 'big' WHERE path = ?", (PAGE,))
        db.execute("UPDATE files SET fingerprint = NULL WHERE path LIKE 'topics/%'")
    db.close()
    (fixture_site / "site" / PAGE).write_text("an edit the manifest does not know of")
    result = build(options)
    assert result.warnings == []
    assert PAGE in result.written and "topics/weather/index.html" not in result.written
    assert tree(fixture_site / "site") == _clean(fixture_site)
    result = build(options)  # the rows were written anew
    assert (result.rendered, result.written) == (0, [])


def test_only_the_rows_of_rendered_pages_change(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    manifest = _one(fixture_site, "manifest-*.sqlite")
    reads = _one(fixture_site, "reads-*.sqlite")

    def rows() -> tuple[dict[str, tuple], dict[str, tuple]]:
        found = []
        for path, query in ((manifest, "SELECT * FROM files"), (reads, "SELECT * FROM pages")):
            with sqlite3.connect(path) as db:
                found.append({row[0]: row[1:] for row in db.execute(query)})
            db.close()
        return found[0], found[1]

    files_before, reads_before = rows()
    _edit(fixture_site, "several streets", "many streets")
    result = build(options)
    files_after, reads_after = rows()
    changed = {p for p in files_after if files_after[p] != files_before.get(p)}
    # The rendered pages' rows (their fingerprints moved), not the others'.
    assert PAGE in changed and len(changed) <= result.rendered < len(files_after) / 2
    assert set(files_after) == set(files_before) and set(reads_after) == set(reads_before)
    assert len({p for p in reads_after if reads_after[p] != reads_before[p]}) <= result.rendered
    # A page no longer built leaves both.
    (fixture_site / ARTICLE).unlink()
    removed = build(options).removed
    assert PAGE in removed
    files_gone, reads_gone = rows()
    assert set(files_gone) == set(files_after) - set(removed) and PAGE in reads_after
    assert set(reads_gone) <= set(files_gone) and PAGE not in reads_gone


def test_unused_cache_entries_do_not_pile_up(fixture_site, monkeypatch):
    monkeypatch.setattr(cache_module, "SLACK", 2)
    options = BuildOptions(root=fixture_site)
    build(options)

    def rows() -> list[int]:
        with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
            counts = [
                db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "bodies")
            ]
        db.close()
        return counts

    in_use = rows()
    seen = []
    for n in range(6):  # each edit leaves the article's old entry and its old body unused
        _edit(fixture_site, "streets" if n == 0 else f"streets {n - 1}", f"streets {n}")
        build(options)
        seen.append(rows())
    assert all(a <= in_use[0] + 3 and b <= in_use[1] + 3 for a, b in seen)
    assert max(a for a, _ in seen) > in_use[0]  # not dropped on every build
    assert tree(fixture_site / "site") == _clean(fixture_site)
