"""Hostile and odd input: each gets a clear `path:line: error:` (old site kept) or a correct
build, and no built page carries script the theme did not write.

Every test here is a row of the table in docs/reliability.md.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from conftest import article, leftovers, run_digest, run_python, snapshot
from sitecheck import assert_safe_output, unsafe_output, write

from digest.cli import main
from digest.formats.article import MAX_TOPICS

GOOD = {"content/2013/11/17/good.md": article("Good news", url="https://example.com/good")}
PUBLISHED = ("--base-url", "https://example.com/")
"""For builds that must show no warning: without a base_url, a build warns that it links
to localhost."""


def fails_cleanly(root: Path, files: dict[str, str | bytes], expected: list[str], capsys) -> str:
    """Build ``GOOD`` into ``root``, add ``files``, and check that the next build exits 1
    with each ``expected`` line, no traceback, and the previous site untouched."""
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()
    write(root, files)
    code = main(["build", "--root", str(root)])
    err = capsys.readouterr().err
    assert code == 1, err
    for line in expected:
        assert line in err.splitlines(), f"expected {line!r} in:\n{err}"
    assert "Traceback" not in err
    assert snapshot(root / "site") == before
    assert leftovers(root) == []
    return err


def builds(root: Path, capsys) -> Path:
    """Build ``root``; no errors or warnings; every page passes the output-safety scan."""
    code = main(["build", "--root", str(root), *PUBLISHED])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err == ""
    site = root / "site"
    assert_safe_output(site)
    return site


def with_yaml(text: str, yaml: str) -> str:
    """``text`` (from ``article``) with raw YAML lines added at the end of its front-matter."""
    head, body = text.split("\n---\n", 1)
    return f"{head}\n{yaml.rstrip()}\n---\n{body}"


# --- Output safety -------------------------------------------------------------------------

HOSTILE_BODY = """\
<script>alert('raw')</script>
<img src=x onerror="alert('img')">
<a href="javascript:alert('a')">raw link</a>

[js](javascript:alert(1)) [JS](JAVASCRIPT:alert(2)) [tab](java\tscript:alert(3))
[entity](jav&#x09;ascript:alert(4)) [vb](vbscript:msgbox(5)) [file](file:///etc/passwd)
![data](data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==)
<javascript:alert(7)> [ref][r] [quote](/x" onmouseover="alert(8))

[r]: javascript:alert(9)

<svg onload=alert(10)>

``<script>in code</script>``
"""


def test_no_script_or_unsafe_url_from_content_reaches_a_page(make_site, capsys):
    hostile = article(
        "<script>alert('title')</script>",
        source="'\"><img src=x onerror=alert(''source'')>'",
        url="https://example.com/x?q=\"><script>alert('url')</script>",
        body=HOSTILE_BODY,
        topics="[\"<svg onload=alert('topic')>\", \"javascript:alert('t')\"]",
        summary="\"<b onmouseover=alert('summary')>hi</b>\"",
        author="\"<script>alert('author')</script>\"",
        # No space: a site path with one is refused (test_image_is_checked_like_url).
        image="'/x.png\"onerror=\"alert(''image'')'",
        section="\"<script>alert('extra')</script>\"",
    )
    root = make_site({**GOOD, "content/2013/11/17/hostile.md": hostile})
    site = builds(root, capsys)
    page = (site / "2013/11/17/hostile/index.html").read_text()
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert('raw')&lt;/script&gt;" in page


def test_safety_scan_catches_what_it_looks_for(tmp_path):
    """The scan itself is tested: each unsafe construct in a page is reported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<script>x()</script><a href=" JaVa\tScRiPt:x()">a</a><img src="data:,x">'
        '<p onclick="x()">p</p>'
    )
    assert unsafe_output(site) == [
        "index.html: <script {}>",
        "index.html: <a href=' JaVa\\tScRiPt:x()'>",
        "index.html: <img src='data:,x'>",
        "index.html: <p onclick='x()'>",
    ]


# --- YAML bombs ----------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_billion_laughs_is_refused(make_site, capsys):
    root = make_site(GOOD)
    bomb = with_yaml(article("Laughs", url="https://example.com/lol"), BILLION_LAUGHS)
    fails_cleanly(
        root,
        {"content/bomb.md": bomb},
        ["content/bomb.md:6: error: YAML anchors and aliases are not allowed in front-matter"],
        capsys,
    )


