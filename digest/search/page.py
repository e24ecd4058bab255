"""The ``/search/`` page and the article pages Pagefind indexes."""

from __future__ import annotations

from collections.abc import Iterable

from digest.pipeline.plan import Page

ARTICLE_TEMPLATE = "article.html"

INSTALL_HINT = "search: Pagefind is not installed; pip install 'digest-ssg[search]'"


def search_page(available: bool) -> Page:
    """The ``/search/`` page (planned only when search is on)."""
    return Page(
        "search/index.html",
        "/search/",
        "search.html",
        {"search_available": available},
        title="Search",
    )


class ArticlePages(list[str]):
    """The article pages' output paths. Only their paths: a build's pages make their
    contexts when read (``pipeline.pages.Later``), and reading 10,000 of them for nothing
    was a tenth of a second of every build with search."""

    def __init__(self, pages: Iterable[Page]) -> None:
        super().__init__(p.path for p in pages if p.template == ARTICLE_TEMPLATE)


def article_paths(pages: Iterable[Page]) -> ArticlePages:
    """The article pages among ``pages`` (what ``build`` and ``watch`` hand the indexer)."""
    return ArticlePages(pages)


def is_article_path(rel: str) -> bool:
    """Whether an output path is an article page's (``YYYY/MM/DD/<slug>/index.html``)."""
    parts = rel.split("/")
    return len(parts) == 5 and parts[4] == "index.html" and all(p.isdigit() for p in parts[:3])
