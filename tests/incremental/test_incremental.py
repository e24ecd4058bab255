"""Incremental builds: only what changed is rendered, and the result is always what a clean
build gives, byte for byte."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from conftest import FIXTURE_SITE, REPO, article, run_python, snapshot, tree
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from digest.cli import main
from digest.commands.build import BuildOptions, build
from digest.commands.patch import Session
from digest.incremental import store
from digest.incremental.cache import CACHE_DIR


def test_no_change_build_renders_and_writes_nothing(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    before = snapshot(fixture_site / "site")
    result = build(options)
    assert (result.rendered, result.written, result.removed) == (0, [], [])
    assert snapshot(fixture_site / "site") == before


def test_an_edit_renders_only_the_pages_that_show_it(fixture_site):
    options = BuildOptions(root=fixture_site)
    first = build(options)
    path = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    path.write_text(path.read_text().replace("several streets", "many streets"))
    result = build(options)
    # Its page, its day, pages listing its summary (topics, source, home, archive month is
    # counts only) and feeds; never the whole site.
    assert "2013/11/16/sao-paulo-rain/index.html" in result.written
    assert "2013/11/17/syria-talks/index.html" not in result.written
    assert 0 < result.rendered < first.rendered / 2


def test_template_change_rebuilds_pages_using_it(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    (fixture_site / "templates").mkdir()
    theme = REPO / "digest/theme/templates/month.html"
    (fixture_site / "templates/month.html").write_text(
        theme.read_text().replace("<h1", "<h1 data-custom")
    )
    result = build(options)
    assert result.written == ["2013/11/index.html"]


def test_corrupt_or_missing_cache_means_a_full_build(fixture_site, capsys):
    options = BuildOptions(root=fixture_site)
    build(options)
    for manifest in (fixture_site / CACHE_DIR).iterdir():
        manifest.write_text("{not json")
    result = build(options)
    assert result.rendered > 0 and result.written == []
    assert any("cache ignored" in w.message for w in result.warnings)
    shutil.rmtree(fixture_site / CACHE_DIR)
    assert build(options).written == []


def test_force_renders_everything_but_rewrites_nothing_unchanged(fixture_site, capsys):
    assert main(["build", "--root", str(fixture_site)]) == 0
    before = snapshot(fixture_site / "site")
    assert main(["build", "--root", str(fixture_site), "--force"]) == 0
    assert "0 written" in capsys.readouterr().out
    assert snapshot(fixture_site / "site") == before


def test_output_edited_by_hand_is_repaired(fixture_site):
    options = BuildOptions(root=fixture_site)
    build(options)
    page = fixture_site / "site/2013/11/16/index.html"
    page.write_text("tampered")
    result = build(options)
    assert result.written == ["2013/11/16/index.html"]
    assert "tampered" not in page.read_text()


@pytest.mark.parametrize("harm", ["deleted", "same size"])
def test_an_output_page_deleted_or_rewritten_is_seen_by_a_build_with_nothing_to_do(
    fixture_site, harm
):
    options = BuildOptions(root=fixture_site)
    build(options)
    page = fixture_site / "site/2013/11/16/index.html"
    before = page.read_bytes()
    if harm == "deleted":
        page.unlink()
    else:
        page.write_bytes(before.replace(b"<", b">", 1))  # same size, a new mtime
    result = build(options)
    assert result.written == ["2013/11/16/index.html"]
    assert page.read_bytes() == before


TITLES = st.sampled_from(["Markets rally", "Storm warning", "São Paulo transit", "Budget vote"])
TOPICS = st.sampled_from(["[Economy]", "[Weather, economy]", "[São Paulo]", "Diplomacy", None])
# A place inside each template's output, so an edit there changes what it renders.
ANCHORS = {
    "day.html": "<header>",
    "article.html": "<header>",
    "_macros.html": '<li class="article-item">',
    "base.html": "<body>",
}
DATES = st.sampled_from(["2013-11-15", "2013-11-16", "2013-11-18", "2013-11-17T23:30:00Z"])
SOURCES = st.sampled_from(["The Daily", "Reuters", "Folha de S.Paulo"])
ONE_SPELLING = [
    ("2013/11/17/gas-prices.md", "source: reuters", "source: Reuters"),
    ("2013/11/17/late-night.md", "topics: diplomacy", "topics: Diplomacy"),
    ("2013/11/16/sao-paulo-rain.md", "topics: [sao paulo,", "topics: [São Paulo,"),
]
"""The fixture's second spellings made the first, so each topic and source has one."""


@contextlib.contextmanager
def full_disk() -> Iterator[None]:
    """The cache's files cannot be written (its stores fail as SQLite does on a full disk)."""
    full = sqlite3.OperationalError("database or disk is full")
    with (
        mock.patch.object(store, "in_transaction", side_effect=full),
        mock.patch.object(store, "replace_store", side_effect=full),
    ):
        yield


