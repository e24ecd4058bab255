"""Markdown bodies: CommonMark plus tables, strikethrough and footnotes, safe by default."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from digest.formats import markdown_fast
from digest.formats.markdown_fast import FastRenderer, Unsupported
from digest.slugs import heading_id


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
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_id)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    return md


def render_markdown(text: str, allow_html: bool = False, base_path: str = "/") -> str:
    """Body Markdown to HTML. Raw HTML is escaped unless ``allow_html``; unsafe link
    schemes (``javascript:``, ``vbscript:``, ``file:``, most ``data:``) are never linked;
    root-relative links and images get ``base_path``."""
    if not allow_html and _FAST is not None:
        try:
            return _FAST.render(text, base_path)
        except Unsupported:
            pass
        except BaseException as exc:
            # A bug in the Rust parser surfaces as pyo3's PanicException, which derives
            # from BaseException: the body is still rendered, by markdown-it-py.
            if type(exc).__name__ != "PanicException":
                raise
    return markdown_parser(allow_html).render(text, {"base_path": base_path})


_FAST = FastRenderer(markdown_parser(False)) if markdown_fast.available() else None


def markdown_settings(allow_html: bool, base_path: str) -> dict[str, Any]:
    """What, besides the source, decides rendered HTML: part of every cache key."""
    return {
        "allow_html": allow_html,
        "base_path": base_path,
        "plugins": ["table", "strikethrough", "footnote", "anchors"],
    }
