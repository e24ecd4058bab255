"""The content model: frozen values, no I/O."""

from __future__ import annotations

import abc
import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

FIRST_DAY = dt.date(1800, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
"""The dates an article may have, as written and in the site's timezone. Wide enough for
any news archive; narrow enough that converting between timezones, ``timestamp()`` and
the days around a date never leave what ``datetime`` can hold (years 1 to 9999)."""

# English names, not calendar.month_name: that follows the machine's locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def by_path(articles: Iterable[Article]) -> dict[str, Article]:
    """``{a.path: a for a in articles}`` at C speed (``watch`` makes it of the whole site
    after every replan)."""
    articles = articles if isinstance(articles, Sequence) else tuple(articles)
    return dict(zip(map(_PATH, articles), articles, strict=True))


_PATH = operator.attrgetter("path")


_DAYS: dict[dt.date, dt.date] = {}


def one_day(day: dt.date) -> dt.date:
    """The one ``date`` object of ``day`` in this process: the articles of a day share it,
    so a template's ``cached()`` call of a day (a list's day heading) is made once for it,
    not once per article that begins a group of that day."""
    return _DAYS.setdefault(day, day)


def day_path(day: dt.date) -> str:
    """``/YYYY/MM/DD/`` of a date (or date-time): the one rule for every path and id, the
    year always four digits (``strftime('%Y')`` gives ``5`` for year 5 on some platforms
    and ``0005`` on others)."""
    return f"/{day.year:04d}/{day.month:02d}/{day.day:02d}/"


@dataclass(frozen=True, slots=True)
class Article:
    """One validated article, as loaded from ``content/``."""

    path: str
    """Source file relative to the site root, posix separators (``content/2013/11/17/x.md``)."""
    title: str
    source: str
    """Publication name as written; merged with others of the same slug in the index."""
    url: str
    """The original article, an absolute http(s) URL."""
    canonical_url: str
    """``url`` normalised for duplicate detection (see ``digest.urls.canonical_url``)."""
    published: dt.datetime
    """Aware date-time in the site timezone; midnight when only a date was given."""
    has_time: bool
    """Whether the front-matter gave a time of day, not only a date."""
    slug: str
    topics: tuple[str, ...]
    """Topic names as written in the front-matter, deduplicated by slug, in order."""
    summary: str
    """Plain text: the front-matter's ``summary`` or the start of the first paragraph."""
    body: str = field(compare=False)
    """Markdown source of the body. An article found in the cache holds a ``Pending`` here
    until the body is first read (most builds read a few of them): see ``_Fetched``. Not
    compared: ``content_hash`` is the hash of the bytes the body comes from."""
    body_line: int
    """Line of ``path`` where the body starts, for messages."""
    content_hash: str
    """Hash of the file's bytes: the identity of everything derived from it."""
    author: str = ""
    image: str = ""
    image_alt: str = ""
    """Front-matter ``image_alt``: the lead image's alt text ("": decorative)."""
    lang: str = ""
    draft: bool = False
    story: str = ""
    """Front-matter ``story: <id>``: the story the editor put the article in ("" if none)."""
    story_alone: bool = False
    """Front-matter ``story: false``: the article is a story of its own."""
    reading_time: int = 1
    """Minutes the body takes to read (``digest.formats.reading``), worked out once at load
    and kept in the cache's record: every list of the day shows it."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Front-matter keys we do not know, for templates (``article.extra.section``)."""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Line of each front-matter key, for messages found after loading (duplicates)."""
    permalink: str = field(init=False, compare=False, repr=False)
    """Site path of the article page, before the base path: ``/YYYY/MM/DD/<slug>/``.
    Worked out once: every link to the article reads it, a few hundred thousand times a
    build."""
    day: dt.date = field(init=False, compare=False, repr=False)
    """The day of ``published`` (in its timezone, the site's): the day lists, pages and
    neighbours ask each article for it several times a build. One object for every article
    of that day (``one_day``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "permalink", f"{day_path(self.published)}{self.slug}/")
        object.__setattr__(self, "day", one_day(self.published.date()))

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)

    def __reduce__(self) -> tuple[Any, tuple[tuple[Any, ...]]]:
        # Every article crosses a process boundary (a forked worker) at least once a build:
        # the dataclass default pickles a slots class through Python-level
        # __getstate__/__setstate__ calling fields() each time, twice as slow as this.
        return _restore_article, (tuple([slot.__get__(self) for slot in _ARTICLE_SLOTS]),)


_ARTICLE_SLOTS = tuple(Article.__dict__[f.name] for f in fields(Article))
"""The slots themselves: an article crossing to a worker takes a body still pending as it is."""
_DAY_SLOT = Article.__dict__["day"]


class Pending(abc.ABC):
    """A field's value left where it is kept (``digest.incremental.bodies``), fetched when
    first read: the bodies of 100,000 articles are 400 MB, and a daily update shows a few."""

    __slots__ = ()

    @abc.abstractmethod
    def fetch(self, article: Article) -> str:
        """The value, from where it is kept."""


class _Fetched:
    """A text slot read through: a ``Pending`` value is fetched on first read and kept."""

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, obj: Article | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = self._slot.__get__(obj, owner)
        if type(value) is str:
            return value
        text = value.fetch(obj)
        self._slot.__set__(obj, text)
        return text

    def __set__(self, obj: Article, value: Any) -> None:
        self._slot.__set__(obj, value)

    def __delete__(self, obj: Article) -> None:
        self._slot.__delete__(obj)


Article.body = _Fetched(Article.__dict__["body"])  # type: ignore[assignment]


def pending(article: Article) -> Pending | None:
    """The body's ``Pending`` while it is not fetched yet, without fetching it."""
    value = _BODY_SLOT.__get__(article)
    return value if type(value) is not str else None


_BODY_SLOT = _ARTICLE_SLOTS[[f.name for f in fields(Article)].index("body")]


def _restore_article(values: tuple[Any, ...]) -> Article:
    article = object.__new__(Article)
    for slot, value in zip(_ARTICLE_SLOTS, values, strict=True):
        slot.__set__(article, value)  # the slot descriptor: frozen stops only __setattr__
    _DAY_SLOT.__set__(article, one_day(article.day))  # this process's object of the day
    return article


@dataclass(frozen=True, slots=True)
class Term:
    """A topic or a source: one name, one slug, its articles newest first."""

    kind: str
    """``topics`` or ``sources``: the URL folder and the template vocabulary."""
    name: str
    slug: str
    articles: tuple[Article, ...]

    @property
    def permalink(self) -> str:
        return f"/{self.kind}/{self.slug}/"

    @property
    def latest_day(self) -> dt.date:
        return self.articles[0].day


@dataclass(frozen=True, slots=True)
class Day:
    """One day's digest: its articles newest first."""

    date: dt.date
    articles: tuple[Article, ...]
    permalink: str = field(init=False, compare=False, repr=False)
    """``/YYYY/MM/DD/``: worked out once, as every article page links its day."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "permalink", day_path(self.date))


@dataclass(frozen=True, slots=True)
class Month:
    """One month of the archive: its days newest first."""

    year: int
    month: int
    days: tuple[Day, ...]

    @property
    def date(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def permalink(self) -> str:
        return f"/{self.year:04d}/{self.month:02d}/"

    @property
    def count(self) -> int:
        return sum(len(d.articles) for d in self.days)


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    months: tuple[Month, ...]

    @property
    def permalink(self) -> str:
        return f"/{self.year:04d}/"

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)

    @property
    def days(self) -> tuple[Day, ...]:
        return tuple(d for m in self.months for d in m.days)


def archive(days: tuple[Day, ...]) -> tuple[Year, ...]:
    """Days (newest first) grouped by year and month, newest first."""
    years: dict[int, dict[int, list[Day]]] = {}
    for day in days:
        years.setdefault(day.date.year, {}).setdefault(day.date.month, []).append(day)
    return tuple(
        Year(y, tuple(Month(y, m, tuple(ds)) for m, ds in months.items()))
        for y, months in years.items()
    )
