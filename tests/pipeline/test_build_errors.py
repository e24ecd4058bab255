"""Every kind of bad input: exit 1, `path:line: error:` messages, no traceback, old site kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article, leftovers, run_digest, snapshot

from digest.cli import main

GOOD = {"content/2013/11/17/good.md": article("Good news", url="https://example.com/good")}

CASES: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "malformed yaml": (
        {"content/bad.md": "---\ntitle: Broken\nsource: [The Daily\ndate: 2013-11-17\n---\nx\n"},
        ["content/bad.md:3: error: invalid YAML in front-matter: while parsing a flow sequence"],
    ),
    "front-matter not a mapping": (
        {"content/bad.md": "---\n- title\n- source\n---\nx\n"},
        ["content/bad.md:2: error: front-matter must be a mapping of keys to values, not a list"],
    ),
    "scalar front-matter": (
        {"content/bad.md": "---\njust text\n---\nx\n"},
        ["content/bad.md:2: error: front-matter must be a mapping of keys to values, not text"],
    ),
    "no front-matter": (
        {"content/bad.md": "# Title\n\nBody only.\n"},
        ["content/bad.md:1: error: no front-matter: the file must start with a '---' line"],
    ),
    "unclosed front-matter": (
        {"content/bad.md": "---\ntitle: x\nsource: y\n"},
        ["content/bad.md:1: error: front-matter is not closed by a '---' line"],
    ),
    "missing title": (
        {"content/bad.md": "---\nsource: S\ndate: 2013-11-17\nurl: https://e.com/a\n---\nx\n"},
        ["content/bad.md:1: error: missing required field 'title'"],
    ),
    "missing source": (
        {"content/bad.md": "---\ntitle: T\ndate: 2013-11-17\nurl: https://e.com/a\n---\nx\n"},
        ["content/bad.md:1: error: missing required field 'source'"],
    ),
    "missing date": (
        {"content/bad.md": "---\ntitle: T\nsource: S\nurl: https://e.com/a\n---\nx\n"},
        ["content/bad.md:1: error: missing required field 'date'"],
    ),
    "missing url": (
        {"content/bad.md": "---\ntitle: T\nsource: S\ndate: 2013-11-17\n---\nx\n"},
        ["content/bad.md:1: error: missing required field 'url'"],
    ),
    "empty title": (
        {
            "content/bad.md": "---\ntitle: '  '\nsource: S\ndate: 2013-11-17\nurl: https://e.com/a\n---\n"
        },
        ["content/bad.md:2: error: title: must not be empty"],
    ),
    "date Nov 17": (
        {"content/bad.md": article("Bad date", date="Nov 17")},
        [
            "content/bad.md:4: error: date: 'Nov 17' is not a date "
            "(expected YYYY-MM-DD or an ISO 8601 date-time)"
        ],
    ),
    "date 2013-02-30": (
        {"content/bad.md": article("Bad date", date="2013-02-30")},
        ["content/bad.md:4: error: date: '2013-02-30' is not a date (February 2013 has 28 days)"],
    ),
    "javascript url": (
        {"content/bad.md": article("Bad url", url="javascript:alert(1)")},
        ["content/bad.md:5: error: url: 'javascript:alert(1)' is not an http(s) URL"],
    ),
    "relative url": (
        {"content/bad.md": article("Bad url", url="/2013/x")},
        ["content/bad.md:5: error: url: '/2013/x' is not an http(s) URL"],
    ),
    "topics mapping": (
        {"content/bad.md": article("Bad topics", topics="{a: 1}")},
        ["content/bad.md:6: error: topics: expected a list of names or one name, got a mapping"],
    ),
    "topics nested list": (
        {"content/bad.md": article("Bad topics", topics="[[a, b]]")},
        ["content/bad.md:6: error: topics: each topic must be a name, got a list"],
    ),
    "topics boolean": (
        {"content/bad.md": article("Bad topics", topics="true")},
        ["content/bad.md:6: error: topics: expected a list of names or one name, got a boolean"],
    ),
    "empty file": (
        {"content/bad.md": ""},
        ["content/bad.md:1: error: empty file (expected front-matter between '---' lines)"],
    ),
    "invalid utf-8": (
        {"content/bad.md": b"---\ntitle: Caf\xe9\nsource: S\n---\n"},
        ["content/bad.md:2: error: not valid UTF-8 (byte 0xe9)"],
    ),
    "duplicate url": (
        {"content/dup.md": article("Other title", url="https://example.com/good/")},
        [
            "content/dup.md:5: error: url: same article as content/2013/11/17/good.md "
            "(both link to https://example.com/good)"
        ],
    ),
    "duplicate url by tracking parameters": (
        {"content/dup.md": article("Other", url="https://EXAMPLE.com/good?utm_source=x#top")},
        ["content/dup.md:5: error: url: same article as content/2013/11/17/good.md"],
    ),
    "duplicate slug on one day": (
        {"content/other/good.md": article("Another story", url="https://example.com/other")},
        [
            "content/other/good.md:1: error: slug: 'good' on 2013-11-17 collides with "
            "content/2013/11/17/good.md (the same slug; both would be /2013/11/17/good/)"
        ],
    ),
    "slug leaving the output": (
        {"content/bad.md": article("Escape", slug="../../x")},
        ["content/bad.md:6: error: slug: '../../x' must not contain '/' or '\\'"],
    ),
    "slug with dots": (
        {"content/bad.md": article("Escape", slug="..")},
        ["content/bad.md:6: error: slug: '..' must not contain '..'"],
    ),
    "draft not boolean": (
        {"content/bad.md": article("Draft", draft="maybe")},
        ["content/bad.md:6: error: draft: expected true or false, got text"],
    ),
    "unknown config key": (
        {"digest.toml": 'title = "X"\nper_pag = 3\n'},
        ["digest.toml:2: error: unknown setting 'per_pag'"],
    ),
    "mistyped config value": (
        {"digest.toml": 'title = "X"\n\nper_page = "ten"\nallow_html = 1\n'},
        [
            "digest.toml:3: error: per_page: expected an integer, got a string",
            "digest.toml:4: error: allow_html: expected true or false, got an integer",
        ],
    ),
    "bad config timezone": (
        {"digest.toml": 'timezone = "Mars/Olympus"\n'},
        ["digest.toml:1: error: timezone: unknown time zone 'Mars/Olympus'"],
    ),
    "invalid toml": (
        {"digest.toml": 'title = "X"\nbase_url = \n'},
        ["digest.toml:2: error: invalid TOML"],
    ),
    "config topics not a list": (
        {"digest.toml": "[topics]\nSyria = 3\n"},
        ["digest.toml:2: error: topics.Syria: expected a list of non-empty strings"],
    ),
}


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_reported_and_old_site_kept(name, make_site, capsys):
    files, expected = CASES[name]
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()

    _write(root, files)
    code = main(["build", "--root", str(root)])
    err = capsys.readouterr().err

    assert code == 1
    for line in expected:
        assert line in err, f"expected {line!r} in:\n{err}"
    assert "Traceback" not in err
    assert snapshot(root / "site") == before
    assert leftovers(root) == []

    assert main(["check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert all(line in err for line in expected)


def test_every_error_of_a_run_is_reported(make_site, capsys):
    root = make_site(
        {
            **GOOD,
            "content/a.md": article("A", date="Nov 17"),
            "content/b.md": article("B", url="ftp://example.com/b"),
            "content/c.md": "",
        }
    )
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in err[:3]] == [
        "content/a.md",
        "content/b.md",
        "content/c.md",
    ]
    assert err[-1] == "3 errors; nothing written"
    assert not (root / "site").exists()


def test_keep_going_skips_bad_articles_with_warnings(make_site, capsys):
    root = make_site({**GOOD, "content/bad.md": article("Bad", date="Nov 17")})
    assert main(["build", "--root", str(root), "--keep-going"]) == 0
    captured = capsys.readouterr()
    assert "content/bad.md:4: warning: date: 'Nov 17' is not a date" in captured.err
    assert (root / "site/2013/11/17/good/index.html").is_file()
    assert "Bad" not in (root / "site/index.html").read_text()


def test_keep_going_leaves_out_the_later_duplicate(make_site, capsys):
    root = make_site({**GOOD, "content/z.md": article("Copy", url="https://example.com/good")})
    assert main(["build", "--root", str(root), "--keep-going"]) == 0
    assert "content/z.md:5: warning: url: same article as" in capsys.readouterr().err
    assert "Copy" not in (root / "site/index.html").read_text()


def test_cli_subprocess_never_shows_a_traceback(make_site):
    root = make_site({**GOOD, "content/bad.md": b"---\ntitle: \xff\n---\n"})
    result = run_digest("build", "--root", root)
    assert result.code == 1
    assert "content/bad.md:2: error: not valid UTF-8" in result.err
    assert "Traceback" not in result.err


def test_bad_usage_exits_2(make_site):
    assert run_digest("build", "--no-such-flag").code == 2
    assert run_digest("frobnicate").code == 2
    assert run_digest("build", "--jobs", "0").code == 2
    bad_topics = run_digest("import", "--dry-run", "--topics", ",,", "x.txt")
    assert bad_topics.code == 2
    assert "--topics: expected topic names separated by commas" in bad_topics.err


def test_output_folder_that_is_not_ours_is_refused(make_site, capsys):
    root = make_site({**GOOD, "precious/notes.txt": "mine"})
    assert main(["build", "--root", str(root), "--output", str(root / "precious")]) == 1
    assert "was not written by digest" in capsys.readouterr().err
    assert (root / "precious/notes.txt").read_text() == "mine"
    assert main(["build", "--root", str(root), "--output", str(root)]) == 1
    assert main(["build", "--root", str(root), "--output", str(root / "content")]) == 1
    assert (root / "content/2013/11/17/good.md").is_file()


def test_check_writes_nothing(make_site, capsys):
    root = make_site(GOOD)
    assert main(["check", "--root", str(root)]) == 0
    assert "checked 1 articles" in capsys.readouterr().out
    assert sorted(p.name for p in root.iterdir()) == ["content"]
