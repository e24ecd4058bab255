"""The front-matter fast path (digest/formats/frontmatter_fast.py) equals PyYAML or says "not sure".

For any text, ``fast_front_matter(text, FrontMatterLoader)`` is None or exactly what
``yaml.load(text, Loader=FrontMatterLoader)`` returns: same keys in the same order, same
values, same types. And it is not None for the front-matter real articles have.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from digest.formats.frontmatter import (
    FrontMatterLoader,
    decode_text,
    load_yaml,
    split_front_matter,
)
from digest.formats.frontmatter_fast import fast_front_matter

GEN_CORPUS = REPO / "bench" / "gen_corpus.py"
FUZZ_SCALE = max(1, settings.default.max_examples // 100)


def fast(text: str) -> dict[str, Any] | None:
    return fast_front_matter(text, FrontMatterLoader)


def same(a: Any, b: Any) -> bool:
    """Equal values of the same types, all the way down; dicts in the same key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class PureLoader(yaml.SafeLoader):
    """PyYAML without libyaml (what FrontMatterLoader is where libyaml is missing), with
    FrontMatterLoader's resolvers: the fast path must agree with both."""


PureLoader.yaml_implicit_resolvers = FrontMatterLoader.yaml_implicit_resolvers


def check(text: str) -> dict[str, Any] | None:
    """The fast answer, after checking it is None or PyYAML's, with and without libyaml."""
    got = fast(text)
    if got is None:
        return None
    assert isinstance(got, dict)
    assert same(fast_front_matter(text, PureLoader), got)
    for loader in (FrontMatterLoader, PureLoader):
        try:
            want = yaml.load(text, Loader=loader)
        except Exception as exc:  # PyYAML refuses it: the fast path must not accept it
            raise AssertionError(f"fast path took {text!r}, PyYAML raised {exc!r}") from None
        assert same(got, want), (text, got, want, loader)
    return got


def test_same_helper_compares_types() -> None:
    assert same({"a": [1, "x", None]}, {"a": [1, "x", None]})
    assert not same({"a": 1}, {"a": True})
    assert not same({"a": 1}, {"a": 1.0})
    assert not same({"a": "1"}, {"a": 1})
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same({"a": [1]}, {"a": (1,)})


# -- ordinary front-matter: the fast path must take it ----------------------------------

