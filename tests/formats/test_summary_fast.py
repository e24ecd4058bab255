"""The automatic summary's fast paths give exactly what the parser gives.

``plain_text`` skips markdown-it-py when the only inline syntax is simple links
(``[text](http://...)``); ``summarize`` and ``first_paragraph`` avoid splitting and joining
what they need not. Here both are compared with test-local copies of the old code, which
always parsed: on generated inline Markdown rich in the characters that matter, on
generated bodies, and on the benchmark corpus, where most summaries must skip the parser.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from digest.formats import markdown, summary
from digest.formats.frontmatter import decode_text, split_front_matter

GEN_CORPUS = REPO / "bench" / "gen_corpus.py"
FUZZ_SCALE = max(1, settings.default.max_examples // 100)


# --- the old code, which always parsed ---------------------------------------------------


def _old_inline_text(tokens: list[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.children:
            parts.append(_old_inline_text(token.children))
        elif token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def parser_plain_text(markdown_inline: str) -> str:
    tokens = markdown.markdown_parser(False).parseInline(markdown_inline)
    return " ".join(_old_inline_text(tokens).split())


_OLD_SKIP_BLOCK = re.compile(
    r"^\s{0,3}(#|>|[-*+]\s|\d+[.)]\s|\||```|~~~|<|\[\^|={3,}|-{3,}|\*{3,})"
)


def old_first_paragraph(body: str) -> str:
    block: list[str] = []
    in_fence = False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            block = []
            continue
        if in_fence:
            continue
        if not stripped:
            if block:
                break
            continue
        if not block and (_OLD_SKIP_BLOCK.match(line) or line.startswith(("    ", "\t"))):
            continue
        block.append(stripped)
    return " ".join(block)


def old_shorten(text: str, words: int = 60) -> str:
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    cut = " ".join(parts[:words]).rstrip(",;:-–—")
    return cut + "…"


def old_summarize(body: str, words: int = 60) -> str:
    paragraph = old_first_paragraph(body)
    head = paragraph.split(maxsplit=words * 2 + 40)
    if len(head) > words * 2 + 40:
        paragraph = " ".join(head[:-1])
    return old_shorten(parser_plain_text(paragraph), words)


# --- counting (or forbidding) the parser --------------------------------------------------


class ParserCalls:
    def __init__(self, forbid: bool = False) -> None:
        self.count = 0
        self.forbid = forbid
        self.parse = summary._parsed_text

    def __call__(self, markdown_inline: str) -> str:
        if self.forbid:
            raise AssertionError(f"the parser was used for {markdown_inline!r}")
        self.count += 1
        return self.parse(markdown_inline)


@pytest.fixture
def parser_calls(monkeypatch: pytest.MonkeyPatch) -> ParserCalls:
    calls = ParserCalls()
    monkeypatch.setattr(summary, "_parsed_text", calls)
    return calls


@pytest.fixture
def no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "_parsed_text", ParserCalls(forbid=True))


# --- generated inline Markdown ------------------------------------------------------------


def joined(pieces: tuple[str, ...], max_size: int | None = None) -> st.SearchStrategy[str]:
    """Strings made of ``pieces`` (characters or longer)."""
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


TRICKY = (
    *"[]()!\\*_`<>&\"'~^:/%#?=.,;-+|{}$@ \t\n\r\0",
    *"aZ09éß日本\u00a0\u2028\ufffd\U0001f600",
)
LINK_TEXT = joined((*TRICKY, " ", "a", "word"), max_size=6) | st.sampled_from(
    ("", " ", "an energy", "is, in captain", "a (b)", "a]", "[a", "[a]", "*a*", "`a`", "a\\")
)
SCHEMES_LIST = (
    *("http://", "https://", "http://", "https://", "HTTP://", "Https://", "ftp://"),
    *("mailto:", "javascript:", "JavaScript:", "vbscript:", "file://", "data:", "//", "/"),
    *("", "#", " http://", "<http://", "http:/", "https//", "data:image/png;"),
)
SCHEMES = st.sampled_from(SCHEMES_LIST)
URL_CHARS = st.sampled_from(
    (
        *"abcXYZ019-._~:/?#@!$&*+,;=%[]()<>\"'\\` ^{}|\t\n\0",
        *("%20", "%zz", "%", "%e2%82", "%E2%82%AC", "é", "ü", "日本", "\u00a0", "\U0001f600"),
        *("xn--", "&amp;", "&#41;", "example.org", "/path/70012", "(a)", "((a))", "\\)"),
    )
)
URL = st.builds(
    lambda scheme, rest: scheme + "".join(rest), SCHEMES, st.lists(URL_CHARS, max_size=8)
)
TITLE = st.sampled_from(("", "", "", ' "t"', " 't'", " (t)", ' "t', "  ", "\t"))


@st.composite
def links(draw: st.DrawFn) -> str:
    before = draw(st.sampled_from(("", "", "", "!", "^", "\\", "[", "]", "*", "_", "`", "<")))
    after = draw(st.sampled_from(("", "", "", ")", "]", "(x)", "*", "_", "`", ">", "[r]", ":")))
    space = draw(st.sampled_from(("", "", "", " ", "\n")))
    close = draw(st.sampled_from((")", ")", ")", "", " )", "))")))
    link = f"[{draw(LINK_TEXT)}]({space}{draw(URL)}{draw(TITLE)}{close}"
    if draw(st.booleans()):  # a link inside another construct
        link = draw(st.sampled_from(("[{}]", "[x {} y](http://e.org/o)", "*{}*", "`{}`"))).format(
            link
        )
    return before + link + after


# What the fast path may take: plain text (anything but the characters it leaves to the
# parser, spaces markdown-it-py does not see as spaces included) and simple links.
PLAIN_PIECES = (
    *"aZ09 ,.;:'\"()/-$%#=+{}|@?é日\t\x0b\x0c\x1c\x85\u00a0\u2028\ufffd\U0001f600",
    *("word", "http://e.org", "(c)", "--", "...", "1.", "# ", "  ", "x:y"),
)
SIMPLE_LINKS = st.builds(
    lambda text, url: f"[{text}]({url})",
    joined(PLAIN_PIECES, max_size=8),
    st.builds(
        lambda scheme, rest: scheme + "".join(rest),
        st.sampled_from(("http://", "https://")),
        st.lists(
            st.sampled_from((*"aZ09-._~:/?#@!$&*+,;=%", "example.org/", "%20", "%zz", "*_*")),
            max_size=8,
        ),
    ),
)
PLAIN = joined(PLAIN_PIECES)
WORDS = joined(TRICKY, max_size=10)


# What could make a simple link something else, by where it goes.
TEXT_ODD = (*"*_[]`\\&<>!~^\n\r\0", "*a*", " _a_ ", "~~a~~", "`a`", "<b>", "[x]", "\\*", "&amp;")
URL_ODD = (
    *" ()\"'<>\\\n\t\0`[]^{}|%*_é日\u00a0\U0001f600",
    *("((", "()", " 't'", ' "t"', " (t)", "\\)", "%zz", "&amp;", "&#41;", " "),
)
AROUND_ODD = (*"!^\\[](*_`<&\0\n", " *a* ", " _a_ ", "~~a~~", "[r]", "\\(", "&amp;", "<x>")
CLEAN_URL = joined((*"aZ09-._~:/?#@!$&*+,;=%", "example.org/", "%20", "*_*"), max_size=5)
CLEAN_TEXT = joined(PLAIN_PIECES, max_size=4)


def maybe(pieces: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.just("") | st.sampled_from(pieces)


NEAR_SIMPLE_LINKS = st.tuples(
    maybe(AROUND_ODD),
    CLEAN_TEXT,
    maybe(TEXT_ODD),
    CLEAN_TEXT,
    st.sampled_from(("http://", "https://")) | st.sampled_from(SCHEMES_LIST),
    CLEAN_URL,
    maybe(URL_ODD),
    CLEAN_URL,
    maybe(AROUND_ODD),
).map(lambda p: f"{p[0]}[{p[1]}{p[2]}{p[3]}]({p[4]}{p[5]}{p[6]}{p[7]}){p[8]}")
"""Simple links with or without something that might make them something else."""
INLINE = st.lists(links() | NEAR_SIMPLE_LINKS | SIMPLE_LINKS | WORDS | PLAIN, max_size=8).map(
    "".join
)


@pytest.mark.slow  # a long property run against markdown-it-py
@given(INLINE)
@settings(max_examples=1000 * FUZZ_SCALE, deadline=None)
@example("Of to Paris prison to [an energy](https://example.org/energy/70012) disease Pakistan")
@example("[](http://x)")
@example("a [ ](https://e.org) b")
@example("![a](http://x)")
@example("^[a](http://x)")
@example("[^a](http://x)")
@example("[[a](http://x)]")
@example("[a [b](http://x)](http://y)")
@example("[a](http://x)[b](http://y)(c)")
@example('[a](http://x "t")')
@example("[a](javascript:alert(1))")
@example("[a](http://ü.de/ä)")
@example("[a](http://a.b/%zz%)")
@example("[a](http://x)\\")
@example("\\[a](http://x)")
@example("x\0[a](http://x)")
@example("a\0b")
@example("[a](http://x) &amp;")
@example("[a](http://x/*y*_z_~w~!&amp;)")
def test_plain_text_is_the_parsers(text: str) -> None:
    assert summary.plain_text(text) == parser_plain_text(text)


@given(st.lists(SIMPLE_LINKS | PLAIN, max_size=8).map("".join))
@settings(
    max_examples=300 * FUZZ_SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@pytest.mark.slow  # a long property run against markdown-it-py
def test_plain_text_of_simple_links_skips_the_parser(no_parser: None, text: str) -> None:
    got = summary.plain_text(text)  # no_parser: raises if it parses
    assert got == parser_plain_text(text)


@pytest.mark.slow  # a long property run against markdown-it-py
@given(st.lists(NEAR_SIMPLE_LINKS | PLAIN, max_size=4).map("".join))
@settings(max_examples=1500 * FUZZ_SCALE, deadline=None)
def test_plain_text_of_near_simple_links_is_the_parsers(text: str) -> None:
    """Simple links and plain text with a few odd characters: the fast path must take
    exactly the texts that are still simple."""
    assert summary.plain_text(text) == parser_plain_text(text)


NEAR_MISSES = [
    # destinations markdown-it-py does not take, or not as a plain http(s) URL
    *("[t](http://ab(cd)", "[t](http://a(b)c)", "[t](http://a((b)c)", "[t](http://x y)"),
    *("[t](http://x 't')", '[t](http://x "t")', "[t](http://x (t))", "[t](http://x\\)y)"),
    *("[t](<http://x>)", "[t](http://x<y)", "[t]( http://x)", "[t](http://x )", "[t](http://x\n)"),
    *("[t](http://é)", "[t](http://x/%zz)", "[t](http://x/&amp;)", "[t](http://x/\0)"),
    *("[t](javascript:alert(1))", "[t](JAVASCRIPT:x)", "[t](data:text/html,x)", "[t](vbscript:x)"),
    *("[t](file:///x)", "[t](ftp://x)", "[t](HTTP://X)", "[t](//x)", "[t](/x)", "[t]()"),
    *("[t](http://)", "[t](http://x)(y)", "[t](http://x))", "[t](http://x\ty)"),
    # link texts that are not plain text
    *("[*t*](http://x)", "[_t_](http://x)", "[`t`](http://x)", "[t&amp;](http://x)"),
    *("[t\\]](http://x)", "[t]x](http://x)", "[[t]](http://x)", "[t\nu](http://x)"),
    *("[~~t~~](http://x)", "[<b>t</b>](http://x)", "[^t](http://x)", "[t\0](http://x)"),
    *("[](http://x)", "[ ](http://x)", "[t\\](http://x)", "[!t](http://x)"),
    # what stands around the link
    *("![t](http://x)", "^[t](http://x)", "\\[t](http://x)", "[t]\\(http://x)", "[t] (http://x)"),
    *("[r]: http://x\n[t][r]", "[t][r](http://x)", "[a [t](http://x)", "[t](http://x)]"),
    *("*[t](http://x)*", " _a_ [t](http://x)", "~~a~~ [t](http://x)", "`[t](http://x)`"),
    *("<http://x> [t](http://x)", "&amp; [t](http://x)", "a\0[t](http://x)", "[t](http://x)\\"),
    *("[t](http://x)\\(", "a  \n[t](http://x)", "a\\\n[t](http://x)", "a\r\n[t](http://x)"),
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_plain_text_of_near_misses_is_the_parsers(text: str) -> None:
    assert summary.plain_text(text) == parser_plain_text(text)
    assert summary.plain_text(f"a {text} b") == parser_plain_text(f"a {text} b")


def test_link_paragraphs_skip_the_parser(no_parser: None) -> None:
    paragraph = (
        "Of to Paris prison to [an energy](https://example.org/energy/70012) disease Pakistan"
        ' are year. "From with 90 percent wildlife [Daniel the Mustafa](https://example.org/'
        'mustafa/18704) also," Beirut Syria said. [Growth](http://e.org/a?b=1&c=%20#x) areas.'
    )
    want = (
        'Of to Paris prison to an energy disease Pakistan are year. "From with 90 percent'
        ' wildlife Daniel the Mustafa also," Beirut Syria said. Growth areas.'
    )
    assert summary.plain_text(paragraph) == want
    assert summary.summarize(paragraph + "\n\nMore.\n") == want
    assert summary.summarize(paragraph, words=5) == "Of to Paris prison to…"


def test_other_syntax_still_goes_to_the_parser(parser_calls: ParserCalls) -> None:
    for text in ("*a* [b](http://x)", "![b](http://x)", "[b](http://x 't')", "[b](ftp://x)"):
        before = parser_calls.count
        assert summary.plain_text(text) == parser_plain_text(text)
        assert parser_calls.count == before + 1, text


# --- generated bodies ---------------------------------------------------------------------

LINE_STARTS = st.sampled_from(
    (
        *("", "", "", "", "# ", "> ", "- ", "* ", "1. ", "2) ", "| ", "    ", "\t", "  ", " "),
        *("```", "~~~", " ```", "<div>", "[^1]: ", "===", "---", "***", "-", "1.", "*a"),
    )
)
LINE = st.builds(lambda start, rest: start + rest, LINE_STARTS, INLINE)
BODY = st.lists(LINE | st.sampled_from(("", " ", "\t", "> ")), max_size=8).map("\n".join)


@pytest.mark.slow  # a long property run against markdown-it-py
@given(BODY, st.sampled_from((60, 60, 3, 1, 0, -1, -20, -21)))
@settings(max_examples=500 * FUZZ_SCALE, deadline=None)
@example("Intro [link](http://x) text\n\nNext", 60)
@example("\n", 60)
@example("", 60)
@example("a\n", 60)
@example("```\ncode\n```\nafter", 60)
@example("# T\n\n" + " ".join(["w"] * 170) + " *e*", 60)
@example(" ".join(["w,"] * 200), 60)
def test_summarize_is_the_old_summarize(body: str, words: int) -> None:
    assert summary.first_paragraph(body) == old_first_paragraph(body)
    assert summary.summarize(body, words) == old_summarize(body, words)


@given(joined((*TRICKY, "w", "word", "[a](http://x)")))
@settings(max_examples=500 * FUZZ_SCALE, deadline=None)
def test_shorten_is_the_old_shorten(text: str) -> None:
    for words in (60, 2, 0):
        assert summary.shorten(text, words) == old_shorten(text, words)


# --- the benchmark corpus -----------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_bodies(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(GEN_CORPUS), "--n", "300", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    bodies = []
    for path in sorted(out.rglob("*.md")):
        text, problem = decode_text(path.name, path.read_bytes())
        assert text is not None, problem
        parts = split_front_matter(text)
        assert parts is not None, path
        bodies.append(parts[1])
    assert len(bodies) == 300
    return bodies


def test_corpus_summaries_are_the_old_ones_mostly_without_the_parser(
    corpus_bodies: list[str], parser_calls: ParserCalls
) -> None:
    with_links = 0
    for body in corpus_bodies:
        paragraph = old_first_paragraph(body)
        before = parser_calls.count
        assert summary.summarize(body) == old_summarize(body), body
        parsed = parser_calls.count > before
        if "](" in paragraph and not parsed:
            with_links += 1
    # About 62% of first paragraphs have no syntax, 27% only simple links, 11% emphasis.
    assert parser_calls.count <= 0.2 * len(corpus_bodies), parser_calls.count
    assert with_links >= 0.15 * len(corpus_bodies), with_links
