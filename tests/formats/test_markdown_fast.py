"""The fast Markdown path (markdown-it-pyrs) gives byte for byte what markdown-it-py gives."""

from __future__ import annotations

import random

import pytest

from digest.formats import markdown, markdown_fast

pytestmark = pytest.mark.skipif(markdown._FAST is None, reason="markdown-it-pyrs not installed")

WORDS = [
    *("alpha", "Beta", "x", "1", "42.", "3)", "a_b", "_c_", "*d*", "**e**", "~~f~~", "~g~"),
    *("`h`", "``i`` j", "&amp;", "&copy;", "&#65;", "&#x41;", "&bogus;", "& ", "\\*", "\\"),
    *("\\_", "<b>", "</i>", "<http://a.b>", "<x@y.z>", "[l](http://example.org/p)"),
    *("[l](/in/site)", "[l](/in site)", "[l](<a b>)", "[l](http://ü.de/ä)"),
    *("[l](HTTP://EXAMPLE.ORG/X)", "[l](javascript:alert(1))", "[l](data:image/png;base64,xx)"),
    *("[l](#frag)", '[l](x "title")', "[l](/p 'ti\"tle')", "[*em* link](https://e.org/a?b=c&d=e)"),
    *("![alt *t*](/i.png)", '![a ![b](c.png)](d.png "T")', "[ref]", "[ref][]", "[x][ref]"),
    *("[", "]", "(", ")", "!", '"q"', "'s", "$5", "100%", "#", "##", "-", "+", "|", "||"),
    *(":", "=", "===", "---", "   ", "  ", "\t", "é", "日本", "[l](http://a.b/%20x)"),
    *("[l](http://a.b/%zz)", "[l](//proto.rel/x)", "[l](mailto:a@b.c)", "`` ` ``"),
    *("*a **b** c*", "__a__", "_a_b_", "**", "***x***", "[a](b)c](d)", "[l](/a(b)c)"),
    *("[l](/a\\)b)", "<!-- c -->", "&lt;", "~~~", "```"),
]
LINE_STARTS = [
    *("", "", "", "", "# ", "## ", "###### ", "####### ", "> ", ">", "- ", "* ", "+ "),
    *("1. ", "2) ", "10. ", "    ", "  ", " ", "\t", "| ", "[ref]: /ref-url"),
    *('[ref]: http://x.y "T"', "```", "```py", "~~~ lang x", "---", "***", "___", "==="),
    *("  - ", "   > ", "1.", "-", ">  - ", "| --- | :-: |", "|:-|-:|", "<div>", "[^1]: note"),
    "\\#",
]

# Each differed once between the two parsers: the fast path must leave them alone.
REGRESSIONS = [
    "```\n ",
    ">\\\n-",
    "-\n\n- )",
    "[f]:\\",
    "- _\n\n\t;",
    "1. _\n\n0.",
    "\\\n-:",
    "+ ;\n\n+ &",
    "- a\n\n- b",
    ">d\n0. )",
    "> d\n2. x",
    "d\n|-",
    "|é\n--",
    "|a|\n--",
    "* ``i`` j <x@y.z>",
    "[l](http://ü.de/ä)",
    "> > 42. x\n> 42. y",
    "> > a\n> 7. b",
    "> 1. a\n>  \n> 1. b",
]


def _document(rng: random.Random, words: list[str], starts: list[str]) -> str:
    lines = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.25:
            lines.append("")
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
        lines.append(rng.choice(starts) + text + rng.choice(["", "", "", "  ", " ", "\\"]))
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def _reference(text: str, base_path: str) -> str:
    return markdown.markdown_parser(False).render(text, {"base_path": base_path})


@pytest.mark.parametrize("plain", [False, True], ids=["hostile", "plain"])
def test_fast_path_matches_markdown_it_py(plain: bool) -> None:
    rng = random.Random(20240601 + plain)
    words, starts = WORDS, LINE_STARTS
    if plain:  # mostly prose, so that most documents take the fast path
        words = [w for w in WORDS if not any(c in w for c in "^`\t\\")] + ["word"] * 30
        starts = [s for s in LINE_STARTS if not any(c in s for c in "^`\t")] + [""] * 20
    fast = 0
    for _ in range(1500):
        text = _document(rng, words, starts)
        for base_path in ("/", "/sub/"):
            try:
                html = markdown._FAST.render(text, base_path)  # type: ignore[union-attr]
            except markdown_fast.Unsupported:
                continue
            fast += 1
            assert html == _reference(text, base_path), text
    assert fast > 100  # the comparison covered something


