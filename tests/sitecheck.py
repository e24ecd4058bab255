"""Helpers that read a built site the way a browser and a crawler would."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.attrs.append((tag, name, value))
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))
            if name == "id" and value:
                self.ids.add(value)
        if tag == "script":
            self.scripts.append(dict(attrs))


def parse_html(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def target_file(site: Path, base_path: str, link: str) -> Path | None:
    """The output file an internal link resolves to, or None when it does not start with
    the base path."""
    path = unquote(urlsplit(link).path)
    if not path.startswith(base_path):
        return None
    rel = path[len(base_path) :]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site / rel


def broken_links(site: Path, base_path: str) -> list[str]:
    """Every internal href/src (and in-page #fragment) that does not resolve to a built file
    or an element id, as ``page: link``; internal links without the base path count too."""
    problems: list[str] = []
    ids: dict[Path, set[str]] = {}
    pages = {p: parse_html(p) for p in html_files(site)}
    for page, parsed in pages.items():
        ids[page] = parsed.ids
    for page, parsed in pages.items():
        rel = page.relative_to(site).as_posix()
        for _tag, _attr, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in parsed.ids:
                    problems.append(f"{rel}: {link} (no such id)")
                continue
            if not link.startswith("/"):
                problems.append(f"{rel}: {link} (relative link)")
                continue
            target = target_file(site, base_path, link)
            if target is None:
                problems.append(f"{rel}: {link} (outside the base path {base_path})")
            elif not target.is_file():
                problems.append(f"{rel}: {link} (no such file)")
            elif parts.fragment and target in ids and parts.fragment not in ids[target]:
                problems.append(f"{rel}: {link} (no such id in target)")
    return problems