def test_huge_anchor_is_refused(make_site, capsys):
    root = make_site(GOOD)
    anchor = f"big: &big {'x' * 1_000_000}\ncopy: *big\n"
    text = with_yaml(article("Big", url="https://example.com/big"), anchor)
    fails_cleanly(
        root,
        {"content/big.md": text},
        ["content/big.md:6: error: YAML anchors and aliases are not allowed in front-matter"],
        capsys,
    )


def test_merge_key_alias_is_refused(make_site, capsys):
    root = make_site(GOOD)
    text = with_yaml(article("Merge", url="https://e.com/m"), "base: &b {a: 1}\nmore: {<<: *b}")
    fails_cleanly(
        root,
        {"content/m.md": text},
        ["content/m.md:6: error: YAML anchors and aliases are not allowed in front-matter"],
        capsys,
    )


DEEP = "content/deep.md:6: error: deep: nested more than 20 levels deep"


@pytest.mark.parametrize(
    "value",
    ["[" * 10_000 + "]" * 10_000, "{a: " * 10_000 + "1" + "}" * 10_000],
    ids=["lists", "mappings"],
)
def test_deep_nesting_is_refused(value, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/deep.md": article("Deep", url="https://example.com/deep", deep=value)},
        [DEEP],
        capsys,
    )


@pytest.mark.parametrize(
    "yaml",
    [
        "deep:\n" + "".join(" " * i + "-\n" for i in range(1, 1500)),
        "deep:\n" + "".join(" " * i + "k:\n" for i in range(1, 1500)),
        "deep:\n" + "".join(" " * (i % 7 + 1) + "[\n" for i in range(1500)) + "]" * 1500,
        "deep: " + "[" * 2000 + "]" * 2000 + "\nlater: [unclosed",
    ],
    ids=["block-lists", "block-mappings", "flow-over-lines", "error-after-it"],
)
def test_deep_nesting_is_refused_at_its_key_whichever_layer_sees_it(yaml, make_site, capsys):
    # libyaml 0.2.6 (PyYAML 6.0.4) refuses 1,000 levels itself, flow or block; an error
    # later in the front-matter is past a value already refused: the same message each time.
    text = with_yaml(article("Deep", url="https://example.com/deep"), yaml)
    fails_cleanly(make_site(GOOD), {"content/deep.md": text}, [DEEP], capsys)


def test_first_value_nested_too_deep_is_named(make_site, capsys):
    yaml = "fine: " + "[" * 25 + "]" * 25 + "\ndeep: " + "[" * 2000 + "]" * 2000
    text = with_yaml(article("Deep", url="https://example.com/deep"), yaml)
    expected = "content/deep.md:6: error: fine: nested more than 20 levels deep"
    fails_cleanly(make_site(GOOD), {"content/deep.md": text}, [expected], capsys)


def test_deep_list_as_front_matter_is_not_a_mapping(make_site, capsys):
    text = "---\n" + "[" * 2000 + "]" * 2000 + "\n---\nBody.\n"
    expected = (
        "content/deep.md:2: error: front-matter must be a mapping of keys to values, not a list"
    )
    fails_cleanly(make_site(GOOD), {"content/deep.md": text}, [expected], capsys)


@pytest.mark.slow  # a Python without libyaml, in a subprocess
def test_deep_nesting_without_libyaml_is_refused_at_its_key(make_site):
    # Pure-Python PyYAML composes recursively: 10,000 levels are a RecursionError there.
    root = make_site(GOOD)
    write(root, {"content/deep.md": article("Deep", deep="[" * 10_000 + "]" * 10_000)})
    code = "import sys, yaml; del yaml.CSafeLoader; from digest.cli import main; sys.exit(main())"
    proc = run_python("-c", code, "build", cwd=root)
    assert proc.code == 1, proc.err
    assert proc.err.splitlines()[0] == DEEP, proc.err


def test_nesting_within_the_limit_builds(make_site, capsys):
    value = "[" * 19 + "x" + "]" * 19
    root = make_site({"content/ok.md": article("Nested", url="https://e.com/n", deep=value)})
    assert (builds(root, capsys) / "2013/11/17/ok/index.html").is_file()


