"""Fragments: what ``kept()`` rendered of one article in the last build, found again by the
next. A build must give the site a clean build gives, whatever the cache holds of them."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import article, differs_from_clean, tree

from digest.commands.build import BuildOptions, build
from digest.incremental import cache as cache_module
from digest.incremental import fragments as fragments_module
from digest.incremental.cache import CACHE_DIR, FILENAME, Cache
from digest.incremental.fragments import Fragments, listed

NEW = "content/2013/11/18/new-pipeline.md"
FEEDS = "templates/_feeds.xml"


def _rows(root, query="SELECT key, ident, html, names FROM fragments"):
    with sqlite3.connect(root / CACHE_DIR / FILENAME) as db:
        return db.execute(query).fetchall()


def _new_day(root, title="Pipeline talks resume"):
    (root / NEW).parent.mkdir(parents=True, exist_ok=True)
    (root / NEW).write_text(
        article(title=title, date="2013-11-18", body="More.", topics="[Energy]")
    )


@pytest.fixture
def found(monkeypatch):
    """The fragments ``Cache.get_fragments`` gave back, as (article, key, text, names);
    ``found.asked``: how many articles each query asked for; ``found.identities``: each
    article asked for, in order."""

    class Hits(list):
        asked: list[int]
        identities: list[str]

    hits = Hits()
    asked: list[int] = []
    identities: list[str] = []
    get = Cache.get_fragments

    def spy(self, articles):
        rows = get(self, articles)
        hits.extend(rows)
        asked.append(len(articles))
        identities.extend(articles)
        return rows

    hits.asked = asked  # type: ignore[attr-defined]
    hits.identities = identities  # type: ignore[attr-defined]

    monkeypatch.setattr(Cache, "get_fragments", spy)
    return hits


def test_a_new_day_takes_the_items_and_entries_the_last_build_rendered(
    fixture_site, found, tmp_path
):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    rows = _rows(fixture_site)
    assert rows, "the build kept no fragment"
    texts = [html for _, _, html, _ in rows]
    assert any(t.startswith('<li class="article-item"') for t in texts)  # topic pages' items
    assert any(t.startswith("<entry>") for t in texts)
    assert any(t.startswith('    {\n      "id": ') for t in texts)
    for _, _, _, names in rows:  # the fields each render read, for the pages' reads
        assert set(json.loads(names)) <= {"*"} | {
            "title",
            "permalink",
            "source",
            "url",
            "summary",
            "published",
            "topics",
            "lang",
            "day",
            "has_time",
            "reading_time",
            "author",
            "canonical_url",
        }
    _new_day(fixture_site)
    build(options)
    assert found, "the second build rendered every fragment again"
    # A feed's entries are fetched together, at the page's first kept() call.
    assert max(found.asked) > 1
    assert differs_from_clean(fixture_site, tmp_path) == []


@pytest.mark.parametrize("held", [8, 4096])
def test_an_article_fetched_is_not_asked_for_again(
    fixture_site, found, tmp_path, monkeypatch, held
):
    # With fewer articles' fragments held at once than the site has (but a page's), the
    # ones given are remembered: the next page that lists them asks nothing (``cached``
    # answers their calls).
    monkeypatch.setattr(fragments_module, "FETCHED_AT_MOST", held)
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    _new_day(fixture_site)
    found.identities.clear()  # the second build's own (each build has its own)
    build(options)
    assert found and len(found.identities) == len(set(found.identities))
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_page_asks_once_for_the_articles_it_lists(fixture_site):
    # A page's articles are fetched together at its first kept() call, not one query each.
    from zoneinfo import ZoneInfo

    from digest.pipeline.load import load_articles

    a, b, c = load_articles(fixture_site, ZoneInfo("UTC")).articles[:3]
    queries: list[list[str]] = []

    class Kept:
        def get_fragments(self, identities):
            queries.append(list(identities))
            return []

    fragments = Fragments(Kept, "tool", lambda name: name, lambda a: a.content_hash)
    macro = _Macro()
    fragments.pending = {"days": ((a.day, (a, b)), (c.day, (c,)))}
    for one in (a, b, c):
        assert fragments.get(fragments.key(macro, (one,))) is None  # none kept
    assert len(queries) == 1 and len(queries[0]) == 3 and fragments.pending is None
    fragments.fetch([a, b, c])  # the next page of the template: asked already
    assert fragments.get(fragments.key(_Macro("other"), (a,))) is None
    assert len(queries) == 1


def test_what_is_remembered_as_fetched_is_bounded(fixture_site, found, tmp_path, monkeypatch):
    monkeypatch.setattr(fragments_module, "FETCHED_AT_MOST", 2)
    monkeypatch.setattr(fragments_module, "ASKED_AT_MOST", 3)
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    _new_day(fixture_site)
    found.identities.clear()
    build(options)
    assert found and len(found.identities) > len(set(found.identities))  # asked again
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_base_url_given_for_one_build_is_not_answered_by_kept_items(fixture_site, tmp_path):
    # Every kept item links with the base path: fragments of another base are not reused.
    build(BuildOptions(root=fixture_site, jobs=1))
    build(BuildOptions(root=fixture_site, jobs=1, base_url="https://example.org/repo/"))
    topic = next((fixture_site / "site/topics").glob("*/index.html")).read_text()
    assert 'class="article-item"' in topic and 'href="/repo/' in topic
    clean = tmp_path / "clean"
    build(
        BuildOptions(
            root=fixture_site, output=clean, force=True, base_url="https://example.org/repo/"
        )
    )
    assert tree(fixture_site / "site") == tree(clean)


def test_a_changed_article_is_rendered_again_not_taken(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    path = fixture_site / "content/2013/11/17/syria-talks.md"
    path.write_text(path.read_text().replace("title: ", "title: Revised ", 1))
    build(options)
    assert differs_from_clean(fixture_site, tmp_path) == []
    feed = (fixture_site / "site/feed.xml").read_text()
    assert "Revised " in feed


def _edit_feeds(root, old="<entry>", new="<entry><!-- edited -->"):
    from digest.pipeline.render import THEME_DIR

    feeds = (THEME_DIR / "templates/_feeds.xml").read_text()
    assert old in feeds
    (root / FEEDS).parent.mkdir(exist_ok=True)
    (root / FEEDS).write_text(feeds.replace(old, new))


def test_an_edited_macro_is_not_answered_by_the_last_builds_fragments(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    before = {ident for _, ident, _, _ in _rows(fixture_site)}
    _edit_feeds(fixture_site)
    build(options)
    assert "<entry><!-- edited -->" in (fixture_site / "site/topics/energy/feed.xml").read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []
    after = {ident for _, ident, _, _ in _rows(fixture_site)}
    assert after - before, "the edited macros' fragments were not kept under a new identity"


@pytest.mark.parametrize(
    "html, names",
    [
        (None, '["title"]'),
        ("<li>forged</li>", "not json"),
        ("<li>forged</li>", '{"title": 1}'),
        ("<li>forged</li>", "[]"),
        ("<li>forged</li>", '["__class__"]'),
        ("<li>forged</li>", "[1]"),
        (b"<li>forged</li>", '["title"]'),
    ],
)
def test_a_damaged_fragment_is_a_miss(fixture_site, tmp_path, html, names):
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    assert _rows(fixture_site), "nothing kept: there would be nothing to damage"
    with sqlite3.connect(fixture_site / CACHE_DIR / FILENAME) as db:
        db.execute("UPDATE fragments SET html=?, names=?", (html, names))
    _new_day(fixture_site)
    build(options)
    assert "forged" not in (fixture_site / "site/topics/energy/feed.xml").read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_fragments_of_templates_and_articles_gone_are_dropped(fixture_site, monkeypatch):
    monkeypatch.setattr(cache_module, "SLACK", 0)
    monkeypatch.setattr(cache_module, "FRAGMENTS", 0)  # every build looks for unused rows
    options = BuildOptions(root=fixture_site, jobs=1)
    build(options)
    rows = _rows(fixture_site)
    first = {ident for _, ident, html, _ in rows if html.startswith("<entry>")}
    items = {ident for _, ident, html, _ in rows if html.startswith("<li")}
    _edit_feeds(fixture_site)
    (fixture_site / "content/2013/11/17/syria-talks.md").unlink()
    build(options)
    rows = _rows(fixture_site)
    idents = {ident for _, ident, _, _ in rows}
    assert len(first) == 1 and not idents & first  # the old template's rows gone
    assert items and items <= idents  # the list items' template is unchanged: theirs stay
    assert not any("syria-talks" in html for _, _, html, _ in rows)


class _Macro:
    """Stands in for a Jinja macro of a template named ``name``."""

    def __init__(self, name="item"):
        self.name = name
        self._func = eval("lambda: None", {"name": "_macros.html"})


def test_a_call_is_kept_only_for_one_article_among_plain_values(fixture_site):
    from zoneinfo import ZoneInfo

    from digest.pipeline.load import load_articles

    articles = load_articles(fixture_site, ZoneInfo("UTC")).articles
    first, second = articles[0], articles[1]
    fragments = Fragments(lambda: None, "tool", lambda name: name, lambda a: a.content_hash)
    macro = _Macro()
    assert fragments.key(macro, (first,)) is not None
    assert fragments.key(macro, (first, second)) is None
    assert fragments.key(macro, ("plain", 1)) is None
    assert fragments.key(macro, (first, ["a list"])) is None
    keys = {
        fragments.key(macro, args)[0]
        for args in [(first,), (first, False), (first, None, True), (None, first, True), (second,)]
    }
    assert len(keys) == 5  # the other arguments, where the article stands, which article
    assert fragments.key(_Macro("other"), (first,))[0] not in keys
    made_elsewhere = _Macro()
    made_elsewhere._func = lambda: None  # no template's name: not kept
    assert fragments.key(made_elsewhere, (first,)) is None


def test_the_articles_a_page_lists_are_found_in_its_context(fixture_site):
    from zoneinfo import ZoneInfo

    from digest.pipeline.load import load_articles

    a, b, c, d = load_articles(fixture_site, ZoneInfo("UTC")).articles[:4]
    context = {
        "articles": [a, b],  # a feed's entries
        "days": ((a.day, (c,)), (b.day, [d, "not an article"])),  # a term page's
        "deeper": (((a.day, (b,)),),),  # nested further: not looked into
        "article": a,  # one article, not a list
        "empty": [],
        "names": ["x", "y"],
    }
    assert [x.path for x in listed(context)] == [a.path, b.path, c.path, d.path]
    assert list(listed({"pairs": [(1, 2)], "mixed": ("x", [a])})) == []


def test_workers_send_their_fragments_back(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site, jobs=2)
    build(options)
    assert _rows(fixture_site)
    _new_day(fixture_site)
    build(options)
    assert differs_from_clean(fixture_site, tmp_path) == []


class _KeySpy:
    """Fragments that record each call they are asked the key of, and keep none."""

    def __init__(self, asked: list[tuple]) -> None:
        self.asked = asked

    def key(self, macro, args):
        self.asked.append(args)
        return None


def test_only_kept_calls_are_looked_for_and_kept(fixture_site):
    from digest.incremental.reads import ReadTracking

    env = ReadTracking()
    asked: list[tuple] = []
    env.fragments = _KeySpy(asked)
    template = env.from_string(
        "{% macro item(a) %}[{{ a }}]{% endmacro %}{{ cached(item, 'x') }}{{ kept(item, 'y') }}"
    )
    assert template.render() == "[x][y]"
    assert asked == [("y",)]
    with pytest.raises(TypeError, match=r"kept\(\) takes a macro"):
        env.from_string("{{ kept('not a macro') }}").render()


def test_kept_each_is_kept_of_each_item_followed_by_its_end_escaped(fixture_site):
    """``kept_each(macro, items, end)`` renders as the loop of ``kept`` calls it stands
    for, each call kept as that loop's would be; ``end`` is text, escaped like any."""
    from digest.incremental.reads import ReadTracking

    env = ReadTracking(autoescape=True, trim_blocks=True)
    asked: list[tuple] = []
    env.fragments = _KeySpy(asked)
    macro = "{% macro item(a) %}<li>{{ a }}</li>{% endmacro %}"
    each = env.from_string(macro + '{{ kept_each(item, ["a", "<b>"], "\\n") }}|')
    loop = env.from_string(macro + '{% for x in ["a", "<b>"] %}{{ kept(item, x) }}\n{% endfor %}|')
    assert each.render() == loop.render() == "<li>a</li>\n<li>&lt;b&gt;</li>\n|"
    assert asked == [("a",), ("<b>",)] * 2
    sep = env.from_string(macro + '{{ kept_each(item, ["a"], "<br>") }}{{ kept_each(item, []) }}')
    assert sep.render() == "<li>a</li>&lt;br&gt;"
    with pytest.raises(TypeError, match=r"kept\(\) takes a macro"):
        env.from_string("{{ kept_each('not a macro', ['x']) }}").render()
