"""Helpers that read a built site the way a browser and a crawler would."""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import article


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


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_index(site: Path) -> dict[str, str | None]:
    """``/sitemap.xml`` as a crawler reads it: each sitemap it lists, with its lastmod."""
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{{{SITEMAP_NS['s']}}}sitemapindex"
    return {
        e.findtext("s:loc", None, SITEMAP_NS): e.findtext("s:lastmod", None, SITEMAP_NS)
        for e in root
    }


def sitemap_urls(site: Path, base_url: str) -> dict[str, str | None]:
    """Every URL the sitemaps list, with its lastmod; each URL listed once."""
    urls: dict[str, str | None] = {}
    for loc in sitemap_index(site):
        assert loc.startswith(base_url), loc
        root = ET.parse(site / loc.removeprefix(base_url)).getroot()
        assert root.tag == f"{{{SITEMAP_NS['s']}}}urlset"
        for entry in root:
            url = entry.findtext("s:loc", None, SITEMAP_NS)
            assert url not in urls, f"{url} is in two sitemaps"
            urls[url] = entry.findtext("s:lastmod", None, SITEMAP_NS)
    return urls


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


# -- output safety: what the hostile-input and fuzz tests look for in every built page --

_GOOD = {"content/2013/11/17/good.md": article("Good news", url="https://example.com/good")}


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


_THEME_SCRIPTS: set[tuple[tuple[str, str | None], ...]] | None = None


def theme_scripts() -> set[tuple[tuple[str, str | None], ...]]:
    """The <script> tags the built-in theme writes: those of a plain site's pages."""
    global _THEME_SCRIPTS
    if _THEME_SCRIPTS is None:
        from digest.commands.build import BuildOptions, build

        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            write(
                root, {**_GOOD, "content/b.md": article("B", topics="[T]", url="https://e.com/b")}
            )
            build(BuildOptions(root=root, jobs=1))
            _THEME_SCRIPTS = {
                tuple(sorted(s.items()))
                for page in html_files(root / "site")
                for s in parse_html(page).scripts
            }
    return _THEME_SCRIPTS


_UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)


def unsafe_url(value: str) -> bool:
    # Browsers drop ASCII whitespace and control characters inside a scheme.
    squeezed = re.sub(r"[\x00-\x20]", "", value)
    return bool(_UNSAFE_SCHEME.match(squeezed))


def assert_safe_output(site: Path) -> None:
    assert unsafe_output(site) == []


def unsafe_output(site: Path) -> list[str]:
    """Every <script> the theme did not write, javascript:/data: URL in href or src, and
    event-handler attribute (the theme writes none) in the built pages."""
    allowed = theme_scripts()
    problems = []
    pages = html_files(site)
    assert pages
    for page in pages:
        parsed = parse_html(page)
        rel = page.relative_to(site).as_posix()
        for script in parsed.scripts:
            if tuple(sorted(script.items())) not in allowed:
                problems.append(f"{rel}: <script {script}>")
        for tag, name, value in parsed.attrs:
            if name.lower().startswith("on"):
                problems.append(f"{rel}: <{tag} {name}={value!r}>")
            if name in ("href", "src") and value is not None and unsafe_url(value):
                problems.append(f"{rel}: <{tag} {name}={value!r}>")
    return problems
