"""The loader's fast ways: cached records decoded without the dataclass's constructor, and
files whose stat a fresh checkout renewed found by the hash of their bytes. What a build
gives must never depend on either."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import tree
from hypothesis import given, settings
from hypothesis import strategies as st

import digest.formats.article
from digest.commands.build import BuildOptions, build
from digest.errors import Diagnostic
from digest.incremental import records
from digest.incremental.cache import CACHE_DIR, FILENAME, Cache
from digest.model import Article, Pending
from digest.pipeline import load as load_module

ARTICLE = "content/2013/11/16/sao-paulo-rain.md"
PAGE = "site/2013/11/16/sao-paulo-rain/index.html"
REPO = Path(__file__).resolve().parents[2]


def _clean_build(root: Path, tmp_path: Path) -> dict[str, bytes]:
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", CACHE_DIR))
    build(BuildOptions(root=clean, jobs=1))
    return tree(clean / "site")


def _fresh_checkout(root: Path) -> None:
    """Every content file's mtime new (a ``git clone``), no byte changed."""
    later = time.time() + 10
    for path in (root / "content").rglob("*.md"):
        os.utime(path, (later, later))


def _counting_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = digest.formats.article.parse_article

    def counting(rel, data, tz):  # type: ignore[no-untyped-def]
        parsed.append(rel)
        return real(rel, data, tz)

    monkeypatch.setattr(digest.formats.article, "parse_article", counting)
    return parsed


@pytest.mark.parametrize("apart", [False, True], ids=["hashed here", "hashed in a process"])
def test_a_fresh_checkout_parses_only_what_changed_and_equals_a_clean_build(
    fixture_site, tmp_path, monkeypatch, apart
):
    options = BuildOptions(root=fixture_site, jobs=2 if apart else 1)
    hashed_by = tmp_path / "hashed-by"
    if apart:  # what a site of thousands of articles does
        monkeypatch.setattr(load_module, "BACKGROUND_REHASH", 1)
        real_key = load_module._key_of_file

        def key_of_file(source, start):  # type: ignore[no-untyped-def]
            with hashed_by.open("a") as file:  # the process it runs in, from any process
                file.write(f"{os.getpid()}\n")
            return real_key(source, start)

        monkeypatch.setattr(load_module, "_key_of_file", key_of_file)
    build(options)
    build(options)
    _fresh_checkout(fixture_site)
    path = fixture_site / ARTICLE
    text = path.read_text()
    path.write_text(text.replace("several streets", "many streets"))  # one real edit too
    new = fixture_site / "content/2013/11/16/a-new-one.md"
    new.write_text(text.replace("Sao Paulo", "Recife").replace("chuva", "chuva-recife"))
    parsed = _counting_parses(monkeypatch)
    asked: list[str] = []
    real_get = Cache.get_record
    monkeypatch.setattr(
        Cache, "get_record", lambda self, key: asked.append(key) or real_get(self, key)
    )
    result = build(options)
    assert result.warnings == []
    assert sorted(parsed) == sorted([ARTICLE, "content/2013/11/16/a-new-one.md"])
    assert len(asked) == 2  # the others: found by their bytes' hash among the last build's rows
    assert "many streets" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)
    if apart:
        assert str(os.getpid()) not in hashed_by.read_text().split()
    # Still racy (the mtimes are ahead of the clock): found by hash again, parsed never.
    parsed.clear()
    _fresh_checkout(fixture_site)
    assert build(options).written == [] and parsed == []