@settings(
    max_examples=12,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
class IncrementalEqualsClean(RuleBasedStateMachine):
    """Any sequence of edits (title, body, summary, date, topics, source, draft), creations,
    deletions and renames of articles, of templates and config, and fresh checkouts with the
    cache and last site restored, built incrementally (whole-site, in place, and by a watch
    session patching its last build), equals a clean build."""

    @initialize(
        mode=st.sampled_from(["whole", "in_place", "session"]),
        spellings=st.sampled_from(["mixed", "one each"]),
    )
    def setup(self, mode: str, spellings: str) -> None:
        """``spellings``: the fixture's (``reuters`` and ``Reuters``: the index merges them),
        or one spelling of each name, the sites whose index a watch session updates by
        delta (``pipeline/index_delta.py``) until an edit brings a second spelling in."""
        import tempfile

        self.tmp = Path(tempfile.mkdtemp(prefix="digest-inc-"))
        self.root = self.tmp / "site-project"
        shutil.copytree(FIXTURE_SITE, self.root)
        if spellings == "one each":
            for rel, old, new in ONE_SPELLING:
                path = self.root / "content" / rel
                path.write_text(path.read_text().replace(old, new, 1))
        self.counter = 0
        self.mode = mode
        self.session: Session | None = None
        self.changes: dict[str, str] = {}
        build(BuildOptions(root=self.root))

    def _changed(self, path: Path, what: str = "changed") -> None:
        """What the watcher would tell the session about this step."""
        rel = path.relative_to(self.root).as_posix()
        if what == "changed" and rel in self.changes:
            return
        self.changes[rel] = what

    def _articles(self) -> list[Path]:
        return sorted((self.root / "content").rglob("*.md"))

    @rule(title=TITLES, topics=TOPICS, date=DATES)
    def create(self, title: str, topics: str | None, date: str) -> None:
        self.counter += 1
        extra = {"topics": topics} if topics else {}
        path = self.root / f"content/new/{self.counter}-{title.split()[0].lower()}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            article(title, date=date, url=f"https://example.net/{self.counter}", **extra)
        )
        self._changed(path, "created")

    @rule(data=st.data(), title=TITLES)
    def edit_title(self, data: st.DataObject, title: str) -> None:
        files = self._articles()
        if files:
            path = data.draw(st.sampled_from(files))
            text = path.read_text()
            head, _, rest = text.partition("title: ")
            old = rest.split("\n", 1)[0]
            path.write_text(head + "title: " + f'"{title} {self.counter}"' + rest[len(old) :])
            self.counter += 1
            self._changed(path)

    @rule(data=st.data())
    def edit_body(self, data: st.DataObject) -> None:
        files = self._articles()
        if files:
            path = data.draw(st.sampled_from(files))
            path.write_text(path.read_text() + f"\nAn update, number {self.counter}.\n")
            self.counter += 1
            self._changed(path)

    @rule(data=st.data())
    def edit_summary(self, data: st.DataObject) -> None:
        files = self._articles()
        if files:
            path = data.draw(st.sampled_from(files))
            text = path.read_text()
            head, sep, body = text.partition("\n---\n")
            head = "\n".join(ln for ln in head.split("\n") if not ln.startswith("summary:"))
            path.write_text(f"{head}\nsummary: Summary {self.counter}.{sep}{body}")
            self.counter += 1
            self._changed(path)

    def _set_key(self, path: Path, key: str, value: str | None) -> None:
        """Set (or, with None, remove) one front-matter key of an article."""
        head, sep, body = path.read_text().partition("\n---\n")
        lines = [ln for ln in head.split("\n") if not ln.startswith(f"{key}:")]
        if value is not None:
            lines.append(f"{key}: {value}")
        path.write_text("\n".join(lines) + sep + body)
        self._changed(path)

    @rule(data=st.data(), date=DATES)
    def edit_date(self, data: st.DataObject, date: str) -> None:
        files = self._articles()
        if files:
            self._set_key(data.draw(st.sampled_from(files)), "date", date)

    @rule(data=st.data(), topics=TOPICS)
    def edit_topics(self, data: st.DataObject, topics: str | None) -> None:
        files = self._articles()
        if files:
            self._set_key(data.draw(st.sampled_from(files)), "topics", topics)

    @rule(data=st.data(), source=SOURCES)
    def edit_source(self, data: st.DataObject, source: str) -> None:
        files = self._articles()
        if files:
            self._set_key(data.draw(st.sampled_from(files)), "source", source)

    @rule(data=st.data(), draft=st.booleans())
    def edit_draft(self, data: st.DataObject, draft: bool) -> None:
        files = self._articles()
        if len(files) > 1:
            self._set_key(data.draw(st.sampled_from(files)), "draft", "true" if draft else None)

    @rule()
    def fresh_checkout(self) -> None:
        """CI's flow: a fresh clone (every input file new to the file system, bytes the same)
        with the cache and the last site restored from the build before."""
        fresh = self.tmp / f"checkout-{self.counter}"
        self.counter += 1
        shutil.copytree(self.root, fresh)  # new inodes; copied mtimes are then renewed
        later = time.time() + self.counter
        for path in fresh.rglob("*"):
            top = path.relative_to(fresh).parts[0]
            if top not in (".digest-cache", "site"):
                os.utime(path, (later, later))
        shutil.rmtree(self.root)
        fresh.rename(self.root)
        self.session = None  # a new machine: no watch carries over

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        files = self._articles()
        if len(files) > 1:
            path = data.draw(st.sampled_from(files))
            path.unlink()
            self._changed(path, "deleted")

    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        files = self._articles()
        if files:
            path = data.draw(st.sampled_from(files))
            target = self.root / f"content/moved/renamed-{self.counter}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            self.counter += 1
            self._changed(path, f"renamed to {target.relative_to(self.root).as_posix()}")

    @rule(name=st.sampled_from(["day.html", "article.html", "_macros.html", "base.html"]))
    def edit_template(self, name: str) -> None:
        theme = REPO / "digest/theme/templates" / name
        target = self.root / "templates" / name
        target.parent.mkdir(exist_ok=True)
        source = target.read_text() if target.exists() else theme.read_text()
        anchor = ANCHORS[name]
        target.write_text(source.replace(anchor, f"{anchor}<!-- edit {self.counter} -->", 1))
        self.counter += 1
        self._changed(target)

    @rule(show=st.sampled_from(["article.body|length", "article|string|length", "article.lines"]))
    def list_pages_show_more(self, show: str) -> None:
        """A site template whose article lists read more than the theme's (the body, the
        whole article): edits of those must re-render the lists."""
        theme = REPO / "digest/theme/templates/_macros.html"
        target = self.root / "templates/_macros.html"
        target.parent.mkdir(exist_ok=True)
        anchor = ANCHORS["_macros.html"]
        target.write_text(theme.read_text().replace(anchor, f"{anchor}{{{{ {show} }}}}", 1))
        self._changed(target)

    @rule(
        setting=st.sampled_from(
            ['title = "Renamed Digest"', "per_page = 1", "days_per_page = 1", 'timezone = "UTC"']
        )
    )
    def edit_config(self, setting: str) -> None:
        config = self.root / "digest.toml"
        key = setting.split(" = ")[0]
        lines = [ln for ln in config.read_text().splitlines() if not ln.startswith(key + " =")]
        tables = [i for i, ln in enumerate(lines) if ln.startswith("[")]
        lines.insert(tables[0] if tables else len(lines), setting)
        config.write_text("\n".join(lines) + "\n")
        self._changed(config)

    @rule()
    def watch_idles(self) -> None:
        """``watch`` records what it patched when idle (``Session.flush``): the rebuilds
        after it start from those fingerprints."""
        if self.session is not None:
            self.session.flush()

    @rule()
    def cache_cannot_be_written(self) -> None:
        """The next build cannot save its manifest (a full disk): the builds after it must
        not trust what the one before it kept (fingerprints, signatures of days)."""
        self.save_fails = True

    @rule(mode=st.sampled_from(["whole", "in_place", "session"]))
    def switch_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.session = None  # a watch starts afresh; it is alone in writing the output

    @invariant()
    def incremental_equals_clean(self) -> None:
        if not hasattr(self, "root"):
            return
        options = BuildOptions(root=self.root)
        with full_disk() if getattr(self, "save_fails", False) else contextlib.nullcontext():
            if self.mode == "session":
                if self.session is None:
                    self.session = Session(options)
                    self.session.build(None)
                else:
                    self.session.build(self.changes)
            else:
                build(options, in_place=self.mode == "in_place")
        self.changes, self.save_fails = {}, False
        clean = self.tmp / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        build(BuildOptions(root=self.root, output=clean, force=True))
        built, expected = tree(self.root / "site"), tree(clean)
        differ = sorted(
            k for k in built.keys() | expected.keys() if built.get(k) != expected.get(k)
        )
        assert differ == [], f"incremental ({self.mode}) differs from a clean build"

    def teardown(self) -> None:
        if hasattr(self, "tmp"):
            shutil.rmtree(self.tmp, ignore_errors=True)


