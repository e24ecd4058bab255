"""Pages: the output files a plan is made of, and the pieces every kind of page shares
(paths, pagination, feeds, sitemaps)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.model import Article


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
    lastmod: dt.date | None = None
    """Date of the newest article the page shows: the sitemap's ``lastmod``."""
    feed: str = "/feed.xml"
    """The Atom feed a reader of this page would follow (``<link rel="alternate">``)."""
    title: str = ""
    """The page's own title, for the feed link's label."""
    made_from: tuple[Any, ...] | None = None
    """What ``context`` is worked out from, when the planner builds it from these values
    alone (with the configuration): the fingerprint hashes them instead of the context,
    which takes longer to walk. None: the context is hashed."""


class Later(dict[str, Any]):
    """A page's context made when it is first read, by any of a dict's ways of reading
    (a template's render unpacks it with ``**``, which reads it as a mapping, since it
    iterates its own way): a build fingerprints the pages of unchanged days from what they
    are made from (``Page.made_from``), and renders a few. Read, it is the dict it was
    made into. Only a plain build's plan holds these: ``watch`` walks and rebuilds its
    pages' contexts as the dicts they are (``digest.incremental.holders``)."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], dict[str, Any]]) -> None:
        super().__init__()
        self._make: Callable[[], dict[str, Any]] | None = make

    def made(self) -> Later:
        make = self._make
        if make is not None:
            self._make = None
            dict.update(self, make())
        return self

    def __getitem__(self, key: str) -> Any:
        return dict.__getitem__(self.made(), key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self.made(), key)

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self.made())

    def __reversed__(self) -> Iterator[str]:
        return dict.__reversed__(self.made())

    def __len__(self) -> int:
        return dict.__len__(self.made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Later):
            other.made()
        return dict.__eq__(self.made(), other)

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Later):
            other.made()
        return dict.__ne__(self.made(), other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return dict.__repr__(self.made())

    def __or__(self, other: Any) -> Any:
        return dict.__or__(dict(self.made()), other)

    def __ror__(self, other: Any) -> Any:
        return dict.__or__(dict(other), dict(self.made()))

    def __reduce_ex__(self, protocol: Any) -> Any:  # copied and pickled as the plain dict
        return (dict, (dict(self.made()),))

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self.made(), key, default)

    def keys(self) -> Any:
        return dict.keys(self.made())

    def values(self) -> Any:
        return dict.values(self.made())

    def items(self) -> Any:
        return dict.items(self.made())

    def copy(self) -> dict[str, Any]:
        return dict(self.made())

    def _changed(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a page's context is not changed once planned")

    __setitem__ = __delitem__ = __ior__ = _changed
    setdefault = pop = popitem = update = clear = _changed


@dataclass(frozen=True, slots=True)
class Asset:
    """One output file copied or generated as bytes, not rendered."""

    path: str
    origin: str
    """Where it comes from, for collision messages (``the built-in theme``, ``static/x.css``)."""
    data: bytes | None = None
    source: Path | None = None
    """A file to copy, read only when written (static files can be large)."""

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        return self.source.read_bytes()


def page_path(url: str) -> str:
    """The file serving a site path: ``/a/b/`` -> ``a/b/index.html``, ``/x.xml`` -> ``x.xml``."""
    stripped = url.lstrip("/")
    return stripped + "index.html" if url.endswith("/") else stripped


def paginate(items: tuple[Any, ...], size: int) -> list[tuple[Any, ...]]:
    """Newest-first ``items`` as pages: the front page, then the archive pages newest to
    oldest. Archive pages are numbered from the oldest and hold ``size`` items each, fixed
    once full; the front page holds the newest rest (``size`` to ``2 * size - 1``, or all).
    So a new item changes the front page only, and every ``size`` items one new archive
    page appears, instead of every page shifting by one."""
    full = len(items) // size
    if full <= 1:
        return [items]
    front = len(items) - (full - 1) * size
    pages = [items[:front]]
    pages.extend(items[front + i * size : front + (i + 1) * size] for i in range(full - 1))
    return pages


def page_url(base: str, index: int, count: int) -> str:
    """The URL of page ``index`` of ``paginate``'s list (0: the front page)."""
    return base if index == 0 else f"{base}page/{count - index}/"


def pagination(base: str, index: int, count: int) -> dict[str, Any]:
    """``number``: the archive page's number (1 = the oldest), None on the front page;
    ``prev_url`` is the newer neighbour, ``next_url`` the older one."""
    return {
        "number": None if index == 0 else count - index,
        "prev_url": page_url(base, index - 1, count) if index > 0 else None,
        "next_url": page_url(base, index + 1, count) if index + 1 < count else None,
    }


FEED_SIZE = 50  # entries in each feed: the newest articles (or days)


def newest_day(articles: tuple[Article, ...]) -> dt.date | None:
    return articles[0].day if articles else None


def json_feed_url(atom_url: str) -> str:
    """The JSON Feed beside an Atom feed: ``/topics/x/feed.xml`` -> ``/topics/x/feed.json``."""
    return atom_url.removesuffix(".xml") + ".json"


def feeds(url: str, template: str, context: dict[str, Any]) -> list[Page]:
    """An Atom feed and its JSON Feed twin, made from the same context."""
    json_url = json_feed_url(url)
    json_template = "feed.json" if template == "atom.xml" else json_feed_url(template)
    return [
        Page(page_path(url), url, template, {**context, "feed_url": url}),
        Page(page_path(json_url), json_url, json_template, {**context, "feed_url": json_url}),
    ]


_DATED = frozenset({"day.html", "article.html", "story.html", "month.html"})
"""Pages listed in the sitemap of their month (of their ``lastmod``); the others are in
``sitemaps/pages.xml``."""


def sitemaps(html_pages: list[Page]) -> list[Page]:
    """``/sitemap.xml``, an index of one sitemap per month (its days, articles and stories)
    and one of every other page: a new day changes the index, its month's and the pages'
    sitemap, not a list of the whole site, and no sitemap nears the protocol's 50,000 URLs."""
    groups: dict[str, list[Page]] = {"pages": []}
    others = groups["pages"]
    of_day: dict[dt.date, list[Page]] = {}  # each day's month found once, not once a page
    # The fields taken at C speed: ``watch`` plans every page of the site again.
    for page, template, day in zip(
        html_pages, map(_TEMPLATE, html_pages), map(_LASTMOD, html_pages), strict=True
    ):
        if day is not None and template in _DATED:
            month = of_day.get(day)
            if month is None:
                month = of_day[day] = groups.setdefault(f"{day:%Y-%m}", [])
            month.append(page)
        else:
            others.append(page)
    children, index = [], []
    for name in ["pages", *sorted(n for n in groups if n != "pages")]:
        members = groups[name]
        days = list(map(_LASTMOD, members))
        entries = tuple(zip(map(_URL, members), days, strict=True))
        url = f"/sitemaps/{name}.xml"
        children.append(Page(page_path(url), url, "sitemap.xml", {"entries": entries}))
        index.append((url, max(filter(None, days), default=None)))
    children.append(Page("sitemap.xml", "/sitemap.xml", "sitemaps.xml", {"sitemaps": tuple(index)}))
    return children


_TEMPLATE, _LASTMOD, _URL = (operator.attrgetter(n) for n in ("template", "lastmod", "url"))