# --- Size ----------------------------------------------------------------------------------


def test_fifty_megabyte_article_is_refused_unread(make_site, capsys, monkeypatch):
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()
    huge = root / "content/huge.md"
    with huge.open("wb") as stream:  # sparse: 50 MB on paper, nothing on disk
        stream.write(article("Huge", url="https://example.com/huge").encode())
        stream.truncate(50_000_000)
    read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        assert path.name != "huge.md", "a file over the limit was read"
        return read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "content/huge.md: error: file is 50.0 MB; articles are limited to 10 MB" in err
    assert "Traceback" not in err
    assert snapshot(root / "site") == before


def test_large_article_under_the_limit_builds(make_site, capsys):
    paragraph = "word " * 99 + "end.\n\n"
    body = paragraph * (5_000_000 // len(paragraph))
    root = make_site({"content/big.md": article("Big", url="https://e.com/big", body=body)})
    page = (builds(root, capsys) / "2013/11/17/big/index.html").read_text()
    assert page.count("<p>word word") == 5_000_000 // len(paragraph)


# --- Topics --------------------------------------------------------------------------------


def test_ten_thousand_topics_are_refused(make_site, capsys):
    root = make_site(GOOD)
    topics = "[" + ", ".join(f"t{i}" for i in range(10_000)) + "]"
    fails_cleanly(
        root,
        {"content/t.md": article("Topics", url="https://example.com/t", topics=topics)},
        ["content/t.md:6: error: topics: 10000 topics; an article may have at most 100"],
        capsys,
    )


def test_the_most_topics_allowed_build_quickly(make_site, capsys):
    """100 topics on one article, and on a second one: related articles used to try every
    combination of an article's topics (2 ** 100)."""
    topics = "[" + ", ".join(f"t{i}" for i in range(MAX_TOPICS)) + "]"
    root = make_site(
        {
            "content/a.md": article("A", url="https://e.com/a", topics=topics),
            "content/b.md": article("B", url="https://e.com/b", topics=topics),
        }
    )
    site = builds(root, capsys)
    assert len(list((site / "topics").glob("t*/index.html"))) == MAX_TOPICS
    assert 'href="/2013/11/17/b/"' in (site / "2013/11/17/a/index.html").read_text()


@pytest.mark.parametrize("name", ["..", "???", "", "  ", "-", "…"])
def test_topic_without_letters_is_refused(name, make_site, capsys):
    root = make_site(GOOD)
    text = article("T", url="https://example.com/t", topics=f"[ok, {name!r}]")
    shown = " ".join(name.split())
    fails_cleanly(
        root,
        {"content/t.md": text},
        [f"content/t.md:6: error: topics: {shown!r} has no letters or digits to make a slug from"],
        capsys,
    )


def test_windows_device_names_get_a_safe_folder(make_site, capsys):
    """`CON`, `NUL`, `COM1` ... cannot name a file or folder on Windows: such topic and
    source slugs get a `_`, which no other name's slug has; `index` is an ordinary topic."""
    root = make_site(
        {
            "content/a.md": article(
                "A", source="AUX", url="https://e.com/a", topics="[CON, nul, Com1, LPT9, index]"
            ),
            "content/2013/11/17/con.md": article("File named con", url="https://e.com/con"),
        }
    )
    site = builds(root, capsys)
    topics = sorted(p.name for p in (site / "topics").iterdir() if p.is_dir())
    assert topics == ["com1_", "con_", "index", "lpt9_", "nul_"]
    assert (site / "sources/aux_/index.html").is_file()
    assert (site / "2013/11/17/con_/index.html").is_file()
    assert '<a href="/topics/con_/">CON</a>' in (site / "2013/11/17/a/index.html").read_text()


@pytest.mark.parametrize("slug", ["con", "NUL", "com1.html", "aux.x"])
def test_windows_device_name_as_slug_is_refused(slug, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/s.md": article("S", url="https://example.com/s", slug=slug)},
        [
            f"content/s.md:6: error: slug: {slug!r} is a device name on Windows, where no folder "
            "can have it"
        ],
        capsys,
    )


def test_slug_ending_in_a_dot_is_refused(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/s.md": article("S", url="https://example.com/s", slug="good.")},
        [
            "content/s.md:6: error: slug: 'good.' must not end with '.' (Windows drops it from "
            "folder names)"
        ],
        capsys,
    )


@pytest.mark.parametrize("slug", ["index.html", "INDEX.HTML"])
def test_slug_that_is_the_day_page_file_is_refused(slug, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/s.md": article("S", url="https://example.com/s", slug=slug)},
        [
            f"content/s.md: error: output 2013/11/17/{slug}/index.html needs "
            "2013/11/17/index.html to be a folder, but the day.html page writes it as a file"
        ],
        capsys,
    )


def test_static_file_differing_in_case_from_a_page_is_refused(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"static/Robots.txt": "x", "static/feed.xml/x.css": "y"},
        [
            "static/Robots.txt: error: output Robots.txt is also written by the robots.txt "
            "page (as robots.txt: one file where names ignore case)",
            "static/feed.xml/x.css: error: output feed.xml/x.css needs feed.xml to be a "
            "folder, but the atom.xml page writes it as a file",
        ],
        capsys,
    )