def test_a_fresh_checkout_of_a_changed_file_of_the_same_size_is_seen(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    _fresh_checkout(fixture_site)
    build(options)  # every row: the entry, no stat to trust
    path = fixture_site / ARTICLE
    stat = path.stat()
    path.write_text(path.read_text().replace("several streets", "several streams"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # size and mtime as they were
    build(options)
    assert "several streams" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


def test_a_fresh_checkout_rewrites_only_the_stats_and_the_next_build_trusts_them(
    fixture_site, monkeypatch
):
    # Files written a moment ago are racy (their stats not kept): none is, here.
    monkeypatch.setattr(load_module, "RACY_NS", 0)
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    database = fixture_site / CACHE_DIR / FILENAME

    def rows() -> dict[str, tuple[str, str, str]]:
        with sqlite3.connect(database) as db:
            found = {r[0]: r[1:] for r in db.execute("SELECT rel, stat, key, meta FROM stats")}
        db.close()
        return found

    before = rows()
    earlier = time.time() - 100  # (a future mtime, as _fresh_checkout gives, is racy)
    for path in (fixture_site / "content").rglob("*.md"):
        os.utime(path, (earlier, earlier))
    updates: list[str] = []
    monkeypatch.setattr(Cache, "_transaction", _seeing_updates(Cache._transaction, updates))
    assert build(options).written == []
    after = rows()
    assert after.keys() == before.keys()
    assert {rel: row[1:] for rel, row in after.items()} == {
        rel: row[1:] for rel, row in before.items()
    }  # the same entries and records; only the stats moved
    assert all(after[rel][0] != before[rel][0] for rel in after)
    assert len(updates) == len(after)  # each row's stat alone sent again
    hashed: list[str] = []
    real = load_module._key_of_file
    monkeypatch.setattr(
        load_module,
        "_key_of_file",
        lambda source, start: hashed.append(source.rel) or real(source, start),
    )
    assert build(options, in_place=True).written == [] and hashed == []


def _seeing_updates(real, seen: list[str]):  # type: ignore[no-untyped-def]
    def transaction(self, then):  # type: ignore[no-untyped-def]
        seen.extend(rel for _, rel in self._new_stat_times)
        return real(self, then)

    return transaction


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM stats",  # the cache of a digest that dropped racy files' rows
        "UPDATE stats SET stat = NULL",
        "UPDATE stats SET stat = NULL, key = (SELECT min(key) FROM stats)",
        "UPDATE articles SET meta = replace(meta, '[\"', '[[\"') WHERE key IN "
        "(SELECT key FROM stats)",  # topics holding a list: not a record
    ],
)
def test_an_old_or_damaged_stat_table_is_only_slower(fixture_site, tmp_path, damage):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
        db.execute(damage)
    db.close()
    _fresh_checkout(fixture_site)
    path = fixture_site / ARTICLE
    path.write_text(path.read_text().replace("several streets", "many streets"))
    result = build(options)
    assert result.warnings == []
    assert "many streets" in (fixture_site / PAGE).read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


def test_a_build_that_parses_nothing_imports_no_yaml(fixture_site):
    build(BuildOptions(root=fixture_site, jobs=1))
    (fixture_site / ARTICLE).unlink()
    code = (
        "import sys; from digest.cli import main; code = main(['build', '--jobs', '1']); "
        "print('yaml' in sys.modules, code)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=fixture_site, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "False 0"
    assert not (fixture_site / PAGE).exists()


class _Later(Pending):
    def fetch(self, article: Article) -> str:
        return "the body"


TZ = ZoneInfo("America/New_York")
_text = st.text(st.characters(codec="utf-8"), max_size=30)
# As loading makes them: an instant, in the site's timezone (its fold set where it means one).
_moments = st.datetimes(
    min_value=dt.datetime(1800, 1, 2),
    max_value=dt.datetime(2199, 12, 30),
    timezones=st.just(dt.UTC),
).map(lambda moment: moment.astimezone(TZ))


@st.composite
def _articles(draw) -> Article:  # type: ignore[no-untyped-def]
    return Article(
        path=draw(_text),
        title=draw(_text),
        source=draw(_text),
        url=draw(_text),
        canonical_url=draw(_text),
        published=draw(_moments),
        has_time=draw(st.booleans()),
        slug=draw(_text),
        topics=tuple(draw(st.lists(_text, max_size=4))),
        summary=draw(_text),
        body=draw(_text),
        body_line=draw(st.integers(0, 10_000)),
        content_hash=draw(_text),
        author=draw(_text),
        image=draw(_text),
        image_alt=draw(_text),
        lang=draw(_text),
        draft=draw(st.booleans()),
        story=draw(_text),
        story_alone=draw(st.booleans()),
        reading_time=draw(st.integers(1, 1000)),
        extra=draw(st.dictionaries(_text, st.integers() | _text | st.booleans(), max_size=3)),
        lines=draw(st.dictionaries(_text, st.integers(0, 10_000), max_size=4)),
    )


@settings(max_examples=200, deadline=None)
@given(
    _articles(),
    st.lists(st.tuples(_text, st.integers(0, 99), _text).map(lambda t: Diagnostic(*t))),
)
def test_a_record_decodes_to_the_article_it_was_made_of(article, problems):
    meta, body = records.encode((article, problems))
    for held in (body, _Later()):
        decoded, found = records.decode(meta, held, TZ)
        assert found == problems
        assert decoded == article and decoded.published == article.published
        assert decoded.published.utcoffset() == article.published.utcoffset()
        assert decoded.permalink == article.permalink
        assert decoded.lines == article.lines and decoded.extra == article.extra
        assert decoded.body == (article.body if held is body else "the body")
        assert type(decoded.topics) is tuple
    assert repr(records.decode(meta, body, TZ)[0]) == repr(article)  # every field, the body too


def test_a_record_of_the_wrong_shape_is_refused():
    article = Article(
        path="content/a.md",
        title="A",
        source="S",
        url="https://e.com/a",
        canonical_url="https://e.com/a",
        published=dt.datetime(2013, 1, 1, tzinfo=TZ),
        has_time=False,
        slug="a",
        topics=("T",),
        summary="",
        body="",
        body_line=3,
        content_hash="h",
        lines={"title": 2},
    )
    meta, body = records.encode((article, []))
    records.decode(meta, body, TZ)  # the record itself decodes
    for bad in (
        meta.replace('["T"]', '[["T"]]'),
        meta.replace('["T"]', '[{"T":1}]'),
        meta.replace('["T"]', "[1]"),
        meta.replace('{"title":2}', '{"title":"2"}'),
        meta.replace('{"title":2}', '{"title":true}'),
        meta.replace("2013-01-01T00:00:00-05:00", "2013-01-01T00:00:00"),
        meta.replace("2013-01-01T00:00:00-05:00", "not a date"),
        meta + " ",
        meta[:-1],
    ):
        with pytest.raises(records.BadRecord):
            records.decode(bad, body, TZ)


def test_a_cache_of_format_3_is_taken_over(fixture_site, tmp_path, monkeypatch):
    """Its stats rows have no record of their own: the entry's is read, then the rows get
    theirs, and a build after that finds every file from its row alone."""
    options = BuildOptions(root=fixture_site, jobs=1)
    monkeypatch.setattr(load_module, "RACY_NS", 0)  # the files' stats trusted at once
    build(options)
    with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
        db.execute("ALTER TABLE stats DROP COLUMN meta")
        db.execute("PRAGMA user_version=3")
    db.close()
    path = fixture_site / ARTICLE
    path.write_text(path.read_text().replace("several streets", "many streets"))
    result = build(options)
    assert result.warnings == []
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)
    with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        bare = db.execute("SELECT count(*) FROM stats WHERE meta IS NULL").fetchone()[0]
    db.close()
    assert version == 4 and bare == 0
    asked: list[str] = []
    real_get = Cache.get_record
    monkeypatch.setattr(
        Cache, "get_record", lambda self, key: asked.append(key) or real_get(self, key)
    )
    path.write_text(path.read_text().replace("many streets", "most streets"))
    build(options)
    assert len(asked) == 1 and "most streets" in (fixture_site / PAGE).read_text()
