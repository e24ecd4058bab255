"""The ``/search/`` page and the article pages Pagefind indexes."""

from __future__ import annotations

from collections.abc import Iterable

from digest.model import Article
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
    """The article pages' output paths, and the articles they show (``articles``, in the
    same order)."""

    def __init__(self, pages: Iterable[Page]) -> None:
        chosen = [p for p in pages if p.template == ARTICLE_TEMPLATE]
        super().__init__(p.path for p in chosen)
        self.articles: tuple[Article, ...] = tuple(p.context["article"] for p in chosen)


def article_paths(pages: Iterable[Page]) -> ArticlePages:
    """The article pages among ``pages`` (what ``build`` and ``watch`` hand the indexer)."""
    return ArticlePages(pages)


def is_article_path(rel: str) -> bool:
    """Whether an output path is an article page's (``YYYY/MM/DD/<slug>/index.html``)."""
    parts = rel.split("/")
    return len(parts) == 5 and parts[4] == "index.html" and all(p.isdigit() for p in parts[:3])