PROSE_WORDS = [
    *("alpha", "Beta", "word", "word", "word", "1", "42.", "_c_", "*d*", "**e**", "~~f~~"),
    *("&amp;", "&copy;", "&#65;", "&bogus;", "& ", "\\*", "\\[", "[", "]", "(", ")", '"q"'),
    *("[l](http://example.org/p)", "[l](/in/site)", "[l](/in site)", "[l](#frag)", "**a*"),
    *("[l](HTTP://EXAMPLE.ORG/X)", '[t](https://a.b/c "A & B <c>")', "[l](/p 'ti\"tle')"),
    *("[**b**](/x/y)", "[l](//proto.rel/x)", "[l](mailto:a@b.c)", "[a](b)c](d)", "#", ">"),
]
PROSE_STARTS = [
    *("", "", "", "", "# ", "## ", "###### ", "####### ", "#", "   ## ", "> ", "> The "),
    *('> "', "> (", ">", "> > ", "> 1. ", "> - ", ">> ", "> # "),
]


def _prose(rng: random.Random) -> str:
    # Mostly what the direct path takes; now and then something it must leave alone.
    words = PROSE_WORDS if rng.random() < 0.3 else ["word"] * 10 + PROSE_WORDS[:24]
    starts = PROSE_STARTS if rng.random() < 0.3 else PROSE_STARTS[:12]
    lines = []
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.3:
            lines.append("")
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        lines.append(rng.choice(starts) + text + rng.choice(["", "", " ", " #", "  "]))
    return "\n".join(lines) + rng.choice(["", "\n"])


@pytest.mark.slow  # a long property run against markdown-it-py
def test_prose_rendered_without_the_tree_matches_markdown_it_py(monkeypatch) -> None:
    # Paragraphs, headings, plain quotes and links take the direct path: the parser's own
    # HTML, with our link rules and heading ids put in afterwards.
    direct = 0
    render_direct = markdown_fast.FastRenderer._render_direct

    def counted(self, text: str, base_path: str) -> str | None:
        nonlocal direct
        html = render_direct(self, text, base_path)
        direct += html is not None
        return html

    monkeypatch.setattr(markdown_fast.FastRenderer, "_render_direct", counted)
    rng = random.Random(20261129)
    for _ in range(3000):
        text = _prose(rng)
        for base_path in ("/", "/sub/"):
            try:
                html = markdown._FAST.render(text, base_path)  # type: ignore[union-attr]
            except markdown_fast.Unsupported:
                continue
            assert html == _reference(text, base_path), text
    assert direct > 1000  # the direct path was taken, and compared


@pytest.mark.parametrize("text", REGRESSIONS)
def test_differences_fall_back(text: str) -> None:
    assert markdown.render_markdown(text, base_path="/sub/") == _reference(text, "/sub/")


def test_safe_urls_are_what_markdown_it_py_makes_of_them() -> None:
    md = markdown.markdown_parser(False)
    rng = random.Random(7)
    hosts = ["", "http://example.org", "https://a-b.c0.example", "http://x"]
    chars = "abcXYZ019._~/-"
    for _ in range(2000):
        url = (
            rng.choice(hosts) + "/" + "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        )
        assert markdown_fast._SAFE_URL.match(url)
        assert md.normalizeLink(url) == url and md.validateLink(url)


def test_a_typical_article_takes_the_fast_path() -> None:
    text = (
        "Officials said on [Monday](https://example.org/a/1) that talks would *resume*.\n\n"
        '> "We are ready," the **minister** said.\n\n'
        "## Background\n\n- one\n- two\n\n1. first\n2. second\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n"
    )
    html = markdown._FAST.render(text, "/")  # type: ignore[union-attr]
    assert html == _reference(text, "/")
    assert 'rel="noopener"' in html and 'id="h-background"' in html
