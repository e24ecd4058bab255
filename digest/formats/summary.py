"""Summaries: the first paragraph of a body as plain words, cut near
60 words. Paragraphs whose only syntax is simple links skip markdown-it-py's inline
parser (held equal to it by ``tests/formats/test_summary_fast.py``).
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from digest.formats.markdown import markdown_parser

SUMMARY_WORDS = 60

_SKIP_BLOCK = re.compile(r"^\s{0,3}(#|>|[-*+]\s|\d+[.)]\s|\||```|~~~|<|\[\^|={3,}|-{3,}|\*{3,})")


def first_paragraph(body: str) -> str:
    """Markdown source of the body's first ordinary paragraph (no heading, list, quote ...)."""
    block: list[str] = []
    in_fence = False
    # The lines of ``body.split("\n")``, one at a time: the paragraph is most often in the
    # first few lines, and splitting the whole body cost more than the rest of this loop.
    start, size = 0, len(body)
    while start <= size:
        end = body.find("\n", start)
        if end < 0:
            end = size
        line = body[start:end]
        start = end + 1
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
        if not block and (_SKIP_BLOCK.match(line) or line.startswith(("    ", "\t"))):
            continue
        block.append(stripped)
    return " ".join(block)


def _inline_text(tokens: list[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.children:
            parts.append(_inline_text(token.children))
        elif token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


_INLINE_SYNTAX = re.compile(r"[*_\[\]`<>&!\\~\0]")
"""Characters that can make markdown-it-py's inline parser do more than keep the text as it
is (``^`` does only before ``[``; NUL becomes U+FFFD). Without them the text is its words."""
_SIMPLE_LINK = re.compile(
    r"\[([^\[\]\\*_`<>&!~^\n\r\0]*)\]\(https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]*\)"
)
"""``[text](url)`` that markdown-it-py takes for a link whose only text is ``text``, wherever
it stands in text that is otherwise plain (``_NOT_SIMPLE``): the link text has nothing the
inline rules act on and no brackets; the destination is an ASCII http(s) URL with nothing
that could end it early or make it invalid (spaces, controls, parentheses, backslashes,
``<``, ``>``) or start a title (quotes), so validateLink accepts it (what normalizeLink
makes of ``%`` and the like changes the href, never the text)."""
_NOT_SIMPLE = re.compile(r"[*_\[\]`<>&!\\~^\n\r\0]")
"""Around simple links, what the parser might not keep as it is or what could change how a
link is read: ``!`` before one makes an image, ``^`` an inline footnote, a bracket a nested
or reference label, ``\\`` an escape, a newline a line break."""


def _without_simple_links(markdown_inline: str) -> str | None:
    """The text with each simple link (``_SIMPLE_LINK``) replaced by its text, when nothing
    else in it is inline syntax, else None: then the text is what markdown-it-py's inline
    parser makes of it (checked in tests/formats/test_summary_fast.py). Most news paragraphs with
    syntax in them only have links; the parser takes ~30x as long."""
    if "](" not in markdown_inline:
        return None
    # split() keeps the groups: the text around the links and each link's text, in order.
    text = "".join(_SIMPLE_LINK.split(markdown_inline))
    if _NOT_SIMPLE.search(text):
        return None
    return text


def _parsed_text(markdown_inline: str) -> str:
    """What markdown-it-py's inline parser makes of the text, as text (spacing unchanged)."""
    return _inline_text(markdown_parser(False).parseInline(markdown_inline))


def plain_text(markdown_inline: str) -> str:
    """Inline Markdown as the words a reader sees (links, emphasis and code unwrapped)."""
    text = markdown_inline
    if _INLINE_SYNTAX.search(text):
        text = _without_simple_links(markdown_inline)
        if text is None:
            text = _parsed_text(markdown_inline)
    return " ".join(text.split())


def _shorten_words(parts: list[str], words: int) -> str:
    if len(parts) <= words:
        return " ".join(parts)
    cut = " ".join(parts[:words]).rstrip(",;:-–—")
    return cut + "…"


def shorten(text: str, words: int = SUMMARY_WORDS) -> str:
    """Cut at a word boundary near ``words`` words, marking the cut with an ellipsis."""
    return _shorten_words(text.split(), words)


def summarize(body: str, words: int = SUMMARY_WORDS) -> str:
    """The automatic summary: the first paragraph's text, cut near ``words`` words."""
    paragraph = first_paragraph(body)
    # Parsing costs time in proportion to length and only the first words are kept: cut
    # the source well past them (a construct cut in half cannot reach back that far).
    limit = words * 2 + 40
    parts = paragraph.split(maxsplit=limit)
    if len(parts) > limit:
        del parts[-1:]
        paragraph = " ".join(parts)
    # Now parts == paragraph.split(): without inline syntax, the words of the summary.
    # (shorten(plain_text(paragraph), words), without splitting and joining again.)
    if _INLINE_SYNTAX.search(paragraph):
        text = _without_simple_links(paragraph)
        if text is None:
            text = _parsed_text(paragraph)
        parts = text.split()
    return _shorten_words(parts, words)