# --- Titles and sources --------------------------------------------------------------------


def test_empty_title_is_refused(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/e.md": article('""', url="https://example.com/e")},
        ["content/e.md:2: error: title: must not be empty"],
        capsys,
    )


def test_all_punctuation_title_builds_with_the_file_name_as_slug(make_site, capsys):
    root = make_site({"content/2013/11/17/bang.md": article('"!!!"', url="https://e.com/b")})
    site = builds(root, capsys)
    assert '<h1 class="page-title">!!!</h1>' in (site / "2013/11/17/bang/index.html").read_text()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('""', "source: must not be empty"),
        ('"!!!"', "source: '!!!' has no letters or digits to make a slug from"),
    ],
)
def test_source_without_letters_is_refused(source, message, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/s.md": article("S", source=source, url="https://example.com/s")},
        [f"content/s.md:3: error: {message}"],
        capsys,
    )


# --- Bytes and line endings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (article("Nul", url="https://e.com/n", body="one\ntwo \x00 three\n"), 8),
        (article("Nul\x00title", url="https://e.com/n"), 2),
        ("\x00", 1),
    ],
    ids=["body", "title", "only"],
)
def test_nul_byte_is_refused_with_its_line(text, line, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root, {"content/n.md": text}, [f"content/n.md:{line}: error: contains a NUL byte"], capsys
    )


BODY = "First *paragraph* here.\n\n> a quote\n> on two lines\n\n- one\n- two\n\n    code\n"


def _endings(text: str, ending: str) -> bytes:
    return text.replace("\n", ending).encode()


@pytest.mark.parametrize(
    ("name", "ending", "bom"),
    [("crlf", "\r\n", False), ("cr", "\r", False), ("bom", "\n", True), ("bom-crlf", "\r\n", True)],
)
def test_bom_and_line_endings_render_like_lf(name, ending, bom, make_site, capsys):
    text = article("Endings", url="https://e.com/e", topics="[A, B]", body=BODY)
    lf = builds(make_site({"content/e.md": text}, name="lf"), capsys)
    data = (b"\xef\xbb\xbf" if bom else b"") + _endings(text, ending)
    other = builds(make_site({"content/e.md": data}, name=name), capsys)
    assert snapshot_bytes(other) == snapshot_bytes(lf)


def snapshot_bytes(site: Path) -> dict[str, bytes]:
    return {k: v[0] for k, v in snapshot(site).items()}


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_line_numbers_count_crlf_and_cr_lines(ending, make_site, capsys):
    root = make_site(GOOD)
    data = _endings(article("Bad", url="https://e.com/b", date="Nov 17"), ending)
    fails_cleanly(
        root,
        {"content/b.md": data},
        [
            "content/b.md:4: error: date: 'Nov 17' is not a date (expected YYYY-MM-DD or an "
            "ISO 8601 date-time)"
        ],
        capsys,
    )


# --- File names ----------------------------------------------------------------------------


def test_nfc_and_nfd_names_of_one_article_collide(make_site, capsys):
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    root = make_site(GOOD)
    first, second = sorted([f"content/{nfc}.md", f"content/{nfd}.md"])
    err = fails_cleanly(
        root,
        {
            f"content/{nfc}.md": article("Café one", url="https://example.com/c1"),
            f"content/{nfd}.md": article("Café two", url="https://example.com/c2"),
        },
        [
            f"{second}:1: error: slug: 'cafe' on 2013-11-17 collides with {first} (the same "
            "slug; the file names differ only in Unicode normalization (NFC and NFD); both "
            "would be /2013/11/17/cafe/)"
        ],
        capsys,
    )
    assert err.count("error:") == 1


