"""Bodies left in the cache until read (``digest.incremental.bodies``): an article found in
the cache comes without its body, which is fetched when something reads it. What a build
gives must never depend on it: a template may show every body, the cache may lose the body
after loading, a worker process may be the one reading it."""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
import sqlite3

import pytest
from conftest import article, tree

from digest.commands.build import BuildOptions, build
from digest.config import load_config
from digest.errors import DigestError
from digest.formats.article import parse_article
from digest.incremental.cache import CACHE_DIR, FILENAME, Cache
from digest.model import pending
from digest.pipeline import load

NEW = "content/2013/11/18/new-one.md"


@pytest.fixture
def trusting(monkeypatch):
    """Stats remembered at once: the test's files are seconds old, not racy to a clock."""
    monkeypatch.setattr(load, "RACY_NS", 0)


def _load(root):
    config = load_config(root)
    cache = Cache(root / CACHE_DIR)
    try:
        return load.load_articles(root, config.tz, cache=cache).articles
    finally:
        cache.close()


def _parsed_body(root, rel):
    found, _ = parse_article(rel, (root / rel).read_bytes(), load_config(root).tz)
    assert found is not None
    return found.body


def _clean_build(root, tmp_path):
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", CACHE_DIR))
    build(BuildOptions(root=clean))
    return tree(clean / "site")


@pytest.mark.parametrize("read", ["stat", "bytes"])
def test_a_daily_update_leaves_the_old_bodies_in_the_cache(fixture_site, monkeypatch, read):
    # Found by their stat, or read and found by their bytes (the stat not trusted).
    monkeypatch.setattr(load, "RACY_NS", 0 if read == "stat" else 10**20)
    build(BuildOptions(root=fixture_site))
    (fixture_site / NEW).parent.mkdir(parents=True)
    (fixture_site / NEW).write_text(article("New one", date="2013-11-18", body="Fresh words."))
    articles = _load(fixture_site)
    old = [a for a in articles if a.path != NEW]
    assert old and all(pending(a) is not None for a in old)
    (new,) = (a for a in articles if a.path == NEW)
    assert pending(new) is None and new.body == "Fresh words.\n"
    for a in old:  # the cache is closed: the body comes all the same, and is kept
        assert a.body == _parsed_body(fixture_site, a.path)
        assert pending(a) is None


def test_a_template_showing_every_body_gives_the_clean_site(fixture_site, trusting, tmp_path):
    # Every body on the home page, and on each day's page: read from the cache by the build
    # that follows an edit of one of them.
    (fixture_site / "templates").mkdir()
    each = "{% for a in day.articles %}<pre>{{ a.body }}</pre>{{ a|body_html }}{% endfor %}"
    (fixture_site / "templates" / "day.html").write_text(each + "\n")
    home = "{% for day in days %}" + each + "{% endfor %}\n"
    (fixture_site / "templates" / "home.html").write_text(home)
    options = BuildOptions(root=fixture_site, jobs=2)
    build(options)
    path = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    path.write_text(path.read_text().replace("several streets", "a few streets"))
    build(options)
    day = (fixture_site / "site/2013/11/16/index.html").read_text()
    assert "a few streets" in day and "<pre>" in (fixture_site / "site/index.html").read_text()
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)


def _body_in_child(connection, item) -> None:
    connection.send(pickle.loads(item).body)


def test_a_body_crosses_to_a_worker_process_unread(fixture_site, trusting):
    build(BuildOptions(root=fixture_site))
    first = _load(fixture_site)[0]
    item = pickle.dumps(first)
    assert len(item) < len(first.path) + 2000  # not the body: a note of where it is
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    worker = context.Process(target=_body_in_child, args=(child, item))
    worker.start()
    body = parent.recv()
    worker.join()
    assert body == _parsed_body(fixture_site, first.path)
    assert pending(first) is not None  # read there, not here


@pytest.mark.parametrize("loss", ["file", "rows"])
def test_a_body_the_cache_lost_comes_from_the_file(fixture_site, trusting, loss):
    build(BuildOptions(root=fixture_site))
    articles = _load(fixture_site)
    database = fixture_site / CACHE_DIR / FILENAME
    if loss == "file":
        shutil.rmtree(fixture_site / CACHE_DIR)
    else:
        with sqlite3.connect(database) as db:
            db.execute("UPDATE articles SET body = NULL")
    for a in articles:
        assert a.body == _parsed_body(fixture_site, a.path)


def test_a_file_changed_since_loading_with_its_body_lost_is_an_error_at_it(fixture_site, trusting):
    build(BuildOptions(root=fixture_site))
    articles = _load(fixture_site)
    shutil.rmtree(fixture_site / CACHE_DIR)
    changed = articles[0]
    path = fixture_site / changed.path
    path.write_text(path.read_text() + "\nA paragraph written during the build.\n")
    with pytest.raises(DigestError) as raised:
        changed.body  # noqa: B018 -- the read is what is tested
    (problem,) = raised.value.diagnostics
    assert problem.path == changed.path and "changed during the build" in problem.message


def test_a_front_matter_edit_keeps_the_page_right(fixture_site, trusting, tmp_path):
    # The rendered body is kept by the file's bytes: an edit of the title alone renders
    # it again, to the same HTML.
    options = BuildOptions(root=fixture_site)
    build(options)
    path = fixture_site / "content/2013/11/16/sao-paulo-rain.md"
    path.write_text(path.read_text().replace("title: ", "title: Update - ", 1))
    build(options)
    page = (fixture_site / "site/2013/11/16/sao-paulo-rain/index.html").read_text()
    assert "Update - " in page and "several streets" in page
    assert tree(fixture_site / "site") == _clean_build(fixture_site, tmp_path)
