"""``digest import``: raw scraped article text in, articles ``digest build`` accepts out.

What a user relies on: every byline and date form is read, bad files are reported as
``path:line: error: ...`` while the rest still import, and nothing is ever lost, duplicated
or overwritten.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from digest.commands import importing
from digest.commands.importing import render_article, run_import
from digest.errors import DigestError
from digest.formats.article import parse_article, visible
from digest.formats.raw import RawArticle, parse_raw, parse_raw_bytes

REPO = REPO
SEED = REPO / "tests" / "fixtures" / "raw" / "000_55ba7b0d3d1638ae.txt"
CASES_DIR = REPO / "tests" / "import_cases"
CASES: dict[str, dict] = {
    name: case
    for name, case in yaml.safe_load((CASES_DIR / "cases.yaml").read_text("utf-8")).items()
    if not name.startswith("_")
}
GOOD = sorted(name for name, case in CASES.items() if "errors" not in case)
BAD = sorted(name for name, case in CASES.items() if "errors" in case)
UTC = ZoneInfo("UTC")
SEED_URL = (
    "https://www.themoscowtimes.com/2013/11/17/"
    "syria-russia-to-discuss-peace-conference-on-monday-a-29641"
)


def raw_text(
    title: str = "Gas Prices Rise Again",
    byline: str = "By Reuters",
    date: str = "November 17, 2013",
    body: str = "Prices rose for the third week running.",
    url: str = "https://example.com/gas",
) -> str:
    return f"{title}\n\n{byline}\n\n{date}\n\n{body}\n\nOriginal url:\n\n<{url}>\n"


class Run:
    """One ``run_import`` call's exit status and output."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err
        self.summary = out.splitlines()[-1]


def do_import(
    *paths: Path, content: Path, dry_run: bool = False, topics: list[str] | None = None
) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = run_import(
        list(paths),
        content_dir=content,
        dry_run=dry_run,
        topics=topics or [],
        root=content.parent,
        stdout=out,
        stderr=err,
    )
    return Run(code, out.getvalue(), err.getvalue())


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (hidden ones too) with its bytes and mtime."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def load(path: Path, root: Path):  # type: ignore[no-untyped-def]
    """The article ``digest build`` would load from ``path``; fails the test on any error."""
    article, problems = parse_article(path.relative_to(root).as_posix(), path.read_bytes(), UTC)
    assert problems == []
    assert article is not None
    return article