def test_slugs_differing_only_in_case_collide(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {
            "content/2013/11/17/Gas.md": article("Gas one", url="https://example.com/g1"),
            "content/2013/11/17/gas.md": article("Gas two", url="https://example.com/g2"),
        },
        [
            "content/2013/11/17/gas.md:1: error: slug: 'gas' on 2013-11-17 collides with "
            "content/2013/11/17/Gas.md (slugs differing only in case; both would be "
            "/2013/11/17/gas/)"
        ],
        capsys,
    )


# --- Symlinks, special and unreadable files ------------------------------------------------


def test_symlinks_inside_the_project_are_followed(make_site, capsys):
    root = make_site(
        {
            "shared/linked.md": article("Linked file", url="https://e.com/lf"),
            "shared/more/deeper.md": article("Linked folder", url="https://e.com/ld"),
        }
    )
    (root / "content").mkdir()
    os.symlink("../shared/linked.md", root / "content/linked.md")
    os.symlink("../shared/more", root / "content/more")
    site = builds(root, capsys)
    assert (site / "2013/11/17/linked/index.html").is_file()
    assert (site / "2013/11/17/deeper/index.html").is_file()


def test_symlinks_leading_outside_are_refused(make_site, capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(article("Secret", url="https://e.com/s"))
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()
    os.symlink(outside / "secret.md", root / "content/secret.md")
    os.symlink(outside, root / "content/folder")
    os.symlink("/etc/passwd", root / "content/passwd.md")
    os.symlink("../../outside/gone.md", root / "content/gone.md")
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err.splitlines()
    refused = "error: symlink leads outside the site project; refused"
    assert err == [
        f"content/folder: {refused}",
        f"content/gone.md: {refused}",
        f"content/passwd.md: {refused}",
        f"content/secret.md: {refused}",
        "4 errors; nothing written",
    ]
    assert snapshot(root / "site") == before


def test_symlink_loops_are_reported_not_followed(make_site):
    """Run as a user would, with a timeout: a loop must not hang the build."""
    root = make_site(GOOD)
    os.symlink("..", root / "content/2013/up")
    os.symlink("self.md", root / "content/self.md")
    os.symlink("b", root / "content/a")
    os.symlink("a", root / "content/b")
    result = run_digest("build", "--root", root, timeout=60)
    assert result.code == 1
    assert result.err.splitlines() == [
        "content/2013/up: error: symlink loop: folder already visited",
        "content/a: error: symlink loop: it leads back to itself",
        "content/b: error: symlink loop: it leads back to itself",
        "content/self.md: error: symlink loop: it leads back to itself",
        "4 errors; nothing written",
    ]
    assert not (root / "site").exists()


def test_broken_symlink_is_refused(make_site, capsys):
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()
    os.symlink("2013/11/17/missing.md", root / "content/broken.md")
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "content/broken.md: error: broken symlink: what it points to does not exist" in err
    assert snapshot(root / "site") == before


def test_fifo_and_folder_named_md_are_skipped(make_site):
    """A FIFO would block a read forever; a folder named ``x.md`` is just a folder."""
    root = make_site(GOOD)
    os.mkfifo(root / "content/pipe.md")
    (root / "content/folder.md").mkdir()
    result = run_digest("build", "--root", root, *PUBLISHED, timeout=60)
    assert result.code == 0, result.err
    assert result.err == ""
    assert "built 1 articles" in result.out


def test_unreadable_file_is_reported(make_site, capsys, monkeypatch):
    """Tests run as root, where mode 000 does not stop a read: the refusal is simulated."""
    root = make_site(GOOD)
    assert main(["build", "--root", str(root)]) == 0
    before = snapshot(root / "site")
    capsys.readouterr()
    (root / "content/locked.md").write_text(article("Locked", url="https://e.com/l"))
    read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(path))
        return read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "content/locked.md: error: cannot read: Permission denied",
        "1 error; nothing written",
    ]
    assert snapshot(root / "site") == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_mode_000_file_is_reported(make_site, capsys):
    root = make_site({**GOOD, "content/locked.md": article("Locked", url="https://e.com/l")})
    (root / "content/locked.md").chmod(0)
    assert main(["build", "--root", str(root)]) == 1
    assert "content/locked.md: error: cannot read: Permission denied" in capsys.readouterr().err


