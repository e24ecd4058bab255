"""A second Markdown renderer, for speed: bodies parsed by
markdown-it-pyrs (Rust) and rendered exactly as markdown-it-py with our rules renders
them; anything it is not sure of goes to markdown-it-py. Held equal to it by
``tests/formats/test_markdown_fast.py`` on generated Markdown.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt

from digest.slugs import heading_id

try:  # optional: a Rust parser, ~10x faster; without it every body goes through markdown-it-py
    import markdown_it_pyrs
except ImportError:  # pragma: no cover - depends on the installation
    markdown_it_pyrs = None


def available() -> bool:
    """Whether markdown-it-pyrs is installed (it is a dependency; a broken install only
    costs speed)."""
    return markdown_it_pyrs is not None


class Unsupported(Exception):
    """The fast path does not handle this body: markdown-it-py renders it."""


_FALLBACK_TEXT = ("^", "`", "\t", "~~~", "\\\n", "]:")
_FALLBACK_LINES = re.compile(
    r"\n[> ]*(?:[-+*]|\d{1,9}[.)]) *(?=\n|\Z)|\n {0,3}>[^\n]*\n(?! *(?:\n|\Z)| {0,3}>)"
    r"|\n[> ]*>[ ]*>"
)
"""What the fast path leaves to markdown-it-py: footnotes (its plugin), reference
definitions, and the corners where markdown-it-pyrs is known to differ (or, for code
spans, to panic): code, tabs, a backslash line break, empty list items, a quote's lazy
continuation line, quotes within quotes. (Substring tests and a pattern that starts with a
newline: a ``^``-anchored multi-line pattern costs more than the whole parse.)"""
_NEEDS_TREE_TEXT = ("|", "<", "![", "  \n")
_NEEDS_TREE_LINES = re.compile(
    r"\n(?: *(?:[-+*]|\d{1,9}[.)]|>(?! [A-Za-z\"'(])|[-*_=][-*_= ]*(?:\n|\Z))| {4})"
)
"""Constructs the direct path (``FastRenderer._render_direct``) leaves to the tree walk:
tables, raw HTML and autolinks, images, hard breaks (the substrings); lists, quotes but
those of plain text lines, setext headings and rules, indented code (any line starting like
one of them, in ``"\n" + text``; the pattern starts with a newline, or it costs as much as
the parse)."""
_HREF = re.compile(r'<a href="([^"]*)"')
_LINK = re.compile(r'<a href="([^"]*)"( title="[^"]*")?>')
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>")
_TAG = re.compile(r"<[^>]*>")
_BLANK_LINE = re.compile(rb"\n[ >]*\n")
_SAFE_URL = re.compile(r"(https?://[a-z0-9-]+(\.[a-z0-9-]+)*)?(/[A-Za-z0-9._~/-]*)?\Z")
"""URLs that markdown-it-py's normalizeLink returns unchanged (checked in the tests)."""
_ALIGN = {"left": "text-align:left", "right": "text-align:right", "center": "text-align:center"}
_INLINE = frozenset(
    {"text", "text_special", "softbreak", "hardbreak", "em", "strong", "strikethrough"}
    | {"link", "image", "code_inline"}
)
# (type, tag, nesting, attributes as HTML, hidden, payload): what markdown-it-py's block
# tokens carry that its renderer looks at.
_Tok = tuple[str, str, int, str, bool, str]


def _unescape(html: str) -> str:
    """The inverse of ``_escape`` (the only entities in the parser's text output)."""
    if "&" not in html:
        return html
    return (
        html.replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
    )


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


