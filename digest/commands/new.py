"""``digest new``: one article file, validated exactly as a build would validate it before
anything touches the disk, and never replacing a file (``digest.commands.authoring``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from digest.commands.authoring import article_text, create_file
from digest.config import load_config
from digest.errors import Diagnostic, DigestError
from digest.formats.article import parse_article
from digest.model import Article, day_path
from digest.pipeline.discover import discover
from digest.project import CONTENT_DIR
from digest.slugs import slug_problem, slugify

# What each front-matter key is called on the command line, so a problem found by the
# article validator points at what the user typed rather than at a file that does not exist.
_OPTION_OF_KEY = {
    "title": "TITLE",
    "source": "--source",
    "url": "--url",
    "date": "--date",
    "topics": "--topics",
}
_HERE = "digest new"
"""Where a problem that belongs to no single option is reported."""


def new_article(
    root: Path,
    title: str,
    source: str,
    url: str,
    date: str | None,
    topics: list[str],
    today: dt.date | None = None,
    slug: str | None = None,
) -> Path:
    """Write ``content/YYYY/MM/DD/<slug>.md`` under ``root`` and return its path.

    The slug is ``slug`` (``--slug``), checked as a front-matter ``slug:`` is, or else made
    from the title (transliterated to ASCII: ``Путин`` -> ``putin``).

    The folder is the article's day in the site's timezone (its permalink's date); the
    date defaults to ``today`` there (``today`` is for tests). Raises DigestError, having
    written nothing, when the article would not pass a build: a bad value, a title with no
    letters for a file name, a file already there, or another article with the same URL
    or the same day and slug.
    """
    if not root.is_dir():
        raise DigestError.at(str(root), 0, "site project folder not found (see --root)")
    config = load_config(root)
    tz = config.tz
    title = " ".join(title.split())
    source = " ".join(source.split())
    url = url.strip()
    topics = [" ".join(t.split()) for t in topics if t.strip()]
    if date is None or not date.strip():
        date = (today or dt.datetime.now(tz).date()).isoformat()
    date = date.strip()

    problems: list[Diagnostic] = []
    if slug is not None:
        slug = slug.strip()
        if p := slug_problem(slug):
            problems.append(Diagnostic("--slug", 0, p))
            slug = ""
    else:
        slug = slugify(title)
        if title and not slug:
            problems.append(
                Diagnostic(
                    "TITLE",
                    0,
                    f"{title!r} has no letters or digits to make a file name from; "
                    "choose one with --slug",
                )
            )
    text = article_text(
        {"title": title, "source": source, "date": date, "url": url, "topics": topics}
    )
    # Validate under a stand-in name: the real one depends on the date being valid.
    article, found = parse_article(f"{CONTENT_DIR}/{slug or 'untitled'}.md", text.encode(), tz)
    problems.extend(_as_option_problem(d) for d in found)
    if problems or article is None:
        raise DigestError(problems)

    rel = f"{CONTENT_DIR}{day_path(article.day)}{slug}.md"
    path = root / rel
    if path.exists() or path.is_symlink():
        raise DigestError.at(rel, 0, "already exists; not overwritten")
    _refuse_duplicates(root, rel, article, tz)
    try:
        created = create_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise DigestError.at(rel, 0, f"cannot write: {exc.strerror or exc}") from None
    if not created:
        raise DigestError.at(rel, 0, "already exists; not overwritten")
    return path


def _as_option_problem(problem: Diagnostic) -> Diagnostic:
    """``content/x.md:2: title: must not be empty`` -> ``TITLE: must not be empty``."""
    key, sep, rest = problem.message.partition(": ")
    if sep and key in _OPTION_OF_KEY:
        return Diagnostic(_OPTION_OF_KEY[key], 0, rest)
    return Diagnostic(_HERE, 0, problem.message)


def _refuse_duplicates(root: Path, rel: str, article: Article, tz: ZoneInfo) -> None:
    """The checks a build makes across articles (``index.find_duplicates``) against those
    already in ``content/``; drafts count, since ``--drafts`` builds them.

    Only files that could collide are parsed: one that mentions neither the URL's host nor
    the slug can have neither (validating every article would take seconds on a big site).
    """
    host = (urlsplit(article.canonical_url).hostname or "").lower()
    slug = article.slug.lower()
    files = discover(root)[0]
    problems: list[Diagnostic] = []
    for source in files:
        try:
            data = source.path.read_bytes()
        except OSError:
            continue  # the build reports it; it is not what `new` is about
        stem = Path(source.rel).stem
        text = data.decode("utf-8", "replace").lower()
        if host not in text and slug not in text and slug not in (stem.lower(), slugify(stem)):
            continue
        other, _ = parse_article(source.rel, data, tz)
        if other is None:
            continue
        if other.canonical_url == article.canonical_url:
            problems.append(
                Diagnostic(
                    "--url",
                    0,
                    f"same article as {other.path} (both link to {other.canonical_url})",
                )
            )
        elif (other.day, other.slug.lower()) == (article.day, slug):
            problems.append(
                Diagnostic(
                    rel,
                    0,
                    f"slug {article.slug!r} on {article.day.isoformat()} collides with "
                    f"{other.path} (both would be {article.permalink})",
                )
            )
    if problems:
        raise DigestError(problems)
