"""Markdown bodies: CommonMark plus tables, strikethrough and footnotes, safe by default."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from digest.slugs import slugify

SUMMARY_WORDS = 60


def _heading_slug(text: str) -> str:
    # A prefix keeps heading ids clear of the theme's own ids (``main``, ``top``) and of
    # footnote ids; an all-punctuation heading still gets an id.
    return "h-" + (slugify(text, max_length=60) or "section")


def _render_link_open(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith(("http://", "https://", "//")):
        token.attrSet("rel", "noopener")
    else:
        token.attrSet("href", _with_base(href, env))
    return renderer.renderToken(tokens, idx, options, env)


def _render_image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    token.attrSet("src", _with_base(str(token.attrGet("src") or ""), env))
    return renderer.image(tokens, idx, options, env)


def _with_base(url: str, env: EnvType) -> str:
    # A root-relative link means "this site": it must carry the base path so the same
    # build works at ``/`` and under ``/<repo>/``.
    if url.startswith("/") and not url.startswith("//"):
        return env.get("base_path", "/") + url[1:]
    return url


@cache
def markdown_parser(allow_html: bool) -> MarkdownIt:
    """The one configured parser per HTML setting (building one costs ~1 ms)."""
    md = MarkdownIt("commonmark", {"html": allow_html})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=_heading_slug)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


def render_markdown(text: str, allow_html: bool = False, base_path: str = "/") -> str:
    """Body Markdown to HTML. Raw HTML is escaped unless ``allow_html``; unsafe link
    schemes (``javascript:``, ``vbscript:``, ``file:``, most ``data:``) are never linked;
    root-relative links and images get ``base_path``."""
    return markdown_parser(allow_html).render(text, {"base_path": base_path})


_SKIP_BLOCK = re.compile(r"^\s{0,3}(#|>|[-*+]\s|\d+[.)]\s|\||```|~~~|<|\[\^|={3,}|-{3,}|\*{3,})")


def first_paragraph(body: str) -> str:
    """Markdown source of the body's first ordinary paragraph (no heading, list, quote ...)."""
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


_INLINE_SYNTAX = re.compile(r"[*_\[\]`<>&!\\~]")


def plain_text(markdown_inline: str) -> str:
    """Inline Markdown as the words a reader sees (links, emphasis and code unwrapped)."""
    if not _INLINE_SYNTAX.search(markdown_inline):
        return " ".join(markdown_inline.split())  # nothing to unwrap: skip the parser
    tokens = markdown_parser(False).parseInline(markdown_inline)
    return " ".join(_inline_text(tokens).split())


def shorten(text: str, words: int = SUMMARY_WORDS) -> str:
    """Cut at a word boundary near ``words`` words, marking the cut with an ellipsis."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    cut = " ".join(parts[:words]).rstrip(",;:-–—")
    return cut + "…"


def summarize(body: str, words: int = SUMMARY_WORDS) -> str:
    """The automatic summary: the first paragraph's text, cut near ``words`` words."""
    paragraph = first_paragraph(body)
    # Parsing costs time in proportion to length and only the first words are kept: cut
    # the source well past them (a construct cut in half cannot reach back that far).
    head = paragraph.split(maxsplit=words * 2 + 40)
    if len(head) > words * 2 + 40:
        paragraph = " ".join(head[:-1])
    return shorten(plain_text(paragraph), words)


def markdown_settings(allow_html: bool, base_path: str) -> dict[str, Any]:
    """What, besides the source, decides rendered HTML: part of every cache key."""
    return {
        "allow_html": allow_html,
        "base_path": base_path,
        "plugins": ["table", "strikethrough", "footnote", "anchors"],
    }