class FastRenderer:
    """Bodies parsed by markdown-it-pyrs and rendered here exactly as markdown-it-py with
    our rules renders them (same HTML, byte for byte: the tests compare the two on
    generated Markdown). Anything outside the common constructs — footnotes, reference
    definitions, autolinks, raw HTML, unusual URLs — raises Unsupported, and the caller
    falls back to markdown-it-py for the whole body, so that never changes the output."""

    def __init__(self, reference: MarkdownIt) -> None:
        """``reference``: markdown-it-py configured with our rules (whose link
        normalisation this renderer defers to)."""
        assert markdown_it_pyrs is not None
        self.parser = markdown_it_pyrs.MarkdownIt("zero")
        # commonmark without html_block/html_inline: raw HTML stays text, escaped.
        self.parser.enable_many(
            [
                *("blockquote", "code", "fence", "heading", "hr", "lheading", "list"),
                *("paragraph", "reference", "autolink", "backticks", "emphasis", "entity"),
                *("escape", "image", "link", "newline", "table", "strikethrough"),
            ]
        )
        self.reference = reference

    def render(self, text: str, base_path: str) -> str:
        if any(part in text for part in _FALLBACK_TEXT) or _FALLBACK_LINES.search("\n" + text):
            raise Unsupported
        if not any(part in text for part in _NEEDS_TREE_TEXT) and not _NEEDS_TREE_LINES.search(
            "\n" + text
        ):
            html = self._render_direct(text, base_path)
            if html is not None:
                return html
        self.base_path = base_path
        self.source = text.encode()
        tokens: list[_Tok] = []
        headings: list[tuple[int, str]] = []
        for node in self.parser.tree(text).children:
            self._block(node, tokens, headings, False)
        if headings:
            slugs: set[str] = set()
            for position, title in headings:
                slug = heading_id(title)
                unique, i = slug, 1
                while unique in slugs:
                    unique = f"{slug}-{i}"
                    i += 1
                slugs.add(unique)
                kind, tag, nesting, _, hidden, payload = tokens[position]
                attrs = f' id="{_escape(unique)}"'
                tokens[position] = (kind, tag, nesting, attrs, hidden, payload)
        return _render_blocks(tokens)

    def _render_direct(self, text: str, base_path: str) -> str | None:
        """Prose (paragraphs, ATX headings, quotes, emphasis, links) needs no tree: the
        parser's own HTML is markdown-it-py's, once links get our rules and headings their
        ids. None when a link's URL is one markdown-it-py might normalise differently."""
        html = self.parser.render(text)
        for url in _HREF.findall(html):
            if not _SAFE_URL.match(url) or url not in text:
                return None
        slugs: set[str] = set()

        def link(match: re.Match[str]) -> str:
            href, title = match.group(1), match.group(2) or ""
            if href.startswith(("http://", "https://", "//")):
                return f'<a href="{href}"{title} rel="noopener">'
            if href.startswith("/"):
                href = base_path + href[1:]
            return f'<a href="{href}"{title}>'

        def heading(match: re.Match[str]) -> str:
            level, inner = match.group(1), match.group(2)
            slug = heading_id(_unescape(_TAG.sub("", inner)))
            unique, i = slug, 1
            while unique in slugs:
                unique = f"{slug}-{i}"
                i += 1
            slugs.add(unique)
            return f'<h{level} id="{_escape(unique)}">{inner}</h{level}>'

        return _HEADING.sub(heading, _LINK.sub(link, html))

    def _url(self, url: str) -> str:
        if _SAFE_URL.match(url):
            return url
        # markdown-it-pyrs percent-encodes what it normalizes (and does not punycode
        # host names): without a "%" it changed nothing, and markdown-it-py's own
        # normalization of the destination is that of this URL.
        if "%" in url or not url.isascii():
            raise Unsupported
        md = self.reference
        href = md.normalizeLink(url)
        if not md.validateLink(href):
            raise Unsupported
        return href

    def _block(
        self, node: Any, out: list[_Tok], headings: list[tuple[int, str]], tight: bool
    ) -> None:
        name = node.name
        if name == "paragraph":
            out.append(("paragraph_open", "p", 1, "", tight, ""))
            out.append(("inline", "", 0, "", False, self._inline(node.children)))
            out.append(("paragraph_close", "p", -1, "", tight, ""))
        elif name == "heading" or name == "lheading":
            if name == "lheading" and b"|" in self.source[slice(*node.srcmap)]:
                raise Unsupported  # markdown-it-py may see a table there
            tag = f"h{node.meta['level']}"
            headings.append((len(out), _heading_text(node.children)))
            out.append(("heading_open", tag, 1, "", False, ""))
            out.append(("inline", "", 0, "", False, self._inline(node.children)))
            out.append(("heading_close", tag, -1, "", False, ""))
        elif name == "blockquote":
            out.append(("blockquote_open", "blockquote", 1, "", False, ""))
            for child in node.children:
                self._block(child, out, headings, False)
            out.append(("blockquote_close", "blockquote", -1, "", False, ""))
        elif name == "bullet_list" or name == "ordered_list":
            # markdown-it-pyrs can take a loose list (items apart by a blank line) for a
            # tight one; a list with a blank line in it is left to markdown-it-py.
            start_byte, end_byte = node.srcmap
            if _BLANK_LINE.search(self.source, start_byte, end_byte) and _BLANK_LINE.search(
                self.source[start_byte:end_byte].rstrip()
            ):
                raise Unsupported
            tag = "ul" if name == "bullet_list" else "ol"
            start = node.meta.get("start", 1) if name == "ordered_list" else 1
            attrs = f' start="{start}"' if start != 1 else ""
            out.append((name + "_open", tag, 1, attrs, False, ""))
            for item in node.children:
                if item.name != "list_item":
                    raise Unsupported
                out.append(("list_item_open", "li", 1, "", False, ""))
                # A tight item's paragraphs are left out of the tree, their inline
                # content put straight into the item: markdown-it-py hides them.
                run: list[Any] = []
                for child in item.children:
                    if child.name in _INLINE:
                        run.append(child)
                        continue
                    if run:
                        self._hidden_paragraph(run, out)
                        run = []
                    self._block(child, out, headings, True)
                if run:
                    self._hidden_paragraph(run, out)
                out.append(("list_item_close", "li", -1, "", False, ""))
            out.append((name + "_close", tag, -1, "", False, ""))
        elif name == "hr":
            out.append(("hr", "hr", 0, "", False, ""))
        elif name == "code_block":
            html = f"<pre><code>{_escape(node.meta['content'])}</code></pre>\n"
            out.append(("raw", "", 0, "", False, html))
        elif name == "fence":
            info = node.meta.get("info", "")
            if "\\" in info or "&" in info:
                raise Unsupported
            lang = info.split(maxsplit=1)[0] if info.strip() else ""
            attrs = f' class="language-{_escape(lang)}"' if lang else ""
            html = f"<pre><code{attrs}>{_escape(node.meta['content'])}</code></pre>\n"
            out.append(("raw", "", 0, "", False, html))
        elif name == "table":
            # Only the plain form, every row between pipes: markdown-it-pyrs takes some
            # lines without them for a table where markdown-it-py sees a paragraph.
            start_byte, end_byte = node.srcmap
            for row_text in self.source[start_byte:end_byte].rstrip().split(b"\n"):
                row_text = row_text.strip(b" ")
                if len(row_text) < 2 or row_text[:1] != b"|" or row_text[-1:] != b"|":
                    raise Unsupported
            aligns = node.meta["alignments"]
            out.append(("table_open", "table", 1, "", False, ""))
            for section in node.children:
                kind = section.name
                if kind != "thead" and kind != "tbody":
                    raise Unsupported
                cell = "th" if kind == "thead" else "td"
                out.append((kind + "_open", kind, 1, "", False, ""))
                for row in section.children:
                    out.append(("tr_open", "tr", 1, "", False, ""))
                    for i, child in enumerate(row.children):
                        style = _ALIGN.get(aligns[i]) if i < len(aligns) else None
                        attrs = f' style="{style}"' if style else ""
                        out.append((cell + "_open", cell, 1, attrs, False, ""))
                        out.append(("inline", "", 0, "", False, self._inline(child.children)))
                        out.append((cell + "_close", cell, -1, "", False, ""))
                    out.append(("tr_close", "tr", -1, "", False, ""))
                out.append((kind + "_close", kind, -1, "", False, ""))
            out.append(("table_close", "table", -1, "", False, ""))
        else:
            raise Unsupported

    def _hidden_paragraph(self, run: list[Any], out: list[_Tok]) -> None:
        out.append(("paragraph_open", "p", 1, "", True, ""))
        out.append(("inline", "", 0, "", False, self._inline(run)))
        out.append(("paragraph_close", "p", -1, "", True, ""))

    def _inline(self, nodes: Any) -> str:
        parts: list[str] = []
        for node in nodes:
            name = node.name
            if name == "text" or name == "text_special":
                parts.append(_escape(node.meta["content"]))
            elif name == "softbreak":
                parts.append("\n")
            elif name == "hardbreak":
                parts.append("<br />\n")
            elif name == "em" or name == "strong" or name == "strikethrough":
                tag = "s" if name == "strikethrough" else name
                parts.append(f"<{tag}>{self._inline(node.children)}</{tag}>")
            elif name == "code_inline":
                parts.append(f"<code>{_escape(_text_of(node.children))}</code>")
            elif name == "link":
                meta = node.meta
                href = self._url(meta["url"])
                # As _render_link_open does it.
                external = href.startswith(("http://", "https://", "//"))
                if not external and href.startswith("/"):
                    href = self.base_path + href[1:]
                attrs = f' href="{_escape(href)}"'
                if meta.get("title"):
                    attrs += f' title="{_escape(meta["title"])}"'
                if external:
                    attrs += ' rel="noopener"'
                parts.append(f"<a{attrs}>{self._inline(node.children)}</a>")
            elif name == "image":
                meta = node.meta
                src = self._url(meta["url"])
                if src.startswith("/") and not src.startswith("//"):
                    src = self.base_path + src[1:]
                attrs = f' src="{_escape(src)}" alt="{_escape(_alt_text(node.children))}"'
                if meta.get("title"):
                    attrs += f' title="{_escape(meta["title"])}"'
                parts.append(f"<img{attrs} />")
            else:
                raise Unsupported
        return "".join(parts)


