"""The shortcuts of clustering give what the plain rules give, for any input: whether a chunk
ends a sentence, a word with its doubled letters made single, a story of one article."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from digest.clustering import StoryItem, cluster
from digest.clustering.terms import _DOUBLE, _SENTENCE_END, _SINGLE_CAPITAL, Terms, _single

# Chunks are what ``str.split`` gives: no white space. Built as a start, maybe a character
# that ends sentences, and maybe closing quotes and brackets, so that every way of ending one
# (and of not quite ending one) comes up.
_CHUNKS = (
    st.tuples(
        st.text(st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), max_size=6),
        st.sampled_from(["", ".", "!", "?", ":", ";", ",", "-", "A.", "U.S.", "F."]),
        st.text(st.sampled_from(list("\"'”’»)](«“‘a.")), max_size=3),
    )
    .map("".join)
    .filter(lambda chunk: chunk.split() == [chunk])
)


@given(_CHUNKS)
def test_a_chunk_ends_a_sentence_as_the_patterns_say(chunk: str) -> None:
    # _chunk skips the patterns for a chunk whose last character no match can end with.
    ends = bool(_SENTENCE_END.search(chunk)) and not _SINGLE_CAPITAL.search(chunk)
    known = Terms._chunk(chunk)
    assert known[2] is ends


@given(
    st.text(min_size=1, max_size=30),
    st.sampled_from(["Reuters", "AP", "Folha"]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(
        [dt.UTC, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=9))]
    ),
)
def test_a_story_of_one_article(title: str, source: str, minutes: int, zone: dt.tzinfo) -> None:
    # A story of one article is made without the sorting and merging of a longer one.
    published = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).astimezone(zone) + dt.timedelta(
        minutes=minutes
    )
    item = StoryItem(key="a.md", title=title, text="", source=source, published=published)
    (story,) = cluster([item])
    assert story.keys == ("a.md",)
    assert (story.lead, story.title, story.sources) == ("a.md", title, (source,))
    assert story.days == (published.date(),)
    assert story.explicit is False


@given(st.text(st.sampled_from(list("aabbcl.éé~")), max_size=10) | st.text(max_size=10))
def test_doubled_letters_are_made_single_as_the_pattern_says(word: str) -> None:
    # _single skips the substitution when a search finds no doubled letter.
    assert _single(word) == _DOUBLE.sub(r"\1", word)
