"""Plan: every output file of the site, what renders it and the data it is made from."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from digest.config import SiteConfig
from digest.errors import Diagnostic, DigestError
from digest.index import OTHER_TOPIC, SiteIndex
from digest.model import Article, Day
from digest.slugs import slugify


@dataclass(frozen=True, slots=True)
class Page:
    """One output file rendered from a template."""

    path: str
    """Output file relative to the output folder, posix (``2013/11/17/index.html``)."""
    url: str
    """Site path before the base path (``/2013/11/17/``): what links point at."""
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    """Template variables besides the globals (``site``, ``base_path`` ...)."""


@dataclass(frozen=True, slots=True)
class Asset:
    """One output file copied or generated as bytes, not rendered."""

    path: str
    data: bytes
    origin: str
    """Where it comes from, for collision messages (``theme``, ``static/x.css`` ...)."""


@dataclass(frozen=True, slots=True)
class Group:
    """Articles of one day under one topic heading."""

    name: str
    slug: str
    """Empty for the "Other" group: it has no topic page."""
    articles: tuple[Article, ...]


@dataclass(slots=True)
class SitePlan:
    pages: list[Page]
    assets: list[Asset]

    def paths(self) -> Iterator[str]:
        for page in self.pages:
            yield page.path
        for asset in self.assets:
            yield asset.path


def page_path(url: str) -> str:
    """The file serving a site path: ``/a/b/`` -> ``a/b/index.html``, ``/x.xml`` -> ``x.xml``."""
    stripped = url.lstrip("/")
    return stripped + "index.html" if url.endswith("/") else stripped


def _paginate(items: tuple[Any, ...], size: int) -> list[tuple[Any, ...]]:
    count = max(1, math.ceil(len(items) / size))
    return [items[i * size : (i + 1) * size] for i in range(count)]


def _pagination(base: str, number: int, count: int) -> dict[str, Any]:
    def url(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    return {
        "number": number,
        "count": count,
        "prev_url": url(number - 1) if number > 1 else None,
        "next_url": url(number + 1) if number < count else None,
        "urls": [url(n) for n in range(1, count + 1)],
    }


def day_groups(day: Day) -> tuple[Group, ...]:
    """A day's articles under each of their topics (an article may appear under several),
    topics by size then name, "Other" last for articles with no topic."""
    groups: dict[str, list[Article]] = {}
    names: dict[str, str] = {}
    other: list[Article] = []
    for article in day.articles:
        if not article.topics:
            other.append(article)
        for name in article.topics:
            slug = slugify(name)
            groups.setdefault(slug, []).append(article)
            names.setdefault(slug, name)
    ordered = sorted(groups, key=lambda s: (-len(groups[s]), names[s].casefold(), s))
    result = [Group(names[s], s, tuple(groups[s])) for s in ordered]
    if other:
        result.append(Group(OTHER_TOPIC, "", tuple(other)))
    return tuple(result)


def plan_site(index: SiteIndex, config: SiteConfig) -> SitePlan:
    """Every page of the site; two outputs claiming one path is an error naming both."""
    pages: list[Page] = []

    day_pages = _paginate(index.days, config.days_per_page)
    for number, days in enumerate(day_pages, start=1):
        url = "/" if number == 1 else f"/page/{number}/"
        pages.append(
            Page(
                page_path(url),
                url,
                "home.html",
                {"days": days, "pagination": _pagination("/", number, len(day_pages))},
            )
        )

    for position, day in enumerate(index.days):
        newer = index.days[position - 1] if position > 0 else None
        older = index.days[position + 1] if position + 1 < len(index.days) else None
        pages.append(
            Page(
                page_path(day.permalink),
                day.permalink,
                "day.html",
                {
                    "day": day,
                    "groups": day_groups(day),
                    "sources": sorted({a.source for a in day.articles}, key=str.casefold),
                    "newer": newer,
                    "older": older,
                },
            )
        )
        for article in day.articles:
            pages.append(
                Page(
                    page_path(article.permalink),
                    article.permalink,
                    "article.html",
                    {"article": article, "day": day},
                )
            )

    pages.append(Page("404.html", "/404.html", "404.html", {}))
    return SitePlan(pages, [])


def check_collisions(plan: SitePlan) -> None:
    """Refuse a plan in which two outputs would write the same file."""
    owners: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for page in plan.pages:
        owner = page.context.get("article")
        origin = owner.path if isinstance(owner, Article) else f"the {page.template} page"
        if page.path in owners:
            problems.append(
                Diagnostic(origin, 0, f"output {page.path} is also written by {owners[page.path]}")
            )
        owners.setdefault(page.path, origin)
    for asset in plan.assets:
        if asset.path in owners:
            problems.append(
                Diagnostic(
                    asset.origin, 0, f"output {asset.path} is also written by {owners[asset.path]}"
                )
            )
        owners.setdefault(asset.path, asset.origin)
    if problems:
        raise DigestError(problems)