ORDINARY = """
title: "Berlin: of Lifted Tymoshenko Outbreak in Food Are Blames"
source: The Times of India
date: 2014-03-23
url: https://www.thetimesofindia.com/2014/03/23/berlin-of-lifted-a26720
topics: [Economy, Japan, Business]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ORDINARY,
            {
                "title": "Berlin: of Lifted Tymoshenko Outbreak in Food Are Blames",
                "source": "The Times of India",
                "date": "2014-03-23",
                "url": "https://www.thetimesofindia.com/2014/03/23/berlin-of-lifted-a26720",
                "topics": ["Economy", "Japan", "Business"],
            },
        ),
        ("\ntitle: São Paulo: a city\n", None),  # ": " in a plain scalar: PyYAML's error
        ("\ntitle: Seleção goleia Honduras\nsource: El País\n", ...),
        ("\nurl: https://x.org/a?b=c&d=e#frag\n", ...),
        ("\nurl: https://x.org/a # a comment\n", {"url": "https://x.org/a"}),
        ("\n# a comment\ntitle: x\n\n   \n", {"title": "x"}),
        ("\ndraft: true\nlang: pt\n", {"draft": True, "lang": "pt"}),
        ("\ndraft: False\nlang: no\n", {"draft": False, "lang": False}),
        ("\nsummary:\nimage: ~\n", {"summary": None, "image": None}),
        ("\ncount: 12\nneg: -5\n", None),  # a leading '-' is left to PyYAML
        ("\ncount: 12\nplus: +5\n", {"count": 12, "plus": 5}),
        ("\ntitle: 'It''s here'\n", {"title": "It's here"}),
        ("\ntitle: \"say 'hi'\"  \n", {"title": "say 'hi'"}),
        ("\ntitle: Sony's PlayStation 4, at last [sic] {x}\n", ...),
        ("\ntopics: []\n", {"topics": []}),
        ("\ntopics: [ ]\n", {"topics": []}),
        ("\ntopics: Economy\n", {"topics": "Economy"}),
        ("\ntopics: [São Paulo, 'R&D', \"a, b]\"]\n", {"topics": ["São Paulo", "R&D", "a, b]"]}),
        ("\ntopics: [Sony's, a b ,c]  # why\n", {"topics": ["Sony's", "a b", "c"]}),
        ("\ntopics: [2013, yes, null]\n", {"topics": [2013, True, None]}),
        (
            "\ntopics:\n  - Economy\n  - Japan\ndate: x\n",
            {"topics": ["Economy", "Japan"], "date": "x"},
        ),
        ("\ntopics:\n- Economy\n- 'Japan'\n", {"topics": ["Economy", "Japan"]}),
        ('\ntopics: # list\n\n   - a # c\n# c\n   - "b"\n', {"topics": ["a", "b"]}),
        # Outside the subset: PyYAML decides.
        ("", None),
        ("\n", None),
        ("\n# only a comment\n", None),
        ("\ntitle: x\ntitle: y\n", None),
        ("\ntitle:\tx\n", None),
        ("\ntitle: x\n  continued\n", None),
        ("\ntitle: |\n  x\n", None),
        ("\ntitle: &a x\nsource: *a\n", None),
        ("\ntitle: !!str 1\n", None),
        ('\ntitle: "a \\" b"\n', None),
        ("\nratio: 1.5\n", None),
        ("\nn: 0x1F\nm: 1_000\n", None),
        ("\nt: 12:30\n", None),
        ("\nyes: x\n", None),
        ("\nmeta:\n  a: b\n", None),
        ("\ntopics: [a, [b]]\n", None),
        ("\ntopics: [a[b]\n", None),
        ("\ntopics: [a{b, c]\n", None),
        ("\ntopics: [a}b, 'c']\n", None),
        ("\ntopics: [a #b]\n", None),
        ("\ntopics: [a #b, 'c']\n", None),
        ("\ntopics: [a?b]\n", None),  # libyaml: ['a?b']; PyYAML: an error
        ('\ntopics: ["000000", 0?]\n', None),
        ("\ntitle: x\n- a\n", None),
        ("\nsummary:\ntitle: x\n- a\n", None),
        ("\ntitle: x\n  - a\n", None),
        ("\ntopics: [a,]\n", None),
        ("\ntopics:\n  - a\n   - b\n", None),
        ("\ntopics:\n- a\n-\n", None),
        ("\n? title\n: x\n", None),
        ("\n---\ntitle: x\n", None),
        ("\ufefftitle: x\n", None),
        ("\ntitle: x\u2028y\n", None),
        ("\ntitle: x\r\n", None),
        ("\nn: " + "1" * 5000 + "\n", None),
        ("\n" + "k" * 2000 + ": x\n", None),
    ],
)
def test_examples(text: str, expected: Any) -> None:
    got = check(text)
    if expected is ...:  # taken, whatever it is
        assert got is not None
    else:
        assert same(got, expected), got


def test_the_loaders_resolvers_and_constructors_are_used() -> None:
    text = "\ndate: 2014-03-23\n"
    assert check(text) == {"date": "2014-03-23"}  # FrontMatterLoader: no timestamps
    assert fast_front_matter(text, yaml.SafeLoader) is None  # a date: PyYAML builds it

    class Shouting(FrontMatterLoader):  # type: ignore[misc, valid-type]
        pass

    Shouting.add_constructor("tag:yaml.org,2002:str", lambda loader, node: node.value.upper())
    assert yaml.load("\ntitle: x\n", Loader=Shouting) == {"TITLE": "X"}
    assert fast_front_matter("\ntitle: x\n", Shouting) is None


# -- the property: fast is None or PyYAML's value ---------------------------------------

TRICKY = [
    "yes", "No", "on", "OFF", "y", "n", "null", "Null", "NULL", "~", "true", "True",
    "FALSE", "0", "00", "07", "08", "-5", "+5", "-0", "+0", "12", "1" * 30, "0x1F",
    "0o17", "0b101", "1_000", "1__0", ".inf", "-.Inf", ".nan", ".5", "1.", "1e3", "1.0e+3",
    "12:30", "190:20:30", "1:60", "2014-03-23", "2014-03-23 10:00:00", "2013-02-30",
    "=", "<<", "a:b", "a: b", "a :b", "a:", ":", ":a", "a #b", "a#b", "#", "#x", "-",
    "- a", "-a", "--", "---", "...", "?", "? a", "?a", "&a", "*a", "!x", "!!str", "|",
    ">", "%", "@", "`", "'", '"', "''", "a'b", 'a"b', "\\", "a\\b", "\\n", "[", "]", "{",
    "}", ",", "a,b", "a, b", "[a]", "{a: b}", "São", "País", "日本", "😀", "\xa0", "\u3000",
    "\u2028", "\x85", "\ufeff", "\t", "\r", "\x7f", "\x1b", "\u200b", "\ue000",
    "https://x.org/a?b=c&d=e#f", "Mail & Guardian", "R&D", "C#", "50%",
]  # fmt: skip

safe_word = st.sampled_from(["Economy", "São", "x", "Sony's", "a-b", "R&D", "2014", "日本"])
punctuation = st.sampled_from([*":#,'\"[]{}&*!|>%@`?\\.~+=/- \t", ": ", " #", "\u2028"])
atom = (
    safe_word
    | safe_word
    | st.sampled_from(TRICKY)
    | st.tuples(safe_word, punctuation, safe_word).map("".join)  # one odd character
    | st.tuples(punctuation, safe_word).map("".join)
    | st.tuples(safe_word, punctuation).map("".join)
    | st.text(
        st.sampled_from(list("aZ09 _-:#,'\"[]{}&*!|>%@`?\\.~+=/ ")) | st.characters(codec="utf-8"),
        min_size=1,
        max_size=8,
    )
)
plain = st.lists(atom, min_size=1, max_size=4).map(" ".join)
quote_body = st.lists(atom | st.sampled_from(["''", "\\\\", '\\"', "\\n"]), max_size=4).map("".join)
double_quoted = quote_body.map(lambda s: f'"{s}"')
single_quoted = quote_body.map(lambda s: f"'{s}'")
scalar = plain | double_quoted | single_quoted | st.sampled_from(TRICKY)
flow = st.tuples(
    st.sampled_from(["[", "[ ", "["]),
    st.lists(scalar, max_size=4),
    st.sampled_from([", ", ",", " , ", ",  "]),
    st.sampled_from(["]", " ]", ",]", ", ]", "]]", "", "}"]),
).map(lambda t: t[0] + t[2].join(t[1]) + t[3])
value = scalar | flow | st.just("")


def mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """One of ``good`` three times in four, else one of ``bad``."""
    return st.one_of(*[st.sampled_from(good)] * 3, st.sampled_from(bad))


trailer = mostly(["", " ", "   ", " # note", " #"], ["# note", ":", " :", "\t", " ]"])
key = mostly(
    ["title", "source", "date", "url", "topics", "draft", "lang", "a-b", "_x", "X9", "n"],
    ["yes", "on", "null", "True", "1", "x y", "-a", "?", "k" * 130, "t\u00eftle", "", "a\tb"],
)
separator = mostly([": ", ":  "], [":", " : ", ":\t", "::", ": \t"])
key_line = st.tuples(key, separator, value, trailer).map(lambda t: "".join(t))
item_line = st.tuples(mostly(["", "  "], [" ", "   ", "\t"]), mostly(["- ", "-  "], ["-", "-\t"]))
item_line = st.tuples(item_line, scalar | flow | st.just(""), trailer).map(
    lambda t: t[0][0] + t[0][1] + t[1] + t[2]
)
block_sequence = st.tuples(
    key, st.sampled_from([":", ": ", ": # c"]), st.lists(item_line, max_size=4)
).map(lambda t: "\n".join([t[0] + t[1], *t[2]]))
other_line = mostly(
    ["", "   ", "# comment", "#"],
    ["  # indented", "---", "...", "%YAML 1.1", "  more", "\t", "a", " \t", "\x0c"],
)
line = key_line | key_line | block_sequence | other_line | item_line
document = st.tuples(
    st.sampled_from(["\n", "", "\n\n"]),
    st.lists(line, max_size=2) | st.lists(line, max_size=7),
    st.sampled_from(["\n", "", " \n"]),
).map(lambda t: t[0] + "\n".join(t[1]) + t[2])


@settings(
    max_examples=1000 * FUZZ_SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.slow  # a long property run against PyYAML
@given(document)
@example("\ntitle: a\ntopics:\n  - x\n  - y\n")
def test_fast_is_pyyaml_or_none(text: str) -> None:
    event("fast path" if check(text) is not None else "PyYAML")


@pytest.mark.slow  # a long property run against PyYAML
@settings(max_examples=1000 * FUZZ_SCALE, deadline=None)
@given(st.tuples(key_line | block_sequence, trailer))
def test_one_entry_is_pyyaml_or_none(entry: tuple[str, str]) -> None:
    event("fast path" if check(f"\n{entry[0]}\n{entry[1]}") is not None else "PyYAML")


# Front-matter inside the subset: the fast path must answer, and answer PyYAML's value.
word = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)
ordinary_plain = st.tuples(
    st.sampled_from([*"ABCDEFabcxyz", "São", "日本", "2014", "Sony's"]),
    st.lists(word | st.sampled_from(["&", "-", "'s", ",", "(x)", "a:b", "50%"]), max_size=5),
).map(lambda t: " ".join([t[0], *t[1]]))
ordinary_quoted = st.text(
    st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"], exclude_characters='"\\'),
    max_size=40,
).filter(str.isprintable)
ordinary_url = st.tuples(word, st.lists(word, max_size=4)).map(
    lambda t: f"https://{t[0]}.example/{'/'.join(t[1])}?q={t[0]}&x=1#top"
)
ordinary_date = st.dates().map(lambda d: d.isoformat())
ordinary_value = (
    ordinary_plain
    | ordinary_quoted.map(lambda s: f'"{s}"')
    | ordinary_quoted.map(lambda s: "'" + s.replace("'", "''") + "'")
    | ordinary_url
    | ordinary_date
    | st.sampled_from(["true", "false", "12", "~", ""])
)
ordinary_list = st.lists(word | ordinary_quoted.map(lambda s: f'"{s}"'), max_size=4)
ordinary_keys = st.lists(
    st.sampled_from(["title", "source", "date", "url", "summary", "author", "image", "x_y"]),
    unique=True,
    max_size=8,
)


@st.composite
def ordinary_documents(draw: st.DrawFn) -> str:
    lines = []
    for name in [*draw(ordinary_keys), "topics"]:
        shape = draw(st.sampled_from(["value", "value", "flow", "block"]))
        if shape == "value" or name != "topics":
            lines.append(f"{name}: {draw(ordinary_value)}".rstrip(" "))
        elif shape == "flow":
            lines.append(f"{name}: [{', '.join(draw(ordinary_list))}]")
        else:
            indent = " " * draw(st.integers(0, 4))
            items = draw(ordinary_list.filter(bool))
            lines.append(f"{name}:")
            lines.extend(f"{indent}- {item}" for item in items)
    return "\n" + "\n".join(lines) + "\n"


@pytest.mark.slow  # a long property run against PyYAML
@settings(max_examples=1000 * FUZZ_SCALE, deadline=None)
@given(ordinary_documents())
def test_fast_path_taken_for_ordinary_front_matter(text: str) -> None:
    assert check(text) is not None, text


# -- the benchmark corpus ----------------------------------------------------------------


@pytest.mark.slow  # a generated corpus
def test_benchmark_corpus_takes_the_fast_path(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(GEN_CORPUS), "--n", "300", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    files = sorted(out.rglob("*.md"))
    assert len(files) == 300
    for path in files:
        text, problem = decode_text(path.name, path.read_bytes())
        assert problem is None and text is not None
        split = split_front_matter(text)
        assert split is not None
        fm_text = split[0]
        got = check(fm_text)
        assert got is not None, fm_text
        meta, problem = load_yaml(path.name, fm_text)
        assert problem is None and same(meta, got)


@st.composite
def near_documents(draw: st.DrawFn) -> str:
    """Ordinary front-matter with one change that may or may not leave the subset."""
    text = draw(ordinary_documents())
    lines = text.split("\n")
    at = draw(st.integers(0, len(text)))
    line = draw(st.integers(0, len(lines) - 1))
    change = draw(st.sampled_from(["insert", "insert", "delete", "value", "indent", "repeat"]))
    if change == "insert":
        return text[:at] + draw(punctuation | st.sampled_from(TRICKY) | atom) + text[at:]
    if change == "delete":
        return text[:at] + text[at + draw(st.integers(1, 3)) :]
    if change == "value":
        name = lines[line].partition(":")[0]
        lines[line] = f"{name}: {draw(st.sampled_from(TRICKY) | scalar | flow)}"
    elif change == "indent":
        lines[line] = draw(st.sampled_from([" ", "  ", "   ", "\t", "- "])) + lines[line]
    else:
        lines.insert(line, lines[line])
    return "\n".join(lines)


@pytest.mark.slow  # a long property run against PyYAML
@settings(max_examples=1000 * FUZZ_SCALE, deadline=None)
@given(near_documents())
def test_near_ordinary_is_pyyaml_or_none(text: str) -> None:
    event("fast path" if check(text) is not None else "PyYAML")