# --- Hardening round 2: names and text from the whole world ------------------------------


def test_names_in_any_script_build_with_ascii_slugs(make_site, capsys):
    root = make_site(
        {
            "content/2013/11/17/Путин.md": article(
                "Путин встретился с Асадом",
                source="ТАСС",
                url="https://e.com/p",
                topics="[Сирия, Ελλάδα, 北京, القاهرة, ירושלים, とうきょう]",
            ),
            "content/2013/11/17/x.md": article(
                "新华社报道", source="新华社", url="https://e.com/x"
            ),
        }
    )
    site = builds(root, capsys)
    pages = [p.relative_to(site).as_posix() for p in site.rglob("*")]
    assert all(p.isascii() for p in pages), [p for p in pages if not p.isascii()]
    topics = sorted(p.name for p in (site / "topics").iterdir() if p.is_dir())
    assert topics == ["beijing", "ellada", "lqhrh", "siriya", "toukiyou", "yrvslym"]
    page = (site / "2013/11/17/putin/index.html").read_text()
    assert "Путин встретился с Асадом" in page
    assert '<a href="/topics/siriya/">Сирия</a>' in page
    assert "ТАСС" in (site / "sources/tass/index.html").read_text()
    assert (site / "sources/xinhuashe/index.html").is_file()


def test_names_told_apart_by_plus_and_sharp_get_their_own_pages(make_site, capsys):
    root = make_site(
        {
            "content/a.md": article("A", url="https://e.com/a", topics='["C++", "C", "C#"]'),
            "content/b.md": article("B", url="https://e.com/b", topics="[c++]", source="Disney+"),
            "content/c.md": article("C", url="https://e.com/c", source="Disney"),
        }
    )
    site = builds(root, capsys)
    topics = sorted(p.name for p in (site / "topics").iterdir() if p.is_dir())
    assert topics == ["c", "c-plus-plus", "c-sharp"]
    assert "C++" in (site / "topics/c-plus-plus/index.html").read_text()
    sources = sorted(p.name for p in (site / "sources").iterdir() if p.is_dir())
    assert sources == ["disney", "disney-plus", "the-daily"]


def test_different_names_with_one_slug_are_an_error_naming_both(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {
            "content/a.md": article("A", url="https://e.com/a", source="C-SPAN"),
            "content/b.md": article("B", url="https://e.com/b", source="C SPAN", topics="[U.S]"),
            "content/c.md": article("C", url="https://e.com/c", topics="[U S]"),
        },
        [
            "content/b.md:3: error: source: 'C SPAN' and 'C-SPAN' (in content/a.md) are "
            "different names with one slug (/sources/c-span/); use one spelling for both, or "
            "tell them apart by a letter or digit",
            # Used as often as 'U S': the name in the file that sorts first stands.
            "content/c.md:6: error: topics: 'U S' and 'U.S' (in content/b.md) are different "
            "names with one slug (/topics/u-s/); use one spelling for both, or tell them apart "
            "by a letter or digit",
        ],
        capsys,
    )
    # Within one article too (before: one topic, named 'U S').
    root = make_site(GOOD, name="one")
    fails_cleanly(
        root,
        {"content/d.md": article("D", url="https://e.com/d", topics="[U S, U-S]")},
        [
            "content/d.md:6: error: topics: 'U S' and 'U-S' are different names with one "
            "slug ('u-s')"
        ],
        capsys,
    )


def test_with_keep_going_the_less_used_of_two_names_is_left_out(make_site, capsys):
    root = make_site(
        {
            "content/a.md": article("A", url="https://e.com/a", topics="[C-SPAN]"),
            "content/b.md": article("B", url="https://e.com/b", topics="[c-span]"),
            "content/c.md": article("C", url="https://e.com/c", topics="[C SPAN]"),
        }
    )
    code = main(["build", "--root", str(root), "--keep-going"])
    err = capsys.readouterr().err
    assert code == 0
    assert err.startswith(
        "content/c.md:6: warning: topics: 'C SPAN' and 'C-SPAN' (in content/a.md) are different"
    )
    site = root / "site"
    assert not (site / "2013/11/17/c").exists()
    assert (site / "2013/11/17/a/index.html").is_file()
    assert "C-SPAN" in (site / "topics/c-span/index.html").read_text()


