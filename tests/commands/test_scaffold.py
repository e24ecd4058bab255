"""`digest new` and `digest init`: the files they write, what they refuse, and that the
result builds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import REPO, article, run_digest, snapshot
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from digest import __version__
from digest.commands.authoring import article_text
from digest.commands.init import EXAMPLE_URL, WORKFLOW_PATH, init_site, next_steps
from digest.commands.new import new_article
from digest.config import SiteConfig, parse_config
from digest.errors import DigestError
from digest.formats.article import closed_bidi, parse_article, visible
from digest.slugs import slugify

UTC = ZoneInfo("UTC")
DAY = dt.date(2024, 3, 5)
INIT_FILES = [
    "digest.toml",
    "content/2024/03/05/welcome-to-your-digest.md",
    "templates/README.md",
    "static/README.md",
    ".gitignore",
    WORKFLOW_PATH,
]


def _new(root: Path, title: str = "A story", **kw: object) -> Path:
    args: dict[str, object] = {
        "source": "The Daily",
        "url": "https://example.com/a-story",
        "date": None,
        "topics": [],
        "today": DAY,
    }
    args.update(kw)
    return new_article(root, title, **args)  # type: ignore[arg-type]


def _errors(exc: pytest.ExceptionInfo[DigestError]) -> list[str]:
    return [d.format() for d in exc.value.diagnostics]


def _load(path: Path, root: Path, tz: ZoneInfo = UTC):
    rel = path.relative_to(root).as_posix()
    loaded, problems = parse_article(rel, path.read_bytes(), tz)
    assert problems == []
    assert loaded is not None
    return loaded


# --- digest new ----------------------------------------------------------------------------


def test_new_writes_a_valid_article_under_its_day(tmp_path):
    path = _new(tmp_path, "Syria, Russia to Discuss Peace", topics=["Syria", " ", "Russia"])
    assert path == tmp_path / "content/2024/03/05/syria-russia-to-discuss-peace.md"
    assert path.read_text() == (
        "---\n"
        "title: Syria, Russia to Discuss Peace\n"
        "source: The Daily\n"
        "date: 2024-03-05\n"
        "url: https://example.com/a-story\n"
        "topics: [Syria, Russia]\n"
        "---\n"
    )
    loaded = _load(path, tmp_path)
    assert (loaded.title, loaded.source, loaded.url) == (
        "Syria, Russia to Discuss Peace",
        "The Daily",
        "https://example.com/a-story",
    )
    assert loaded.topics == ("Syria", "Russia")
    assert loaded.body == ""
    assert loaded.permalink == "/2024/03/05/syria-russia-to-discuss-peace/"


def test_new_leaves_no_temporary_file_behind(tmp_path):
    path = _new(tmp_path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize(
    "title",
    [
        'Breaking: "quotes" # hash',
        "yes",
        "null",
        "123",
        "- a dash first",
        "[brackets] and {braces}",
        "'single' quotes",
        "@at, %percent, &anchor, *alias, !tag, | pipe, > gt",
        "São Paulo: über — “curly”",
        "C:\\path\\to",
        "x" * 300,
    ],
)
def test_new_title_round_trips_through_the_loader(tmp_path, title):
    path = _new(tmp_path, title, source=f"Source: {title}")
    loaded = _load(path, tmp_path)
    assert loaded.title == title
    assert loaded.source == f"Source: {title}"


@pytest.mark.slow  # 300 generated articles written and read back
@settings(max_examples=300, deadline=None)
@given(title=st.text(min_size=1, max_size=80), topic=st.text(min_size=1, max_size=20))
@example(title="0\u202a", topic="T\u202e")  # embeddings left open
def test_any_text_reads_back_as_written(title, topic):
    """Whatever the text, the loader reads back what `new` wrote (whitespace collapsed, and
    a bidirectional embedding the text leaves open closed, as the loader closes any)."""
    assume(visible(title) and slugify(topic))
    fields = {"title": title, "source": "S", "date": "2024-03-05", "url": "https://e.com/x"}
    text = article_text({**fields, "topics": [topic]})
    loaded, problems = parse_article("content/x.md", text.encode(), UTC)
    assert problems == [], text
    assert loaded is not None
    assert loaded.title == closed_bidi(" ".join(title.split()))
    assert loaded.topics == (closed_bidi(" ".join(topic.split())),)


@pytest.mark.parametrize(
    ("date", "tz", "folder", "written"),
    [
        ("2013-11-17", "UTC", "2013/11/17", "date: 2013-11-17"),
        (" 2013-11-17 ", "UTC", "2013/11/17", "date: 2013-11-17"),
        ("2013-11-17T10:30:00", "UTC", "2013/11/17", "date: 2013-11-17T10:30:00"),
        # The folder is the day in the site's timezone, as the permalink is.
        ("2013-11-18T02:00:00Z", "America/New_York", "2013/11/17", "date: 2013-11-18T02:00:00Z"),
        ("2013-11-17T23:30+01:00", "UTC", "2013/11/17", "date: 2013-11-17T23:30+01:00"),
    ],
)
def test_new_date_option(make_site, date, tz, folder, written):
    root = make_site({"digest.toml": f'timezone = "{tz}"\n'})
    path = _new(root, date=date)
    assert path.parent == root / "content" / folder
    assert written in path.read_text().splitlines()
    _load(path, root, ZoneInfo(tz))


def test_new_defaults_to_today_in_the_site_timezone(make_site):
    root = make_site({"digest.toml": 'timezone = "Pacific/Kiritimati"\n'})
    path = _new(root, today=None)
    today = dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    # Around midnight there the clock may have moved on between the two calls.
    assert path.parent.relative_to(root / "content").as_posix() in {
        f"{today:%Y/%m/%d}",
        f"{today - dt.timedelta(days=1):%Y/%m/%d}",
    }


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"url": "javascript:x"}, "--url: error: 'javascript:x' is not an http(s) URL"),
        ({"url": "ftp://example.com/a"}, "--url: error: 'ftp://example.com/a' is not an http(s)"),
        ({"url": "/2013/x"}, "--url: error: '/2013/x' is not an http(s) URL"),
        ({"url": ""}, "--url: error: must not be empty"),
        ({"date": "Nov 17"}, "--date: error: 'Nov 17' is not a date (expected YYYY-MM-DD"),
        ({"date": "2013-02-30"}, "--date: error: '2013-02-30' is not a date (February 2013 has"),
        ({"date": "12:30"}, "--date: error: '12:30' is not a date"),
        ({"source": "  "}, "--source: error: must not be empty"),
        ({"source": "!!!"}, "--source: error: '!!!' has no letters or digits"),
        ({"topics": ["ok", "???"]}, "--topics: error: '???' has no letters or digits"),
        ({"title": "???"}, "TITLE: error: '???' has no letters or digits to make a file name"),
        ({"title": "\u200b\u200b"}, "TITLE: error: must not be empty"),
        ({"slug": "a/b"}, "--slug: error: 'a/b' must not contain '/' or '\\'"),
        ({"slug": "con"}, "--slug: error: 'con' is a device name on Windows"),
        ({"slug": "x" * 300}, "--slug: error: is 300 bytes long; a slug may have at most 200"),
        ({"slug": "Путин"}, "--slug: error: 'Путин' may only contain letters, digits"),
        ({"topics": ["C-SPAN", "C SPAN"]}, "--topics: error: 'C-SPAN' and 'C SPAN' are different"),
        ({"title": " "}, "TITLE: error: must not be empty"),
    ],
)
def test_new_refuses_bad_values_and_writes_nothing(make_site, kw, expected):
    root = make_site({"digest.toml": 'title = "X"\n'})
    before = snapshot(root)
    kw = {"title": "A story", **kw}
    with pytest.raises(DigestError) as exc:
        _new(root, **kw)
    assert any(e.startswith(expected) for e in _errors(exc)), _errors(exc)
    assert snapshot(root) == before
    assert not (root / "content").exists()


def test_new_reports_every_bad_value_at_once(tmp_path):
    with pytest.raises(DigestError) as exc:
        _new(tmp_path, "", source="", url="javascript:x", date="soon")
    assert _errors(exc) == [
        "--date: error: 'soon' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)",
        "--source: error: must not be empty",
        "--url: error: 'javascript:x' is not an http(s) URL",
        "TITLE: error: must not be empty",
    ]


def test_new_refuses_to_overwrite(tmp_path):
    path = _new(tmp_path)
    path.write_text("my own words\n")
    with pytest.raises(DigestError) as exc:
        _new(tmp_path, url="https://example.com/another")
    assert _errors(exc) == ["content/2024/03/05/a-story.md: error: already exists; not overwritten"]
    assert path.read_text() == "my own words\n"


def test_new_never_replaces_a_file_that_appears_meanwhile(tmp_path, monkeypatch):
    """The existence check and the write are not one step; the link is what guarantees it."""
    target = tmp_path / "content/2024/03/05/a-story.md"
    real_link = os.link

    def racing_link(src: str, dst: str) -> None:
        Path(dst).write_text("written by someone else\n")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(DigestError, match="already exists; not overwritten"):
        _new(tmp_path)
    assert target.read_text() == "written by someone else\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a-story.md"]


def test_new_works_where_hard_links_do_not(tmp_path, monkeypatch):
    def no_links(src: str, dst: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = _new(tmp_path)
    _load(path, tmp_path)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_new_refuses_a_url_another_article_has(make_site):
    root = make_site(
        {"content/misc/older.md": article("Older", url="https://EXAMPLE.com/a-story/?utm_source=x")}
    )
    before = snapshot(root)
    with pytest.raises(DigestError) as exc:
        _new(root)
    assert _errors(exc) == [
        "--url: error: same article as content/misc/older.md "
        "(both link to https://example.com/a-story)"
    ]
    assert snapshot(root) == before


def test_new_refuses_a_url_a_draft_has(make_site):
    draft = article("D", url="https://example.com/a-story", draft="true")
    root = make_site({"content/d.md": draft})
    with pytest.raises(DigestError, match=r"same article as content/d\.md"):
        _new(root)


def test_new_refuses_the_same_day_and_slug_elsewhere(make_site):
    other = article("X", date="2024-03-05", url="https://e.com/x", slug="A-Story")
    root = make_site({"content/misc/x.md": other})
    with pytest.raises(DigestError) as exc:
        _new(root)
    assert _errors(exc) == [
        "content/2024/03/05/a-story.md: error: slug 'a-story' on 2024-03-05 collides with "
        "content/misc/x.md (both would be /2024/03/05/a-story/)"
    ]


def test_new_is_not_blocked_by_other_broken_articles(make_site):
    root = make_site({"content/bad.md": "no front-matter\n", "content/worse.md": b"\xff\xfe"})
    assert _new(root).is_file()


def test_new_needs_an_existing_site_folder(tmp_path):
    with pytest.raises(DigestError, match="site project folder not found"):
        _new(tmp_path / "typo")
    assert not (tmp_path / "typo").exists()


def test_new_reports_a_bad_config(make_site):
    root = make_site({"digest.toml": 'timezone = "Mars/Olympus"\n'})
    with pytest.raises(DigestError, match="unknown time zone"):
        _new(root)


def test_new_article_with_empty_body_builds(make_site, tmp_path):
    root = make_site({})
    _new(root, "Only a title", topics=["Topic"])
    result = run_digest("build", "--root", root)
    assert result.code == 0, result.err
    page = (root / "site/2024/03/05/only-a-title/index.html").read_text()
    assert "Only a title" in page


# --- digest init ---------------------------------------------------------------------------


def test_init_writes_the_project_files(tmp_path):
    target = tmp_path / "new" / "site"
    written = init_site(target, today=DAY)
    assert [p.relative_to(target).as_posix() for p in written] == INIT_FILES
    assert all(p.is_file() for p in written)
    gitignore = (target / ".gitignore").read_text().splitlines()
    assert "/site/" in gitignore
    assert ".digest-cache/" in gitignore
    templates = (target / "templates/README.md").read_text()
    assert "by file name" in templates and "Any template of" in templates
    static = (target / "static/README.md").read_text()
    assert "copied as-is" in static and "CNAME" in static


def test_init_example_article_is_valid(tmp_path):
    init_site(tmp_path, today=DAY)
    loaded = _load(tmp_path / INIT_FILES[1], tmp_path)
    assert loaded.url == EXAMPLE_URL
    assert loaded.published.date() == DAY
    assert "digest new" in loaded.body


def test_init_config_documents_every_setting_with_its_default(tmp_path):
    init_site(tmp_path, today=DAY)
    text = (tmp_path / "digest.toml").read_text()
    assert parse_config(text) == SiteConfig()  # all commented out: the defaults
    uncommented = re.sub(r"(?m)^# (?=\w+ = |\[topics\]|\[strings\]|\"nav)", "", text)
    config = parse_config(uncommented)
    assert config.topics == (("Syria", ("Syria", "Assad", "Damascus")),)
    assert config.strings == (("nav.latest", "Front page"),)
    assert dataclasses.replace(config, topics=(), strings=()) == SiteConfig()
    shown = set(re.findall(r"(?m)^# ([a-z_]+) = ", text))
    tables = {"topics", "strings"}
    settings_ = {f.name for f in dataclasses.fields(SiteConfig) if f.compare} - tables
    assert shown == settings_


def test_init_templates_readme_command_finds_the_theme(tmp_path):
    init_site(tmp_path, today=DAY)
    readme = (tmp_path / "templates/README.md").read_text()
    command = re.search(r"^    (python -c .+)$", readme, re.MULTILINE)
    assert command is not None
    code = command.group(1).removeprefix("python -c ").strip('"')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (Path(out.stdout.strip()) / "base.html").is_file()


def test_init_site_builds(tmp_path):
    target = tmp_path / "mysite"
    init_site(target, today=DAY)
    result = run_digest("build", "--root", target)
    assert result.code == 0, result.err
    assert (target / "site/index.html").is_file()
    page = (target / "site/2024/03/05/welcome-to-your-digest/index.html").read_text()
    assert "Welcome to your digest" in page
    assert (target / "site/topics/getting-started/index.html").is_file()


@pytest.mark.slow  # every command in a subprocess
def test_init_then_new_builds(tmp_path):
    init_site(tmp_path, today=DAY)
    _new(tmp_path, "Second story", date="2024-03-06")
    result = run_digest("build", "--root", tmp_path)
    assert result.code == 0, result.err
    assert (tmp_path / "site/2024/03/06/second-story/index.html").is_file()


def _workflow(root: Path) -> dict:
    return yaml.safe_load((root / WORKFLOW_PATH).read_text())


def _step(job: dict, action: str) -> dict:
    matches = [s for s in job["steps"] if s.get("uses", "").startswith(f"actions/{action}@")]
    assert len(matches) == 1, action
    return matches[0]


@pytest.mark.parametrize("search", [True, False])
def test_init_workflow_installs_the_search_extra_when_search_is_on(tmp_path, search):
    init_site(tmp_path, today=DAY)
    config = tmp_path / "digest.toml"
    config.write_text(f"search = {str(search).lower()}\n" + config.read_text())  # top level
    install = next(
        s for s in _workflow(tmp_path)["jobs"]["build"]["steps"] if s.get("id") == "digest"
    )
    # The step as GitHub runs it, with pip replaced by a note of what it would install.
    script = install["run"].replace("python -m pip install", "echo INSTALL")
    script = script.replace("python ", f"{sys.executable} ")
    env = {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out"), "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert (f"INSTALL digest-ssg[search]=={__version__}\n" in run.stdout) == search
    assert f"INSTALL digest-ssg=={__version__}\n" in run.stdout


def test_init_workflow_builds_and_deploys_to_pages(tmp_path):
    init_site(tmp_path, today=DAY)
    flow = _workflow(tmp_path)
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in triggers
    assert re.fullmatch(r"(\S+ ){4}\S+", triggers["schedule"][0]["cron"])
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}

    build = flow["jobs"]["build"]
    configure = _step(build, "configure-pages")
    upload = _step(build, "upload-pages-artifact")
    assert upload["with"]["path"] == "site"
    runs = "\n".join(s.get("run", "") for s in build["steps"])
    # Pinned to the digest that wrote it: a new release must not change a site's build unasked.
    assert f'pip install "digest-ssg=={__version__}"' in runs
    # when digest.toml turns search on
    assert f'pip install "digest-ssg[search]=={__version__}"' in runs
    commands = "\n".join(line for line in runs.splitlines() if not line.strip().startswith("#"))
    assert re.findall(r"pip install \S*digest-ssg\S*", commands) == [
        f'pip install "digest-ssg=={__version__}"',
        f'pip install "digest-ssg[search]=={__version__}"',
    ]
    assert f'digest build --base-url "${{{{ steps.{configure["id"]}.outputs.base_url }}}}/"' in runs
    cache = _step(build, "cache")
    assert ".digest-cache" in cache["with"]["path"].split()
    assert "hashFiles('content/**'" in cache["with"]["key"]
    assert "steps.digest.outputs.version" in cache["with"]["key"]
    assert cache["with"]["restore-keys"].strip() == "digest-${{ steps.digest.outputs.version }}-"
    assert any(s.get("id") == "digest" for s in build["steps"])

    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps.deployment.outputs.page_url }}",
    }
    assert _step(deploy, "deploy-pages")["id"] == "deployment"


def test_init_workflow_says_how_to_install_the_same_version_from_git(tmp_path):
    init_site(tmp_path, today=DAY)
    install = next(
        s for s in _workflow(tmp_path)["jobs"]["build"]["steps"] if s.get("id") == "digest"
    )
    comments = [line.strip() for line in install["run"].splitlines() if line.strip()[:1] == "#"]
    # A comment in the script, so it never runs, and the same version as the pin.
    assert any(
        f'pip install "digest-ssg @ git+https://github.com/OWNER/digest@v{__version__}"' in c
        for c in comments
    )


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    with pytest.raises(DigestError) as exc:
        init_site(tmp_path, today=DAY)
    assert _errors(exc) == [
        f"{tmp_path}: error: folder is not empty (notes.txt); use --force to write the "
        "project's files into it (replacing those, keeping all others)"
    ]
    assert snapshot(tmp_path) == before


def test_init_accepts_a_fresh_clone(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/HEAD").write_text("ref: refs/heads/main\n")
    written = init_site(tmp_path, today=DAY)
    assert len(written) == len(INIT_FILES)
    assert (tmp_path / ".git/HEAD").read_text() == "ref: refs/heads/main\n"


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DigestError, match="exists and is not a folder"):
        init_site(tmp_path / "f", force=True)


def test_init_force_replaces_its_files_and_keeps_the_others(tmp_path):
    (tmp_path / "digest.toml").write_text('title = "Old"\n')
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "static").mkdir()
    (tmp_path / "static/logo.svg").write_text("<svg/>")
    written = init_site(tmp_path, force=True, today=DAY)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == INIT_FILES
    assert 'title = "Old"' not in (tmp_path / "digest.toml").read_text()
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert (tmp_path / "static/logo.svg").read_text() == "<svg/>"


def test_init_force_on_a_site_with_articles_adds_no_example(tmp_path):
    init_site(tmp_path, today=DAY)
    later = init_site(tmp_path, force=True, today=DAY + dt.timedelta(days=1))
    assert not any(p.suffix == ".md" and "content" in p.parts for p in later)
    assert len(list((tmp_path / "content").rglob("*.md"))) == 1
    assert run_digest("build", "--root", tmp_path).code == 0


def test_next_steps_say_how_to_publish(tmp_path):
    text = next_steps(tmp_path / "my site")
    assert f"cd '{tmp_path / 'my site'}'" in text
    assert "digest serve" in text
    assert "git init" in text and "git push" in text
    assert '"GitHub Actions"' in text


# --- the command line ----------------------------


def test_cli_new_prints_the_path_last(make_site):
    root = make_site({"digest.toml": ""})  # a project: new writes its first article
    result = run_digest(
        "new",
        'Breaking: "quotes" # hash',
        "--source",
        "The Daily",
        "--url",
        "https://example.com/x",
        "--date",
        "2013-11-17",
        "--topics",
        "Syria, Russia",
        "--root",
        root,
    )
    assert result.code == 0, result.err
    last = result.out.strip().splitlines()[-1]
    assert last == str(root / "content/2013/11/17/breaking-quotes-hash.md")
    loaded = _load(Path(last), root)
    assert loaded.title == 'Breaking: "quotes" # hash'
    assert loaded.topics == ("Syria", "Russia")


def test_cli_new_path_is_relative_to_where_it_runs(make_site):
    root = make_site({"digest.toml": ""})  # a project: new writes its first article
    result = run_digest("new", "T", "--source", "S", "--url", "https://e.com/t", cwd=root)
    assert result.code == 0, result.err
    last = result.out.strip().splitlines()[-1]
    assert last.startswith("content/") and (root / last).is_file()


@pytest.mark.parametrize("missing", ["--source", "--url"])
def test_cli_new_without_source_or_url_is_bad_usage(make_site, missing):
    root = make_site({"digest.toml": ""})  # a project: new writes its first article
    args = {"--source": "S", "--url": "https://e.com/t"}
    del args[missing]
    result = run_digest("new", "T", *[x for kv in args.items() for x in kv], "--root", root)
    assert result.code == 2
    assert missing in result.err
    assert not (root / "content").exists()


def test_cli_new_bad_url_exits_1_and_writes_nothing(make_site):
    root = make_site({"digest.toml": ""})  # a project: new writes its first article
    result = run_digest("new", "T", "--source", "S", "--url", "javascript:x", "--root", root)
    assert result.code == 1
    assert "--url: error: 'javascript:x' is not an http(s) URL" in result.err
    assert "Traceback" not in result.err
    assert not (root / "content").exists()


def test_cli_new_refuses_to_overwrite(make_site):
    root = make_site({"digest.toml": ""})  # a project: new writes its first article

    def new(url: str):  # type: ignore[no-untyped-def]
        return run_digest(
            "new", "T", "--source", "S", "--url", url, "--date", "2013-11-17", "--root", root
        )

    assert new("https://e.com/t").code == 0
    again = new("https://e.com/other")
    assert again.code == 1
    assert "content/2013/11/17/t.md: error: already exists; not overwritten" in again.err
    assert "url: https://e.com/t" in (root / "content/2013/11/17/t.md").read_text()


@pytest.mark.slow  # every command in a subprocess
def test_cli_init_then_build(tmp_path):
    result = run_digest("init", tmp_path / "site-project")
    assert result.code == 0, result.err
    assert "digest.toml" in result.out and "pages.yml" in result.out
    assert "digest serve" in result.out and "GitHub Actions" in result.out
    assert run_digest("build", "--root", tmp_path / "site-project").code == 0


@pytest.mark.slow  # every command in a subprocess
def test_cli_init_refuses_a_non_empty_folder_without_force(tmp_path):
    (tmp_path / "keep.txt").write_text("mine\n")
    result = run_digest("init", tmp_path)
    assert result.code == 1
    assert "--force" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    forced = run_digest("init", tmp_path, "--force")
    assert forced.code == 0, forced.err
    assert (tmp_path / "keep.txt").read_text() == "mine\n"
    assert (tmp_path / WORKFLOW_PATH).is_file()


def test_new_takes_titles_in_any_script(tmp_path):
    path = _new(tmp_path, "Путин встретился с Асадом", source="ТАСС", topics=["Сирия", "北京"])
    assert path == tmp_path / "content/2024/03/05/putin-vstretilsya-s-asadom.md"
    loaded = _load(path, tmp_path)
    assert (loaded.title, loaded.source, loaded.topics) == (
        "Путин встретился с Асадом",
        "ТАСС",
        ("Сирия", "北京"),
    )


def test_new_slug_option_names_the_file(tmp_path):
    path = _new(tmp_path, "!!!", slug="putin-assad")
    assert path == tmp_path / "content/2024/03/05/putin-assad.md"
    assert _load(path, tmp_path).slug == "putin-assad"


def test_new_slug_option_on_the_command_line(make_site):
    root = make_site({"digest.toml": 'title = "X"\n'})
    result = run_digest(
        "new", "北京", "--source", "S", "--url", "https://e.com/b", "--date", "2024-03-05",
        "--slug", "beijing-news", "--root", root,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.strip().endswith("content/2024/03/05/beijing-news.md")
