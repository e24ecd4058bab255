"""``digest new`` and ``digest import`` write the same files: one front-matter layout (block
style, one key a line, in the order of DESIGN section 3), created with the user's umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import REPO, run_digest, run_python

SEED = REPO / "tests" / "fixtures" / "raw" / "000_55ba7b0d3d1638ae.txt"
README_EXAMPLE = """\
---
title: Syria, Russia to Discuss Peace Conference on Monday
source: The Moscow Times
date: 2013-11-17
url: https://www.themoscowtimes.com/2013/11/17/syria-russia-to-discuss-peace-conference-on-monday-a-29641
topics: [Syria, Russia, Diplomacy]
---
"""


def _front_matter(text: str) -> str:
    head, sep, _ = text.partition("\n---\n")
    return head + sep


def test_the_readme_shows_the_front_matter_new_and_import_write():
    assert README_EXAMPLE in (REPO / "README.md").read_text()


def test_the_imported_seed_is_the_readmes_example_article(tmp_path: Path):
    (tmp_path / "digest.toml").write_text("")
    result = run_digest(
        "import", SEED, "--topics", "Syria,Russia,Diplomacy", "--root", tmp_path, cwd=tmp_path
    )
    assert result.code == 0, result.err
    written = tmp_path / "content/2013/11/17/syria-russia-to-discuss-peace-conference-on-monday.md"
    assert _front_matter(written.read_text()) == README_EXAMPLE


def test_new_writes_the_same_layout(tmp_path: Path):
    (tmp_path / "digest.toml").write_text("")
    result = run_digest(
        "new",
        "Syria, Russia to Discuss Peace Conference on Monday",
        "--source",
        "The Moscow Times",
        "--url",
        "https://www.themoscowtimes.com/2013/11/17/syria-russia-to-discuss-peace-conference-on-monday-a-29641",
        "--date",
        "2013-11-17",
        "--topics",
        "Syria,Russia,Diplomacy",
        "--root",
        tmp_path,
    )
    assert result.code == 0, result.err
    written = Path(result.out.splitlines()[-1])
    assert written.read_text() == README_EXAMPLE


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_new_and_import_create_files_with_the_umasks_mode(tmp_path: Path, umask: int):
    root = tmp_path / f"site-{umask:o}"
    root.mkdir()
    (root / "digest.toml").write_text("")
    script = (
        f"import os, sys; os.umask({umask}); "
        "from digest.cli import main; sys.exit(main(sys.argv[1:]))"
    )

    made = run_python(
        "-c",
        script,
        "new",
        "A title",
        "--source",
        "S",
        "--url",
        "https://e.com/a",
        "--date",
        "2013-11-17",
        "--root",
        root,
    )
    assert made.code == 0, made.err
    imported = run_python("-c", script, "import", SEED, "--root", root)
    assert imported.code == 0, imported.err
    expected = 0o666 & ~umask
    files = sorted((root / "content").rglob("*.md"))
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == expected, path