def test_config_topic_rules_with_one_slug_are_an_error(make_site, capsys):
    root = make_site(GOOD)
    toml = '[topics]\n"C-SPAN" = ["cspan"]\n"C SPAN" = ["c span"]\nSyria = ["a"]\nsyria = ["b"]\n'
    fails_cleanly(
        root,
        {"digest.toml": toml},
        [
            "digest.toml:3: error: topics: 'C SPAN' and 'C-SPAN' are different names with one "
            "slug ('c-span'); tell them apart by a letter or digit",
            "digest.toml:5: error: topics: 'syria' is 'Syria' again; give it one keyword list",
        ],
        capsys,
    )


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ("42", "topics: expected a list of names or one name, got a number"),
        ("1.5", "topics: expected a list of names or one name, got a number"),
        ("[2013]", "topics: 2013 is a number, not a name (in quotes it is one)"),
        ("[ok, 1.10]", "topics: 1.1 is a number, not a name (in quotes it is one)"),
    ],
)
def test_numbers_as_topics_are_refused(topics, message, make_site, capsys):
    root = make_site(GOOD)
    files = {"content/t.md": article("T", url="https://e.com/t", topics=topics)}
    fails_cleanly(root, files, [f"content/t.md:6: error: {message}"], capsys)


def test_quoted_numbers_and_text_with_numbers_are_topics(make_site, capsys):
    topics = '["2013", 2024 election]'
    root = make_site({"content/t.md": article("T", url="https://e.com/t", topics=topics)})
    site = builds(root, capsys)
    assert sorted(p.name for p in (site / "topics").iterdir() if p.is_dir()) == [
        "2013",
        "2024-election",
    ]


@pytest.mark.parametrize(
    ("slug", "size"), [("a" * 300, 300), ("é" * 150, 300), ("a-" * 100 + "b", 201)]
)
def test_long_slug_is_a_located_error(slug, size, make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/x.md": article("X", url="https://e.com/x", slug=slug)},
        [f"content/x.md:6: error: slug: is {size} bytes long; a slug may have at most 200 (UTF-8)"],
        capsys,
    )


def test_long_file_name_gives_a_shorter_slug(make_site, capsys):
    stem = "-".join(["word"] * 48)  # 239 bytes: a valid name, too long for a slug
    root = make_site({f"content/2013/11/17/{stem}.md": article("X", url="https://e.com/x")})
    site = builds(root, capsys)
    (folder,) = (site / "2013/11/17").glob("word-*")
    assert folder.name == "-".join(["word"] * 16)  # slugify's 80 characters, at a word end


def test_a_bidi_override_in_a_name_is_closed_where_the_name_ends(make_site, capsys):
    # A lone RIGHT-TO-LEFT OVERRIDE in a title would reverse the rest of its list item (the
    # source, the date) and of the page's <title>; each name now closes what it opens.
    rlo, pdf = "\u202e", "\u202c"
    text = article(f"Invoice {rlo}fdp.exe", url="https://e.com/rlo", topics=f"[{rlo}Topic]")
    text = text.replace("source: The Daily", f"source: Daily {rlo}News")
    root = make_site({**GOOD, "content/2013/11/17/rlo.md": text})
    site = builds(root, capsys)
    pages = [site / "2013/11/17/index.html", site / "2013/11/17/rlo/index.html"]
    for page in [*pages, site / "feed.xml"]:
        html = page.read_text()
        assert f"Invoice {rlo}fdp.exe{pdf}" in html, page
        assert html.count(rlo) == html.count(pdf), page
    assert f"Daily {rlo}News{pdf}" in pages[1].read_text()
    # Balanced controls are left as written.
    balanced = f"A {rlo}b{pdf} c"
    root = make_site({"content/2013/11/17/b.md": article(balanced, url="https://e.com/b")}, "b")
    assert f">{balanced}<" in builds(root, capsys).joinpath("2013/11/17/index.html").read_text()