def _text_of(nodes: Any) -> str:
    return "".join(node.meta.get("content", "") for node in nodes)


def _heading_text(nodes: Any) -> str:
    """What the anchors plugin makes a heading's id from: its text and code, not image
    descriptions."""
    parts: list[str] = []
    for node in nodes:
        name = node.name
        if name == "text" or name == "text_special":
            parts.append(node.meta["content"])
        elif name == "code_inline":
            parts.append(_text_of(node.children))
        elif name != "image" and node.children:
            parts.append(_heading_text(node.children))
    return "".join(parts)


def _alt_text(nodes: Any) -> str:
    """markdown-it-py's renderInlineAsText over an image description."""
    parts: list[str] = []
    for node in nodes:
        name = node.name
        if name == "text" or name == "text_special":
            parts.append(node.meta["content"])
        elif name == "code_inline":
            parts.append(_text_of(node.children))
        elif name == "softbreak" or name == "hardbreak":
            parts.append("\n")
        elif node.children:
            parts.append(_alt_text(node.children))
    return "".join(parts)


def _render_blocks(tokens: list[_Tok]) -> str:
    """markdown-it-py's RendererHTML.renderToken over block tokens (xhtmlOut on)."""
    out: list[str] = []
    last = len(tokens) - 1
    for i, (kind, tag, nesting, attrs, hidden, payload) in enumerate(tokens):
        if kind == "inline" or kind == "raw":
            out.append(payload)
            continue
        if hidden:
            continue
        text = "\n" if nesting != -1 and i and tokens[i - 1][4] else ""
        text += ("</" if nesting == -1 else "<") + tag + attrs
        if nesting == 0:
            text += " /"
        need_lf = True
        if nesting == 1 and i < last:
            following = tokens[i + 1]
            if (
                following[0] == "inline"
                or following[4]
                or (following[2] == -1 and following[1] == tag)
            ):
                need_lf = False
        out.append(text + (">\n" if need_lf else ">"))
    return "".join(out)
