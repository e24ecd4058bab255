"""The output folder, the project root and the command line: what a build may replace,
where it writes, and what it refuses (docs/reliability.md, "Hardening round 2")."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, article, run_digest

from digest.cli import main
from digest.commands.init import init_site

GOOD = {"content/2013/11/17/good.md": article("Good news", url="https://example.com/good")}


# -- 1. an output folder is replaced only when digest wrote it ---------------------------


def test_a_hand_made_nojekyll_does_not_make_a_folder_ours(tmp_path, capsys):
    # The repro: `digest init s && cd s && mkdir docs && touch docs/.nojekyll &&
    # echo mine > docs/notes.txt && digest build --output docs`.
    root = tmp_path / "s"
    init_site(root)
    docs = root / "docs"
    docs.mkdir()
    (docs / ".nojekyll").touch()
    (docs / "notes.txt").write_text("mine\n")
    capsys.readouterr()
    assert main(["build", "--root", str(root), "--output", str(docs)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"{docs}: error: output folder was not written by digest (it has no .digest-site); "
        "a build would delete its 2 files (.nojekyll, notes.txt): empty the folder or choose "
        "another with --output\n1 error; nothing written\n"
    )
    assert (docs / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in docs.iterdir()) == [".nojekyll", "notes.txt"]


def test_a_refused_folder_names_the_first_files_and_the_count(make_site, capsys):
    root = make_site({**GOOD, **{f"out/f{i:02}.txt": "x" for i in range(12)}})
    (root / "out/.nojekyll").touch()
    assert main(["build", "--root", str(root), "--output", str(root / "out")]) == 1
    assert (
        "a build would delete its 13 files (.nojekyll, f00.txt, f01.txt, f02.txt, f03.txt "
        "and 8 more)"
    ) in capsys.readouterr().err
    assert len(list((root / "out").iterdir())) == 13


def test_a_site_digest_built_is_rebuilt(make_site, capsys):
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    site = root / "site"
    marker = (site / ".digest-site").read_text()
    assert "written by digest" in marker and "replaces it whole" in marker
    assert (site / ".nojekyll").read_bytes() == b""
    (root / "content/2013/11/17/good.md").unlink()
    (root / "content/2013/11/17/other.md").write_text(article("Other", url="https://e.com/o"))
    assert main(["build", "--root", str(root)]) == 0
    assert (site / "2013/11/17/other/index.html").is_file()
    assert not (site / "2013/11/17/good-news").exists()


def test_a_site_of_an_older_digest_is_accepted_by_its_manifest(make_site, capsys):
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    site = root / "site"
    # As an older digest left it: no marker, and a manifest (of its format, JSON) without
    # one either.
    (site / ".digest-site").unlink()
    manifests = list((root / ".digest-cache").glob("manifest-*.sqlite"))
    assert manifests
    for path in manifests:
        with sqlite3.connect(path) as db:
            files = {p: [f, s, m] for p, f, s, m in db.execute("SELECT * FROM files")}
        db.close()
        del files[".digest-site"]
        record = {"format": 1, "inputs": "", "summary": {}, "files": files}
        path.with_suffix(".json").write_text(json.dumps(record))
        path.unlink()
    assert main(["build", "--root", str(root)]) == 0
    assert (site / ".digest-site").is_file()
    # A file the manifest does not list makes the folder someone else's again.
    (site / ".digest-site").unlink()
    for path in manifests:
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM files WHERE path = '.digest-site'")
        db.close()
    (site / "mine.txt").write_text("mine")
    assert main(["build", "--root", str(root), "--force"]) == 1
    assert "a build would delete its" in capsys.readouterr().err
    assert (site / "mine.txt").read_text() == "mine"


# -- 2. an output folder that is a symlink -------------------------------------------------


def _debris(*folders: Path) -> list[str]:
    return sorted(p.name for f in folders for p in f.iterdir() if ".staging-" in p.name)


def test_a_symlinked_output_is_built_into_its_target(make_site, tmp_path):
    root = make_site(GOOD)
    target = tmp_path / "elsewhere" / "public"
    target.parent.mkdir()
    os.symlink(target, root / "site")  # dangling at first: the first build makes the target
    (root / "content/2013/11/17/good.md").unlink()
    for title in ("First", "Second"):
        for old in (root / "content/2013/11/17").iterdir():
            old.unlink()
        (root / f"content/2013/11/17/{title.lower()}.md").write_text(article(title))
        assert main(["build", "--root", str(root)]) == 0
        assert (root / "site").is_symlink() and os.readlink(root / "site") == str(target)
        assert (target / f"2013/11/17/{title.lower()}/index.html").is_file()
        assert (target / ".digest-site").is_file()
        assert _debris(root, target.parent) == []
    assert not (target / "2013/11/17/first").exists()  # the old article's page was removed


def test_watch_writes_in_place_through_a_symlinked_output(make_site, tmp_path):
    from digest.commands.build import BuildOptions, build

    root = make_site(GOOD)
    target = tmp_path / "elsewhere" / "public"
    target.mkdir(parents=True)
    os.symlink(target, root / "site")
    options = BuildOptions(root=root)
    build(options)  # watch's first build stages the site and swaps it in whole
    assert (root / "site").is_symlink() and (target / "2013/11/17/good/index.html").is_file()
    (root / "content/2013/11/17/good.md").write_text(article("Better", url="https://e.com/g"))
    result = build(options, in_place=True)
    assert "2013/11/17/good/index.html" in result.written
    assert (root / "site").is_symlink() and os.readlink(root / "site") == str(target)
    assert "Better" in (target / "2013/11/17/good/index.html").read_text()
    assert _debris(root, target.parent) == []


# -- 3. a --root that is not a site project ------------------------------------------------

NOT_A_PROJECT = (
    "typo: error: not a site project (no content/ folder or digest.toml); see --root\n"
    "1 error; nothing written\n"
)


@pytest.mark.slow  # every command in a subprocess
def test_a_mistyped_root_is_an_error_for_every_command_but_init(tmp_path):
    (tmp_path / "raw.txt").write_text("Title\n\nBody.\n")
    commands = {
        "build": ["build"],
        "check": ["check"],
        "watch": ["watch"],
        "serve": ["serve", "--port", "0"],
        "new": ["new", "T", "--source", "S", "--url", "https://e.com/t"],
        "import": ["import", "raw.txt"],
    }
    for name, args in commands.items():
        result = run_digest(*args, "--root", "typo", cwd=tmp_path, timeout=60)
        assert (result.code, result.out, result.err) == (1, "", NOT_A_PROJECT), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw.txt"]  # nothing made
    # Either half of a project is enough; init makes one where there was none.
    (tmp_path / "typo").mkdir()
    (tmp_path / "typo/digest.toml").write_text('title = "T"\n')
    assert run_digest("check", "--root", "typo", cwd=tmp_path).code == 0
    assert run_digest("init", "fresh", cwd=tmp_path).code == 0
    assert run_digest("check", "--root", "fresh", cwd=tmp_path).code == 0


def test_a_root_that_is_a_file_is_not_a_project(tmp_path):
    (tmp_path / "typo").write_text("not a folder")
    result = run_digest("build", "--root", "typo", cwd=tmp_path)
    assert (result.code, result.err) == (1, NOT_A_PROJECT)


# -- 4. plain-text outputs are not HTML-escaped; a base URL a page cannot quote is refused ---


def test_robots_txt_is_plain_text_and_xml_and_html_stay_escaped(make_site):
    root = make_site({**GOOD, "digest.toml": "base_url = 'https://example.com/news&views/'\n"})
    assert main(["build", "--root", str(root)]) == 0
    site = root / "site"
    robots = (site / "robots.txt").read_text()
    assert "Sitemap: https://example.com/news&views/sitemap.xml\n" in robots
    assert "&amp;" not in robots
    assert (
        "<loc>https://example.com/news&amp;views/sitemaps/pages.xml</loc>"
        in (site / "sitemap.xml").read_text()
    )
    assert (
        "<loc>https://example.com/news&amp;views/</loc>"
        in (site / "sitemaps/pages.xml").read_text()
    )
    assert 'href="/news&amp;views/assets/style.css' in (site / "index.html").read_text()


def test_a_base_url_with_characters_no_url_may_hold_is_refused(make_site, capsys):
    for char, encoded in (('"', "%22"), ("<", "%3C"), (">", "%3E"), ("`", "%60")):
        url = f"https://example.com/a{char}b/"
        root = make_site({**GOOD, "digest.toml": f"base_url = '{url}'\n"})
        assert main(["build", "--root", str(root)]) == 1
        assert capsys.readouterr().err == (
            f"digest.toml:1: error: base_url: {url!r} contains {char!r}, which a URL cannot "
            f"hold; write it percent-encoded ({encoded})\n1 error; nothing written\n"
        )
        (root / "digest.toml").write_text("base_url = 'https://example.com/'\n")
        assert main(["build", "--root", str(root), "--base-url", url]) == 1
        assert f"--base-url: error: base_url: {url!r} contains" in capsys.readouterr().err
    root = make_site({**GOOD, "digest.toml": "base_url = 'https://example.com/a b/'\n"})
    assert main(["build", "--root", str(root)]) == 1
    assert "contains whitespace or control characters" in capsys.readouterr().err


# -- 5. a closed pipe ----------------------------------------------------------------------


def _into_a_closed_pipe(*args: str | Path) -> tuple[int, str]:
    """Run digest with its stdout (or, with ``2>``, its stderr) a pipe whose reader has
    gone, like ``digest check | true``."""
    import subprocess
    import sys

    from conftest import REPO

    to_stderr = args[0] == "2>"
    args = args[1:] if to_stderr else args
    read, write = os.pipe()
    os.close(read)  # the reader is gone before digest writes a byte
    proc = subprocess.run(
        [sys.executable, "-m", "digest", *map(str, args)],
        stdout=subprocess.PIPE if to_stderr else write,
        stderr=write if to_stderr else subprocess.PIPE,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    os.close(write)
    return proc.returncode, proc.stdout if to_stderr else proc.stderr


@pytest.mark.slow  # every command in a subprocess
def test_a_closed_pipe_stops_digest_quietly(make_site):
    root = make_site({**GOOD, "digest.toml": "base_url = 'https://example.com/'\n"})
    assert _into_a_closed_pipe("check", "--root", root) == (141, "")
    assert _into_a_closed_pipe("build", "--root", root) == (141, "")
    assert (root / "site/index.html").is_file()  # the build itself was done
    # Errors printed into a closed pipe: the same.
    (root / "content/bad.md").write_text("no front-matter\n")
    assert _into_a_closed_pipe("2>", "build", "--root", root) == (141, "")


# -- 6. rough edges --------------------------------------------------------------------------


def test_static_well_known_is_published_and_other_hidden_files_are_not(make_site):
    from digest.commands.changes import is_source_path

    root = make_site(
        {
            **GOOD,
            "static/.well-known/security.txt": "Contact: mailto:x@example.com\n",
            "static/.well-known/.hidden": "no",
            "static/.secret/key.txt": "no",
            "static/.env": "no",
            "static/sub/.well-known/x.txt": "no",
        }
    )
    assert main(["build", "--root", str(root)]) == 0
    site = root / "site"
    assert (site / ".well-known/security.txt").read_text() == "Contact: mailto:x@example.com\n"
    assert sorted(p.name for p in (site / ".well-known").iterdir()) == ["security.txt"]
    assert not (site / ".secret").exists() and not (site / ".env").exists()
    assert not (site / "sub").exists()
    # ... and watch rebuilds when it changes.
    assert is_source_path("static/.well-known/security.txt")
    assert not is_source_path("static/.well-known/.security.txt.swp")
    assert not is_source_path("static/.secret/key.txt")


def test_a_template_symlink_leading_outside_the_project_is_refused(make_site, tmp_path, capsys):
    (tmp_path / "outside.html").write_text("{% extends 'base.html' %}secret\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/x.html").write_text("secret\n")
    root = make_site({**GOOD, "shared/day.html": "{% extends 'base.html' %}\n"})
    (root / "templates").mkdir()
    os.symlink(tmp_path / "outside.html", root / "templates/article.html")
    os.symlink(tmp_path / "outside", root / "templates/partials")
    os.symlink(root / "shared/day.html", root / "templates/day.html")  # inside: fine
    os.symlink(root / "templates", root / "templates/loop")  # a loop: no hang
    for command in ("build", "check"):
        assert main([command, "--root", str(root)]) == 1
        assert capsys.readouterr().err == (
            "templates/article.html: error: symlink leads outside the site project\n"
            "templates/partials: error: symlink leads outside the site project\n"
            "2 errors; nothing written\n"
        )
    assert not (root / "site").exists()
    (root / "templates/article.html").unlink()
    (root / "templates/partials").unlink()
    assert main(["build", "--root", str(root)]) == 0


def test_a_build_without_base_url_warns_once(make_site, capsys):
    root = make_site(GOOD)
    warning = (
        "digest.toml: warning: base_url is not set: canonical links, feeds and the sitemap "
        "point to http://localhost/; set base_url (or pass --base-url)\n"
    )
    assert main(["build", "--root", str(root)]) == 0
    assert capsys.readouterr().err == warning
    assert main(["build", "--root", str(root)]) == 0  # nothing to do: still said
    assert capsys.readouterr().err == warning
    assert main(["build", "--root", str(root), "--base-url", "https://e.com/"]) == 0
    assert capsys.readouterr().err == ""
    (root / "digest.toml").write_text("base_url = 'http://localhost/'\n")  # chosen: fine
    assert main(["build", "--root", str(root)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["check", "--root", str(root)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow  # a digest watch process
def test_watch_with_drafts_builds_beside_site_and_leaves_it_alone(make_site):
    from processes import DigestProcess

    root = make_site(
        {
            **GOOD,
            "digest.toml": "base_url = 'https://example.org/'\n",
            "content/2013/11/17/wip.md": article("Work in progress", draft="true"),
        }
    )
    assert main(["build", "--root", str(root)]) == 0
    before = sorted(p.relative_to(root).as_posix() for p in (root / "site").rglob("*"))
    with DigestProcess("watch", "--root", root, "--drafts") as proc:
        proc.wait_line(rf"^drafts included: building into {root / '.site.drafts'}$")
        proc.wait_line(r"^built in \d+ ms")
        assert (root / ".site.drafts/2013/11/17/wip/index.html").is_file()
        assert (root / ".site.drafts/.digest-site").is_file()
        code, _ = proc.interrupt()
        assert code == 0
    assert sorted(p.relative_to(root).as_posix() for p in (root / "site").rglob("*")) == before
    assert not (root / "site/2013/11/17/wip").exists()
    # `digest init`'s .gitignore keeps it out of the repository; a build's cleanup keeps it.
    assert "/.site.*" in (REPO / "digest/commands/init.py").read_text()
    assert main(["build", "--root", str(root), "--force"]) == 0
    assert (root / ".site.drafts/2013/11/17/wip/index.html").is_file()