@pytest.mark.parametrize("key", ["title", "source", "summary", "author"])
@pytest.mark.parametrize("value", ['"\\u200b\\u200b"', '"\\u2060\\ufeff"', '" \\u200d "'])
def test_invisible_only_text_is_empty(key, value, make_site, capsys):
    root = make_site(GOOD)
    text = article("T", url="https://e.com/t")
    if key in ("title", "source"):
        text = text.replace(f"{key}: {'T' if key == 'title' else 'The Daily'}", f"{key}: {value}")
    else:
        text = with_yaml(text, f"{key}: {value}")
    line = next(n for n, s in enumerate(text.splitlines(), 1) if s.startswith(f"{key}:"))
    files = {"content/t.md": text}
    fails_cleanly(root, files, [f"content/t.md:{line}: error: {key}: must not be empty"], capsys)


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("title: Again", "content/d.md:6: error: title: given twice (first on line 2)"),
        ("'source': Again", "content/d.md:6: error: source: given twice (first on line 3)"),
        ("x: {a: 1, a: 2}", "content/d.md:6: error: a: given twice (first on line 6)"),
    ],
)
def test_a_key_given_twice_is_refused(yaml, message, make_site, capsys):
    root = make_site(GOOD)
    files = {"content/d.md": with_yaml(article("D", url="https://e.com/d"), yaml)}
    fails_cleanly(root, files, [message], capsys)


@pytest.mark.parametrize("value", ["null", "", "~"])
def test_null_title_is_empty_at_its_line(value, make_site, capsys):
    root = make_site(GOOD)
    text = article("T", url="https://e.com/t").replace("title: T", f"title: {value}".rstrip())
    files = {"content/n.md": text}
    fails_cleanly(root, files, ["content/n.md:2: error: title: must not be empty"], capsys)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("javascript:alert(1)", "'javascript:alert(1)' is not an http(s) URL (or a path"),
        ("data:image/png;base64,AAAA", "'data:image/png;base64,AAAA' is not an http(s) URL"),
        ("//evil.example/x.png", "'//evil.example/x.png' is not an http(s) URL or a path on"),
        ("'/\\evil.example/x.png'", "'/\\\\evil.example/x.png' is not an http(s) URL or a path"),
        ("'/a b.png'", "'/a b.png' contains whitespace or control characters"),
        ('"/a\\x01b.png"', "'/a\\x01b.png' contains whitespace or control characters"),
        ("https://user:pw@e.com/x.png", "must not contain a user name or password"),
    ],
)
def test_image_is_checked_like_url(image, message, make_site, capsys):
    root = make_site(GOOD)
    files = {"content/i.md": article("I", url="https://e.com/i", image=image)}
    err = fails_cleanly(root, files, [], capsys)
    assert any(
        line.startswith(f"content/i.md:6: error: image: {message}") for line in err.splitlines()
    ), err


def test_url_and_base_url_with_a_password_are_refused(make_site, capsys):
    root = make_site(GOOD)
    fails_cleanly(
        root,
        {"content/u.md": article("U", url="https://user:secret@e.com/u")},
        ["content/u.md:5: error: url: must not contain a user name or password"],
        capsys,
    )
    root = make_site(GOOD, name="other")
    fails_cleanly(
        root,
        {"digest.toml": 'base_url = "https://me:secret@example.com/"\n'},
        ["digest.toml:1: error: base_url: must not contain a user name or password"],
        capsys,
    )


def test_markdown_files_not_ending_in_md_are_a_warning(make_site, capsys):
    root = make_site(
        {
            **GOOD,
            "content/x.MD": article("X", url="https://e.com/x"),
            "content/2013/y.markdown": article("Y", url="https://e.com/y"),
            "content/notes.txt": "not an article",
        }
    )
    for command in ("build", "check"):
        assert main([command, "--root", str(root), *PUBLISHED]) == 0
        err = capsys.readouterr().err
        assert err.splitlines() == [
            "content/2013/y.markdown: warning: not read: articles end in .md",
            "content/x.MD: warning: not read: articles end in .md",
        ]
    # A build with warnings is not skipped as unchanged: they are shown again.
    assert main(["build", "--root", str(root), *PUBLISHED]) == 0
    assert "content/x.MD: warning" in capsys.readouterr().err
