"""The cache's memos: what a stage keeps of the last build, written again only when it
changed, and told apart from the last one by a digest, not by holding its megabytes."""

from __future__ import annotations

import sqlite3

import pytest

from digest.incremental.cache import FILENAME, Cache


def _stored(folder) -> dict[str, str]:
    with sqlite3.connect(folder / FILENAME) as db:
        rows = db.execute("SELECT name, value FROM memos")
        return {name: value.decode("utf-8", "surrogatepass") for name, value in rows}


def _build(folder, name: str, new: str | None, problems: list[str] | None = None) -> str | None:
    """One build's use of a memo: read the last one, keep ``new``, save; the cache's
    warning, if any, into ``problems``."""
    cache = Cache(folder)
    try:
        last = cache.get_memo(name)
        cache.put_memo(name, new)
        cache.save([], [])
    finally:
        cache.close()
    if problems is not None and cache.warning is not None:
        problems.append(cache.warning)
    return last


@pytest.mark.parametrize(
    "new",
    ["[1,2,4]", "[1,2,3,4]", "", "[1,2]", '["é"]', "[" + "7," * 1_500_000 + "7]", "é" * 1_100_000],
    ids=["same length", "longer", "empty", "shorter", "not ascii", "megabytes", "not ascii, long"],
)
def test_a_changed_memo_is_kept_for_the_next_build(tmp_path, new):
    folder = tmp_path / ".digest-cache"
    assert _build(folder, "related", "[1,2,3]") is None
    assert _build(folder, "related", new) == "[1,2,3]"
    assert _build(folder, "related", new) == new
    assert _stored(folder) == {"related": new}


def test_an_unchanged_memo_is_not_written_again(tmp_path):
    folder = tmp_path / ".digest-cache"
    _build(folder, "stories", "x" * 100_000)
    with sqlite3.connect(folder / FILENAME) as db:
        for event in ("UPDATE", "INSERT"):
            fail = "BEGIN SELECT RAISE(FAIL, 'w'); END"
            db.execute(f"CREATE TRIGGER on_{event} AFTER {event} ON memos {fail}")
    problems: list[str] = []
    _build(folder, "stories", "x" * 100_000, problems)  # a write would fail, with a warning
    assert problems == []
    _build(folder, "stories", "x" * 99_999 + "z", problems)  # as a change does
    assert problems and "w" in problems[0]
    assert _stored(folder) == {"stories": "x" * 100_000}


def test_the_memo_read_is_not_held(tmp_path):
    folder = tmp_path / ".digest-cache"
    _build(folder, "stories", "y" * 1_000_000)
    cache = Cache(folder)
    try:
        assert cache.get_memo("stories") == "y" * 1_000_000
        held = [v for v in vars(cache).values() if isinstance(v, dict)]
        assert not any(
            isinstance(x, str) and len(x) >= 1_000_000
            for d in held
            for x in [*d.values(), *(y for v in d.values() if isinstance(v, tuple) for y in v)]
        )
    finally:
        cache.close()


def test_an_older_caches_memo_as_text_is_read_and_bytes_that_are_no_text_are_none(tmp_path):
    folder = tmp_path / ".digest-cache"
    _build(folder, "related", "[1]")
    with sqlite3.connect(folder / FILENAME) as db:
        db.execute("UPDATE memos SET value = ? WHERE name = 'related'", ("[2]",))  # as text
        db.execute("INSERT INTO memos VALUES ('stories', ?)", (b"\xff\xfe",))
    cache = Cache(folder)
    try:
        assert cache.get_memo("related") == "[2]"
        assert cache.get_memo("stories") is None
    finally:
        cache.close()