def write_raw(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the seed ---------------------------------------------------------------------------


def test_seed_imports_exactly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    content = tmp_path / "content"

    run = do_import(raw, content=content)

    assert run.code == 0, run.err
    written = content / "2013/11/17/syria-russia-to-discuss-peace-conference-on-monday.md"
    assert run.out.splitlines() == [written.as_posix(), "imported 1, duplicates 0, failed 0"]
    article = load(written, tmp_path)
    assert article.title == "Syria, Russia to Discuss Peace Conference on Monday"
    assert article.source == "The Moscow Times"
    assert article.day == dt.date(2013, 11, 17)
    assert article.url == SEED_URL
    body = article.body.strip()
    assert body.startswith("A Syrian government delegation")
    assert "Moscow Times**" not in body
    assert "Original url" not in body
    assert body.endswith("could leave a dangerous political vacuum.")


def test_seed_front_matter_is_the_documented_one() -> None:
    raw = parse_raw_bytes(SEED.read_bytes(), "seed.txt")
    text = render_article(raw, ["Syria", "Russia"])
    assert text.startswith(
        "---\n"
        "title: Syria, Russia to Discuss Peace Conference on Monday\n"
        "source: The Moscow Times\n"
        "date: 2013-11-17\n"
        f"url: {SEED_URL}\n"
        "topics: [Syria, Russia]\n"
        "---\n"
        "A Syrian government delegation is due to meet officials in Moscow on Monday"
    )
    assert text.endswith("political vacuum.\n")


# --- table-driven cases -------------------------------------------------------------------


def test_every_case_file_has_an_expectation() -> None:
    on_disk = {p.name for p in CASES_DIR.iterdir() if p.suffix in (".txt", ".md")}
    assert on_disk == set(CASES)


@pytest.mark.parametrize("name", GOOD)
def test_case_parses(name: str) -> None:
    case = CASES[name]
    raw = parse_raw_bytes((CASES_DIR / name).read_bytes(), name)
    assert raw == RawArticle(
        title=case["title"],
        source=case["source"],
        date=dt.date.fromisoformat(case["date"]),
        url=case["url"],
        body=case["body"],
    )


@pytest.mark.parametrize("name", BAD)
def test_case_fails_with_located_errors(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CASES_DIR.parent)
    given_path = Path("import_cases") / name
    content = tmp_path / "content"

    run = do_import(given_path, content=content)

    expected = [line.replace("{path}", given_path.as_posix()) for line in CASES[name]["errors"]]
    assert run.err.splitlines() == expected
    assert run.code == 1
    assert run.summary == "imported 0, duplicates 0, failed 1"
    assert files(content) == {}


def test_all_cases_at_once_import_the_good_and_report_the_bad(tmp_path: Path) -> None:
    content = tmp_path / "content"

    run = do_import(CASES_DIR, content=content)

    assert run.code == 1
    assert run.summary == f"imported {len(GOOD)}, duplicates 0, failed {len(BAD)}"
    errors = [line for line in run.err.splitlines() if ": error: " in line]
    assert {line.split(":", 1)[0] for line in errors} == {(CASES_DIR / n).as_posix() for n in BAD}
    written = sorted(content.rglob("*.md"))
    assert len(written) == len(GOOD)
    by_url = {load(path, tmp_path).url: load(path, tmp_path) for path in written}
    for name in GOOD:
        case = CASES[name]
        article = by_url[case["url"]]
        assert (article.title, article.source, article.day.isoformat()) == (
            case["title"],
            case["source"],
            case["date"],
        )
        assert article.body.strip("\n") == case["body"]


# --- never loses or duplicates ----------------------------------------------------------


def test_importing_a_folder_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in GOOD:
        shutil.copy(CASES_DIR / name, raw / name)
    content = tmp_path / "content"
    first = do_import(raw, content=content)
    assert first.code == 0
    before = files(content)

    second = do_import(raw, content=content)

    assert second.code == 0
    assert second.summary == f"imported 0, duplicates {len(GOOD)}, failed 0"
    assert files(content) == before
    notes = second.err.splitlines()
    assert len(notes) == len(GOOD)
    assert all(
        re.fullmatch(rf"{re.escape(raw.as_posix())}/\S+: note: duplicate of \S+\.md .*", n)
        for n in notes
    )


def test_a_tracking_parameter_variant_is_a_duplicate(tmp_path: Path) -> None:
    content = tmp_path / "content"
    raw = tmp_path / "raw"
    write_raw(raw, "a.txt", raw_text(url="https://example.com/gas"))
    assert do_import(raw / "a.txt", content=content).code == 0
    existing = content / "2013/11/17/gas-prices-rise-again.md"
    before = files(content)
    variant = "HTTPS://Example.COM/gas/?utm_source=x&utm_medium=email#comments"
    write_raw(raw, "b.txt", raw_text(title="Gas Prices Rise, Again", url=variant))

    run = do_import(raw / "b.txt", content=content)

    assert run.code == 0
    assert run.err == (
        f"{(raw / 'b.txt').as_posix()}: note: duplicate of {existing.as_posix()} "
        "(same canonical url), skipped\n"
    )
    assert run.summary == "imported 0, duplicates 1, failed 0"
    assert files(content) == before


def test_duplicates_within_one_run_keep_the_first_in_sorted_order(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_raw(raw, "b.txt", raw_text(title="Second", url="https://example.com/x?utm_campaign=y"))
    write_raw(raw, "a.txt", raw_text(title="First", url="https://example.com/x"))
    content = tmp_path / "content"

    run = do_import(raw, content=content)

    kept = content / "2013/11/17/first.md"
    assert run.summary == "imported 1, duplicates 1, failed 0"
    assert [p.name for p in content.rglob("*.md")] == ["first.md"]
    assert f"b.txt: note: duplicate of {kept.as_posix()}" in run.err


def test_same_title_same_day_gets_distinct_slugs(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_raw(raw, "a.txt", raw_text(url="https://example.com/1"))
    write_raw(raw, "b.txt", raw_text(url="https://example.com/2", byline="By AP"))
    content = tmp_path / "content"

    run = do_import(raw, content=content)

    day = content / "2013/11/17"
    assert run.out.splitlines()[:2] == [
        (day / "gas-prices-rise-again.md").as_posix(),
        (day / "gas-prices-rise-again-2.md").as_posix(),
    ]
    assert load(day / "gas-prices-rise-again.md", tmp_path).source == "Reuters"
    assert load(day / "gas-prices-rise-again-2.md", tmp_path).source == "AP"


def test_a_slug_taken_that_day_elsewhere_in_content_is_not_reused(tmp_path: Path) -> None:
    content = tmp_path / "content"
    other = content / "misc" / "gas-prices-rise-again.md"
    other.parent.mkdir(parents=True)
    other.write_text(
        "---\ntitle: Old\nsource: X\ndate: 2013-11-17\nurl: https://example.com/old\n---\nB.\n"
    )
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    run = do_import(tmp_path / "raw", content=content)

    assert run.out.splitlines()[0].endswith("2013/11/17/gas-prices-rise-again-2.md")


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    content = tmp_path / "content"
    existing = content / "2013/11/17/gas-prices-rise-again.md"
    existing.parent.mkdir(parents=True)
    existing.write_text("hand-written notes, not even an article\n")
    before = files(content)
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    run = do_import(tmp_path / "raw", content=content)

    assert run.code == 0
    assert (
        files(content)["2013/11/17/gas-prices-rise-again.md"]
        == before["2013/11/17/gas-prices-rise-again.md"]
    )
    assert (content / "2013/11/17/gas-prices-rise-again-2.md").exists()


def test_a_file_appearing_after_the_check_is_still_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process may create the file between our check and our write."""
    content = tmp_path / "content"
    existing = content / "2013/11/17/gas-prices-rise-again.md"
    existing.parent.mkdir(parents=True)
    existing.write_text("written by someone else a moment ago\n")
    monkeypatch.setattr(importing.os.path, "lexists", lambda path: False)
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    run = do_import(tmp_path / "raw", content=content)

    assert run.code == 0
    assert existing.read_text() == "written by someone else a moment ago\n"
    assert load(content / "2013/11/17/gas-prices-rise-again-2.md", tmp_path).source == "Reuters"
    assert sorted(p.name for p in existing.parent.iterdir()) == [
        "gas-prices-rise-again-2.md",
        "gas-prices-rise-again.md",
    ]


def test_a_failed_write_leaves_no_file_and_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    monkeypatch.setattr(importing.os, "link", disk_full)
    write_raw(tmp_path / "raw", "a.txt", raw_text())
    content = tmp_path / "content"

    run = do_import(tmp_path / "raw", content=content)

    assert run.code == 1
    target = content / "2013/11/17/gas-prices-rise-again.md"
    assert run.err == (
        f"{(tmp_path / 'raw/a.txt').as_posix()}: error: cannot write {target.as_posix()}: "
        "No space left on device\n"
    )
    assert run.summary == "imported 0, duplicates 0, failed 1"
    assert files(content) == {}


def test_an_interrupted_import_leaves_no_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importing.os, "link", interrupted)
    write_raw(tmp_path / "raw", "a.txt", raw_text())
    content = tmp_path / "content"

    with pytest.raises(KeyboardInterrupt):
        do_import(tmp_path / "raw", content=content)

    assert files(content) == {}


def test_without_hard_links_files_are_still_created_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(src: str, dst: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted", dst)

    monkeypatch.setattr(importing.os, "link", unsupported)
    content = tmp_path / "content"
    existing = content / "2013/11/17/gas-prices-rise-again.md"
    existing.parent.mkdir(parents=True)
    existing.write_text("mine\n")
    monkeypatch.setattr(importing.os.path, "lexists", lambda path: False)
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    run = do_import(tmp_path / "raw", content=content)

    assert run.code == 0
    assert existing.read_text() == "mine\n"
    assert sorted(p.name for p in existing.parent.iterdir()) == [
        "gas-prices-rise-again-2.md",
        "gas-prices-rise-again.md",
    ]
    assert load(content / "2013/11/17/gas-prices-rise-again-2.md", tmp_path).title == (
        "Gas Prices Rise Again"
    )


def test_dry_run_writes_nothing_and_says_what_it_would_write(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    raw = tmp_path / "raw"
    write_raw(raw, "a.txt", raw_text())
    write_raw(raw, "b.txt", raw_text(url="https://example.com/other"))
    write_raw(raw, "c.txt", "no article here\n")
    before = files(tmp_path)

    run = do_import(raw, content=content, dry_run=True)

    day = content / "2013/11/17"
    assert run.out.splitlines() == [
        f"would write {(day / 'gas-prices-rise-again.md').as_posix()}",
        f"would write {(day / 'gas-prices-rise-again-2.md').as_posix()}",
        "imported 2, duplicates 0, failed 1 (dry run: nothing written)",
    ]
    assert run.code == 1
    assert files(tmp_path) == before


# --- the command as a user runs it ------------------------------------------------------


def test_cli_one_bad_file_among_good_ones(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "content").mkdir(parents=True)  # a site project (import refuses any other)
    write_raw(project / "raw", "a.txt", raw_text(url="https://example.com/a"))
    write_raw(project / "raw", "b.txt", raw_text(title="Oil Falls", url="https://example.com/b"))
    (project / "raw" / "bad.txt").write_bytes(b"Title\n\nBy X\n\nNov 17, 2013\n\n\xff\xfe\n")

    proc = subprocess.run(
        [sys.executable, "-m", "digest", "import", "raw", "--topics", "Energy, Prices"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr == "raw/bad.txt:7: error: not valid UTF-8 (byte 0xff)\n"
    assert proc.stdout.splitlines() == [
        "content/2013/11/17/gas-prices-rise-again.md",
        "content/2013/11/17/oil-falls.md",
        "imported 2, duplicates 0, failed 1",
    ]
    article = load(project / "content/2013/11/17/oil-falls.md", project)
    assert article.topics == ("Energy", "Prices")


def test_missing_paths_are_errors_and_the_rest_still_import(tmp_path: Path) -> None:
    write_raw(tmp_path / "raw", "a.txt", raw_text())
    missing = tmp_path / "nope"

    run = do_import(missing, tmp_path / "raw", content=tmp_path / "content")

    assert run.err == f"{missing.as_posix()}: error: no such file or folder\n"
    assert run.summary == "imported 1, duplicates 0, failed 1"
    assert run.code == 1


def test_a_file_named_twice_is_imported_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_raw(raw, "a.txt", raw_text())

    run = do_import(raw, raw / "a.txt", content=tmp_path / "content")

    assert (run.err, run.summary) == ("", "imported 1, duplicates 0, failed 0")


def test_folders_are_walked_for_txt_and_md_only_in_sorted_order(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_raw(raw, "b/z.md", raw_text(title="Zeta", url="https://example.com/z"))
    write_raw(raw, "a.txt", raw_text(title="Alpha", url="https://example.com/a"))
    write_raw(raw, "b/notes.rst", "not an article")
    write_raw(raw, ".hidden/x.txt", "not an article")
    write_raw(raw, "content/2013/11/17/x.md", "---\ntitle: an article already\n---\n")

    run = do_import(raw, content=raw / "content")

    assert run.out.splitlines() == [
        (raw / "content/2013/11/17/alpha.md").as_posix(),
        (raw / "content/2013/11/17/zeta.md").as_posix(),
        "imported 2, duplicates 0, failed 0",
    ]


def test_bad_topics_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    with pytest.raises(DigestError, match=r"--topics: error: '\?\?' has no letters or digits"):
        do_import(tmp_path / "raw", content=tmp_path / "content", topics=["??"])
    assert not (tmp_path / "content").exists()


def test_a_folder_with_nothing_to_import_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()

    run = do_import(tmp_path / "raw", content=tmp_path / "content")

    assert run.code == 0
    assert (
        run.err == f"{(tmp_path / 'raw').as_posix()}: warning: no *.txt or *.md files in folder\n"
    )
    assert run.summary == "imported 0, duplicates 0, failed 0"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


_BAR = re.compile(r"\r\[[#.]{30}\] \d+/\d+|\r\x1b\[K")


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for i in range(300):
        write_raw(raw, f"{i:03d}.txt", raw_text(title=f"Story {i}", url=f"https://e.com/{i}"))
    write_raw(raw, "150-bad.txt", "Title only\n")
    out, err = io.StringIO(), Terminal()

    started = time.monotonic()
    code = run_import(
        [raw],
        content_dir=tmp_path / "content",
        dry_run=True,
        topics=[],
        root=tmp_path,
        stdout=out,
        stderr=err,
    )
    seconds = time.monotonic() - started

    assert code == 1
    shown = err.getvalue()
    assert "\r[" + "#" * 30 + "] 301/301" in shown
    assert shown.endswith("\r\x1b[K")  # erased before the summary is printed
    # At most ~10 updates a second, plus the first and the last, plus a redraw under each of
    # the three error lines.
    assert shown.count("\r[") <= 10 * seconds + 2 + 3
    bad = (raw / "150-bad.txt").as_posix()
    assert _BAR.sub("", shown).splitlines() == [
        f"{bad}:1: error: no 'Original url:' line found (expected after the body, with the URL)",
        f"{bad}:1: error: no byline (By ...) found after the title",
        f"{bad}:1: error: no date line found after the title (e.g. 'November 17, 2013')",
    ]
    assert do_import(raw, content=tmp_path / "content", dry_run=True).err.count("\r") == 0


@pytest.mark.slow  # imports and builds the example corpus
def test_imported_articles_build_into_a_site(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    raw = project / "raw"
    raw.mkdir(parents=True)
    (project / "content").mkdir()  # a site project (import refuses any other)
    shutil.copy(SEED, raw / SEED.name)
    for name in GOOD:
        shutil.copy(CASES_DIR / name, raw / name)
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def digest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digest", *args],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )

    imported = digest("import", "raw", "--topics", "World")
    assert imported.returncode == 0, imported.stderr
    built = digest("build")
    assert built.returncode == 0, built.stderr
    assert "error" not in built.stderr
    seed_page = project / "site/2013/11/17/syria-russia-to-discuss-peace-conference-on-monday"
    assert (seed_page / "index.html").is_file()


# --- round trip ------------------------------------------------------------------------

_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n")
_ROLES = {"staff", "writer", "reporter", "correspondent", "editor", "contributor", "columnist"}


def _collapsed(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(_TEXT, min_size=min_size, max_size=max_size).map(lambda s: " ".join(s.split()))


@st.composite
def titles(draw: st.DrawFn) -> str:
    title = draw(_collapsed(1, 80))
    assume(visible(title))  # controls and zero-width characters alone are no headline
    assume(not title.startswith(("#", "\ufeff")))  # a heading marker (or a BOM) is taken off
    assume(not re.fullmatch(r"([*_]{1,2}).*\1", title))  # so is emphasis around it all
    assume(not re.search(r"\d{4}", title))  # not a date line
    assume(not re.match(r"original\s*url\s*:", title, re.IGNORECASE))
    return title


@st.composite
def sources(draw: st.DrawFn) -> str:
    """Publication names: a few words (a masthead is short), one of them ASCII (for a slug)."""
    words = draw(
        st.lists(
            st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=9),
            min_size=1,
            max_size=4,
        )
    )
    words.append(draw(st.sampled_from(["Times", "Post", "Daily", "Agency", "News24"])))
    source = " ".join(words)
    assume(not {w.casefold() for w in words} & ({"and", "for", "by"} | _ROLES))
    return source


_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_PATH_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:@"


@st.composite
def urls(draw: st.DrawFn) -> str:
    """Absolute http(s) URLs with any path characters a URL may hold unescaped."""
    scheme = draw(st.sampled_from(["http", "https"]))
    host = ".".join(draw(st.lists(_LABEL, min_size=1, max_size=3))) + ".com"
    path = "".join("/" + seg for seg in draw(st.lists(st.text(_PATH_CHARS, max_size=10))))
    query = draw(st.lists(st.tuples(_LABEL, _LABEL), max_size=3))
    return f"{scheme}://{host}{path}" + (
        "?" + "&".join(f"{k}={v}" for k, v in query) if query else ""
    )


def _date_line(day: dt.date, form: int, weekday: bool, clock: bool) -> str:
    month = day.strftime("%B")
    text = [
        f"{month} {day.day}, {day.year:04d}",
        f"{month[:3]}. {day.day}, {day.year:04d}",
        f"{month[:3]} {day.day}, {day.year:04d}",
        f"{day.day} {month} {day.year:04d}",
        f"{day.year:04d}-{day.month:02d}-{day.day:02d}",
        f"{day.day:02d}.{day.month:02d}.{day.year:04d}",
    ][form]
    if weekday:
        text = f"{day.strftime('%A')}, {text}"
    if clock:
        text += " 10:42 AM"
    return text


@st.composite
def raw_articles(draw: st.DrawFn) -> tuple[RawArticle, str]:
    """A raw article and its text, in any of the forms the importer reads."""
    title, source, url = draw(titles()), draw(sources()), draw(urls())
    # The dates a build accepts (digest.model.FIRST_DAY to LAST_DAY); test_dates has the rest.
    day = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2199, 12, 31)))
    line = st.text(_TEXT, min_size=1, max_size=60).filter(lambda s: s.strip())
    paragraphs = draw(
        st.lists(st.lists(line, min_size=1, max_size=3).map("\n".join), min_size=1, max_size=4)
    )
    # The story opens with a sentence, as stories do: never a masthead or a header line.
    paragraphs[0] = "The story " + paragraphs[0].lstrip() + "."
    body = "\n\n".join(paragraphs)
    assume(not any(re.match(r"\s*[*_]*original\s*url", ln, re.I) for ln in body.split("\n")))
    byline, brand = draw(
        st.sampled_from(
            [
                (f"By {source}", None),
                (f"By [{source}](#)", f"**{source}**"),
                (f"By Jane Doe, {source}", None),
                (f"By Jane Doe for {source}", None),
                ("By Jane Doe and John Roe", source),
                (f"*By {source}*", source.upper()),
            ]
        )
    )
    header = [
        byline,
        _date_line(day, draw(st.integers(0, 5)), draw(st.booleans()), draw(st.booleans())),
    ]
    if draw(st.booleans()):
        header.reverse()
    if brand:
        header.append(brand)
    sep = draw(st.sampled_from(["\n\n", "\n"]))
    url_block = draw(st.sampled_from([f"Original url:\n\n<{url}>", f"Original url: {url}"]))
    text = sep.join([title, *header]) + "\n\n" + body + "\n\n" + url_block + "\n"
    return RawArticle(title, source, day, url, body), text


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_articles())
def test_any_raw_article_round_trips(case: tuple[RawArticle, str]) -> None:
    expected, text = case
    assert parse_raw(text, "raw.txt") == expected


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_articles(), st.lists(st.sampled_from(["Syria", "Russia", "São Paulo"]), unique=True))
def test_any_imported_article_loads_as_written(
    case: tuple[RawArticle, str], topics: list[str]
) -> None:
    raw, _ = case
    data = render_article(raw, topics).encode("utf-8")
    article, problems = parse_article("content/2013/11/17/x.md", data, UTC)
    assert problems == []
    assert article is not None
    assert (article.title, article.source, article.url) == (raw.title, raw.source, raw.url)
    assert article.day == raw.date
    assert article.topics == tuple(topics)
    assert article.body.strip("\n") == raw.body


def test_titles_in_any_script_get_a_transliterated_file_name(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_raw(raw, "a.txt", raw_text(title="北京举行新闻发布会", url="https://example.com/1"))
    write_raw(raw, "b.txt", raw_text(title="Путин встретился с Асадом", byline="By ТАСС"))
    content = tmp_path / "content"

    run = do_import(raw, content=content)

    day = content / "2013/11/17"
    assert run.out.splitlines()[:2] == [
        (day / "beijingjuxingxinwenfabuhui.md").as_posix(),
        (day / "putin-vstretilsya-s-asadom.md").as_posix(),
    ]
    assert load(day / "putin-vstretilsya-s-asadom.md", tmp_path).source == "ТАСС"


def test_topics_with_one_slug_and_different_names_are_refused(tmp_path: Path) -> None:
    write_raw(tmp_path / "raw", "a.txt", raw_text())

    with pytest.raises(DigestError, match=r"--topics: error: 'C-SPAN' and 'C SPAN' are differ"):
        do_import(tmp_path / "raw", content=tmp_path / "content", topics=["C-SPAN", "C SPAN"])
    assert not (tmp_path / "content").exists()


def test_a_title_line_that_shows_nothing_is_no_title() -> None:
    with pytest.raises(DigestError, match=r"raw.txt:1: error: no title \(expected the headline"):
        parse_raw(raw_text(title="\u200b\x1b"), "raw.txt")