# The whole state machine: many builds per example.
TestIncrementalEqualsClean = pytest.mark.slow(IncrementalEqualsClean.TestCase)


def test_unchanged_inputs_skip_the_build_entirely(fixture_site, monkeypatch):
    options = BuildOptions(root=fixture_site)
    first = build(options)
    import digest.commands.build

    def fail(*args, **kwargs):
        raise AssertionError("nothing should be loaded when no input changed")

    monkeypatch.setattr(digest.commands.build, "prepare", fail)
    again = build(options)
    assert (again.articles, again.pages, again.written) == (first.articles, first.pages, [])
    # Any input change, or a touched output file, means a real build.
    monkeypatch.undo()
    (fixture_site / "site/404.html").write_text("edited by hand")
    assert build(options).written == ["404.html"]


def test_a_build_with_nothing_to_do_loads_no_parser_or_template_engine(fixture_site):
    assert main(["build", "--root", str(fixture_site)]) == 0
    heavy = ("jinja2", "markdown_it", "markdown_it_pyrs", "yaml", "markupsafe")
    script = (
        "import sys\n"
        "from digest.cli import main\n"
        f"code = main(['build', '--root', {str(fixture_site)!r}])\n"
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    result = run_python("-c", script)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "0 []"
    assert "(0 written, " in result.out
