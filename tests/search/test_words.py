"""The site's word list kept between builds (``digest.search.words``) is always the list
worked out from all the articles, whatever the change, and is worked out again only when
the change is more than new articles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.model import Article
from digest.search import words as words_module
from digest.search.shards import vocabulary
from digest.search.words import SiteWords


def _article(n: int, body: str, day: int = 17, version: str = "") -> Article:
    return Article(
        path=f"content/2013/11/{day}/a{n}.md",
        title=f"Title {n}",
        source="The Daily",
        url=f"https://example.com/{n}",
        canonical_url=f"https://example.com/{n}",
        published=dt.datetime(2013, 11, day, tzinfo=dt.UTC),
        has_time=False,
        slug=f"a{n}",
        topics=("World",),
        summary="",
        body=body,
        body_line=5,
        content_hash=f"{n}-{body}-{version}",
    )


def test_new_articles_add_their_words_without_the_others_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = SiteWords(tmp_path / "cache", tmp_path / "site")
    first = [_article(1, "Geneva talks resume"), _article(2, "Metro strike in Lisbon")]
    assert kept.words(first) == vocabulary(first)
    seen: list[list[str]] = []

    def counting(articles: Sequence[Article]) -> list[str]:
        seen.append([a.path for a in articles])
        return vocabulary(articles)

    monkeypatch.setattr(words_module, "vocabulary", counting)
    more = [*first, _article(3, "Warsaw climate deal")]
    assert kept.words(more) == vocabulary(more)
    assert seen == [["content/2013/11/17/a3.md"]]
    assert kept.words(more) == vocabulary(more) and len(seen) == 1  # nothing new: kept


@pytest.mark.parametrize("change", ["edited", "removed", "moved", "respelled"])
def test_any_other_change_works_the_list_out_again(tmp_path: Path, change: str) -> None:
    kept = SiteWords(tmp_path / "cache", tmp_path / "site")
    first = [_article(1, "Geneva talks resume"), _article(2, "Metro strike in Lisbon")]
    kept.words(first)
    if change == "edited":
        after = [first[0], _article(2, "Metro strike called off", version="2")]
    elif change == "removed":
        after = [first[0]]
    elif change == "moved":  # the same file, another day in the site's zone
        moved = _article(2, "Metro strike in Lisbon", day=18)
        after = [first[0], dataclasses.replace(moved, path=first[1].path)]
    else:  # the same file, its source spelled as a new article spells it (the index's choice)
        new = _article(3, "Lisbon", version="3")
        after = [dataclasses.replace(a, source="Thé Daily") for a in (*first, new)]
        assert kept.words(after) == vocabulary(after)
        assert "thé" in kept.words(after) and "the" not in kept.words(after)
        return
    assert kept.words(after) == vocabulary(after)
    assert "lisbon" not in kept.words(after) or change == "moved"


def test_a_damaged_or_foreign_list_is_not_trusted(tmp_path: Path) -> None:
    kept = SiteWords(tmp_path / "cache", tmp_path / "site")
    first = [_article(1, "Geneva talks resume")]
    kept.words(first)
    assert kept.path is not None
    data = json.loads(kept.path.read_text("utf-8"))
    data["words"] = ["planted", 3]
    kept.path.write_text(json.dumps(data), "utf-8")
    assert kept.words(first) == vocabulary(first)
    data = json.loads(kept.path.read_text("utf-8"))
    kept.path.write_text(json.dumps({**data, "tool": "another", "words": ["planted"]}), "utf-8")
    assert kept.words(first) == vocabulary(first)
    kept.path.write_text("{not json", "utf-8")
    assert kept.words(first) == vocabulary(first)
    assert SiteWords(None, tmp_path / "site").words(first) == vocabulary(first)


_BODIES = st.lists(st.sampled_from(["alpha", "Beta", "gamma's", "délta", "x-y", "7"]), max_size=4)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), _BODIES.map(" ".join)), max_size=6))
def test_after_any_sequence_of_article_sets_the_list_is_a_clean_builds(
    steps: list[tuple[int, str]],
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        kept = SiteWords(Path(tmp) / "cache", Path(tmp) / "site")
        site: dict[int, Article] = {}
        for n, body in steps:
            if body:
                site[n] = _article(n, body)
            else:
                site.pop(n, None)
            articles = list(site.values())
            assert kept.words(articles) == vocabulary(articles)
