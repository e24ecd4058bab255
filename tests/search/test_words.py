"""The words bundle's pages (``digest.search.words``): each shard's page holds the pieces of
the text Pagefind searches in its pages (body, title, source, date; not the topics, the
footer or the related list), and a build reads the pages of the shards whose content
changed only."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.search.projection import searched_pieces
from digest.search.shards import Shard
from digest.search.words import ShardWords, words_key, words_page

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Pipeline &amp; gas · Site</title></head>
<body><header><a href="/">Site heading</a></header>
<article><h1 class="page-title" data-pagefind-meta="title">Pipeline &amp; gas</h1>
<p class="meta"><a class="source" data-pagefind-filter="source" data-pagefind-meta="source">The
Moscow Times</a> · <time data-pagefind-meta="date" datetime="2013-11-15">15 November 2013</time>
<span class="author">Anna Author</span></p>
<ul><li><a data-pagefind-filter="topic">Energy</a></li></ul>
<div class="body" data-pagefind-body>
<p>Regulators <em>app</em>roved the pipe<a href="/x">line</a>, officials said.</p>
<p>Second<br>line</p><script>var hidden = 1;</script>
</div>
<footer data-pagefind-ignore><p>Read the original</p></footer></article>
<aside class="related"><h2>Related</h2><a>Other story</a></aside></body></html>
"""


def test_the_pieces_are_the_text_pagefind_searches():
    pieces = searched_pieces(PAGE.encode())
    assert pieces == {
        "Pipeline",
        "&",
        "gas",
        "The",
        "Moscow",
        "Times",
        "15",
        "November",
        "2013",
        "Regulators",
        "approved",  # an inline tag does not split a word
        "the",
        "pipeline,",
        "officials",
        "said.",
        "Second",
        "line",
    }
    assert searched_pieces(b"<html><body><p>No body marked</p></body></html>") == set()


def test_a_words_page_names_its_shard_and_escapes_its_words():
    page = words_page("2013-11", ["b<c", "a"], "de").decode()
    assert '<html lang="de">' in page
    assert 'data-pagefind-filter="shard:2013-11"' in page
    assert ">a b&lt;c</div>" in page


def _shard(name: str, n: int) -> Shard:
    return Shard((name.replace("-", "/"),), tuple(f"{name}/a{i}/index.html" for i in range(n)))


def _article_page(word: str) -> bytes:
    return f"<html><body><div data-pagefind-body><p>{word}</p></div></body></html>".encode()


def test_only_the_shards_whose_content_changed_are_read(tmp_path: Path):
    cache = tmp_path / "cache"
    old, new = _shard("2013-10", 2), _shard("2013-11", 2)
    texts = {rel: f"word{i}" for i, rel in enumerate([*old.articles, *new.articles])}
    read: list[str] = []

    def reader(rel: str) -> bytes:
        read.append(rel)
        return _article_page(texts[rel])

    contents = {"2013-10": "c1", "2013-11": "c2"}
    first = ShardWords(cache, tmp_path / "site")
    pages = first.pages([old, new], contents, "en", reader)
    first.save()
    assert sorted(read) == sorted(texts)
    assert b"word0 word1" in pages["2013-10"] and b"word2 word3" in pages["2013-11"]

    # The newest shard's content changed (a new word): only its pages are read again.
    read.clear()
    texts[new.articles[0]] = "brandnew"
    again = ShardWords(cache, tmp_path / "site")
    changed = again.pages([old, new], {**contents, "2013-11": "c3"}, "en", reader)
    again.save()
    assert sorted(read) == sorted(new.articles)
    assert changed["2013-10"] == pages["2013-10"]
    assert b"brandnew word3" in changed["2013-11"]

    # A damaged cache, or none: every shard is read, the pages are the same.
    (cache / again.path.name).write_text(json.dumps({"format": 1, "shards": "nonsense"}))
    read.clear()
    damaged = ShardWords(cache, tmp_path / "site").pages(
        [old, new], {**contents, "2013-11": "c3"}, "en", reader
    )
    assert damaged == changed and sorted(read) == sorted(texts)
    assert (
        ShardWords(None, tmp_path / "site").pages(
            [old, new], {**contents, "2013-11": "c3"}, "en", reader
        )
        == changed
    )


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(["2013-01", "2013-02", "2013-03"]), st.text(max_size=8)))
def test_the_words_key_changes_with_any_shard_s_content(contents: dict[str, str]):
    key = words_key(contents)
    assert key == words_key(dict(reversed(list(contents.items()))))
    for name in contents:
        assert words_key({**contents, name: contents[name] + "x"}) != key
    assert words_key({**contents, "2013-04": ""}) != key


def test_the_newest_shard_finds_the_pieces_of_its_changed_pages_only(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    old, new = _shard("2013-10", 3), _shard("2013-11", 4)
    texts = {rel: f"word{i} shared" for i, rel in enumerate([*old.articles, *new.articles])}
    contents = {"2013-10": "c1", "2013-11": "c2"}
    first = ShardWords(cache, tmp_path / "site")
    first.pages([old, new], contents, "en", lambda rel: _article_page(texts[rel]))
    first.save()

    searched: list[bytes] = []

    def counting(page: bytes) -> set[str]:
        searched.append(page)
        return searched_pieces(page)

    monkeypatch.setattr("digest.search.words.searched_pieces", counting)
    # A new day: one page of the newest shard changed, one came.
    texts[new.articles[1]] = "edited shared"
    grown = Shard(new.units, (*new.articles, "2013-11/a9/index.html"))
    texts[grown.articles[-1]] = "newcomer"
    again = ShardWords(cache, tmp_path / "site")
    page_of = lambda rel: _article_page(texts[rel])  # noqa: E731
    changed = again.pages([old, grown], {**contents, "2013-11": "c3"}, "en", page_of)
    again.save()
    assert searched == [_article_page("edited shared"), _article_page("newcomer")]
    # The same words as found from nothing, and the next build has them all.
    fresh = ShardWords(None, tmp_path / "site").pages(
        [old, grown], {**contents, "2013-11": "c3"}, "en", lambda rel: _article_page(texts[rel])
    )
    assert changed == fresh
    assert b"edited" in changed["2013-11"] and b"word4" not in changed["2013-11"]
    searched.clear()
    ShardWords(cache, tmp_path / "site").pages(
        [old, grown], {**contents, "2013-11": "c4"}, "en", lambda rel: _article_page(texts[rel])
    )
    assert searched == []


def test_a_cached_string_is_not_taken_for_a_list_of_words(tmp_path):
    cache = tmp_path / "cache"
    shard = _shard("2013-11", 1)
    words = ShardWords(cache, tmp_path / "site")
    words.pages([shard], {"2013-11": "c"}, "en", lambda rel: _article_page("real"))
    words.save()
    data = json.loads(words.path.read_text())
    data["shards"]["2013-11"][1] = "fake"
    data["pages"][shard.articles[0]][1] = "fake"
    words.path.write_text(json.dumps(data))
    again = ShardWords(cache, tmp_path / "site")
    page = again.pages([shard], {"2013-11": "c"}, "en", lambda rel: _article_page("real"))
    fresh = ShardWords(None, tmp_path / "site")
    assert page == fresh.pages([shard], {"2013-11": "c"}, "en", lambda rel: _article_page("real"))
