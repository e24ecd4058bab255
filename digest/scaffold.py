"""Scaffolding: ``digest new`` writes one article file, ``digest init`` a new site project.

Both write into the user's own folders, so both are careful: ``new`` validates the article
exactly as a build would before anything touches the disk and never replaces a file;
``init`` refuses a folder that already holds something unless told to (``--force``).

The skeleton of a new project lives here as text rather than as package data: nothing to
list in ``pyproject.toml``, nothing a non-editable install can lose (dotfiles such as
``.gitignore`` and ``.github/`` are easy to drop from package-data globs).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import yaml

from digest.config import CONFIG_NAME, load_config
from digest.errors import Diagnostic, DigestError
from digest.load import CONTENT_DIR, discover, parse_article
from digest.model import Article, day_path
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
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+([Zz]|[+-][0-9:]+)?)?", re.IGNORECASE)


# --- digest new ----------------------------------------------------------------------------


def render_article(
    title: str, source: str, url: str, date: str, topics: list[str], body: str = ""
) -> str:
    """The text of an article file.

    Each value goes through ``yaml.safe_dump`` on its own, so a title such as
    ``Breaking: "quotes" # hash`` or ``yes`` comes back from the loader as the same text
    (quoted only where YAML needs it), and every key stays on one line of its own, which is
    what error messages point at. The date is left unquoted, as people write it by hand.
    """
    lines = ["---"]
    lines.append(_yaml_line("title", title))
    lines.append(_yaml_line("source", source))
    lines.append(f"date: {date}" if _plain_date(date) else _yaml_line("date", date))
    lines.append(_yaml_line("url", url))
    if topics:
        lines.append(_yaml_line("topics", topics))
    lines.append("---")
    return "\n".join(lines) + "\n" + body


def _yaml_line(key: str, value: Any) -> str:
    # width: one line whatever the length (messages point at one line per key); a list in
    # flow style, ``[a, b]``, as people write topics by hand.
    text = yaml.safe_dump(
        {key: value},
        allow_unicode=True,
        default_flow_style=None if isinstance(value, list) else False,
        sort_keys=False,
        width=1 << 30,
    )
    return text.rstrip("\n")


def _plain_date(text: str) -> bool:
    """Whether a date can go unquoted: it looks like one, so YAML cannot read it as a
    number (``12:30`` is 750 in YAML 1.1), and our loader has no timestamp type."""
    return _DATE_LIKE.fullmatch(text) is not None


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
    text = render_article(title, source, url, date, topics)
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
        _create_new_file(path, text.encode("utf-8"))
    except FileExistsError:
        raise DigestError.at(rel, 0, "already exists; not overwritten") from None
    except OSError as exc:
        raise DigestError.at(rel, 0, f"cannot write: {exc.strerror or exc}") from None
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


def _create_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``, complete or not at all, never replacing a file.

    The bytes go to a hidden temporary file in the same folder (the loader skips hidden
    files), which is then hard-linked to the final name: ``link`` fails when the name
    exists, where a rename would silently replace it. Raises FileExistsError then.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 rather than mkstemp (0o600): the file gets the user's umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            # A file system without hard links (FAT, some network shares): an exclusive
            # create still never replaces a file, only a crash mid-write could cut it short.
            with open(path, "xb") as handle:
                handle.write(data)
    finally:
        tmp.unlink(missing_ok=True)


# --- digest init ---------------------------------------------------------------------------

EXAMPLE_URL = "https://example.com/welcome-to-your-digest"

_CONFIG_TEXT = """\
# Settings of this digest site. Every setting is shown with its default value:
# remove the "# " in front of a line to change it. (digest.toml itself is optional.)

# The site's name, shown in the header, in page titles and in feeds.
# title = "Digest"

# The description of pages that have none of their own (search engines show it).
# description = "A daily digest of news articles."

# Where the site is published; its path is the base path of links (the Pages workflow sets it).
# base_url = "http://localhost/"

# IANA time zone (e.g. "Europe/Berlin"): an article's day is its date in this zone.
# timezone = "UTC"

# Language of pages and articles (an article's `lang` overrides it).
# language = "en"

# Days listed on each home page (/, /page/2/, ...).
# days_per_page = 7

# Articles on each topic and source page.
# per_page = 50

# A custom domain (e.g. "news.example.org"), written to /CNAME.
# cname = ""

# true: raw HTML in Markdown passes through; false: it is shown escaped (safer).
# allow_html = false

# true: build a search page, /search/ (needs the search extra: pip install "digest-ssg[search]").
# search = false

# Automatic topics for articles whose front-matter has none: topic = [words to look for].
# [topics]
# Syria = ["Syria", "Assad", "Damascus"]
"""

_EXAMPLE_BODY = """\
This is an example article. Each article is one Markdown file under `content/`, with its
details in the front-matter between the two `---` lines at the top of the file:
`title`, `source`, `date` and `url` (the original article) are required; `topics`,
`summary`, `author`, `image`, `draft: true` and `lang` are optional.

Add an article with:

    digest new "Title of the article" --source "The Daily" --url https://example.com/story

then see the site with `digest serve`. Delete this file once you have articles of your own.
"""

_TEMPLATES_README = """\
# templates/

Jinja2 templates placed here replace those of the built-in theme **by file name**: a
`templates/article.html` is used instead of the theme's `article.html`. Any template of
the built-in theme can be replaced this way; the others keep coming from the theme.

Start from a copy of the theme's own template. They are in the installed package:

    python -c "from digest.render import THEME_DIR; print(THEME_DIR / 'templates')"

An empty folder (or only this README) means the built-in theme is used as it is.
"""

_STATIC_README = """\
# static/

Files here are copied as-is into the built site, keeping their folders:
`static/images/logo.png` is published as `images/logo.png`. Use it for images, extra CSS,
a `favicon.ico`, or a `CNAME` file for a custom domain (or set `cname` in `digest.toml`).

Link to them from Markdown with a path from the site's root, e.g.
`![Logo](/images/logo.png)`: digest adds the base path when the site lives under a
sub-path such as `/my-repo/`.

A file here must not have the same path as a page digest writes; the build stops and names both.
"""

_GITIGNORE = """\
# The built site and digest's incremental build cache: both are made from the sources.
/site/
/.site.*
.digest-cache/
"""

_WORKFLOW = """\
# Builds the digest and publishes it on GitHub Pages.
# Once, on GitHub: Settings > Pages > Build and deployment > Source: "GitHub Actions".
name: Publish the digest

on:
  push:
    branches: [main]
  workflow_dispatch:
  schedule:
    # Once a day too: picks up a new digest release and retries a publish that failed.
    - cron: "17 5 * * *"

permissions:
  contents: read
  pages: write
  id-token: write

# One publish at a time; a run in progress is finished, not cancelled.
concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v7

      - uses: actions/setup-python@v7
        with:
          python-version: "3.12"

      - name: Install digest
        id: digest
        run: |
          python -m pip install digest-ssg
          # With search = true in digest.toml, the search extra (Pagefind) too.
          if python - 2>/dev/null <<'EOF'
          import pathlib, sys
          from digest.config import load_config
          sys.exit(not load_config(pathlib.Path(".")).search)
          EOF
          then
            python -m pip install "digest-ssg[search]"
          fi
          echo "version=$(python -c 'import digest; print(digest.__version__)')" >> "$GITHUB_OUTPUT"

      - name: Set up Pages
        id: pages
        uses: actions/configure-pages@v6

      # The previous build and its cache, so only pages that changed are rendered again.
      - name: Restore the last build
        uses: actions/cache@v6
        with:
          path: |
            .digest-cache
            site
          key: >-
            digest-${{ steps.digest.outputs.version }}-${{ hashFiles('content/**',
            'templates/**', 'static/**', 'digest.toml') }}
          restore-keys: |
            digest-${{ steps.digest.outputs.version }}-

      # base_url has no trailing slash (https://user.github.io/repo); digest wants one.
      - name: Build
        run: digest build --base-url "${{ steps.pages.outputs.base_url }}/"

      - uses: actions/upload-pages-artifact@v5
        with:
          path: site

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"""

WORKFLOW_PATH = ".github/workflows/pages.yml"


def skeleton(today: dt.date) -> dict[str, str]:
    """Every file of a new site project: relative path -> text, in the order written."""
    example = render_article(
        "Welcome to your digest",
        "Example News",
        EXAMPLE_URL,
        today.isoformat(),
        ["Getting started"],
        body=_EXAMPLE_BODY,
    )
    return {
        CONFIG_NAME: _CONFIG_TEXT,
        f"{CONTENT_DIR}{day_path(today)}welcome-to-your-digest.md": example,
        "templates/README.md": _TEMPLATES_README,
        "static/README.md": _STATIC_README,
        ".gitignore": _GITIGNORE,
        WORKFLOW_PATH: _WORKFLOW,
    }


def init_site(target: Path, force: bool = False, today: dt.date | None = None) -> list[Path]:
    """Create a site project in ``target`` and return the files written.

    ``target`` may be missing, empty, or hold only ``.git`` (a fresh clone of an empty
    repository). Anything else is refused unless ``force``: then the files ``init`` writes
    are replaced and every other file is kept, and the example article is left out when
    ``content/`` already holds articles (it would only clutter a real site, and a second
    copy of it on another day would be a duplicate URL). ``today`` dates the example
    article (UTC, the default timezone; for tests).
    """
    if target.exists() and not target.is_dir():
        raise DigestError.at(str(target), 0, "exists and is not a folder")
    if target.is_dir() and not force:
        try:
            present = sorted(p.name for p in target.iterdir() if p.name != ".git")
        except OSError as exc:
            raise DigestError.at(str(target), 0, f"cannot read: {exc.strerror}") from None
        if present:
            shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
            raise DigestError.at(
                str(target),
                0,
                f"folder is not empty ({shown}); use --force to write the project's files "
                "into it (replacing those, keeping all others)",
            )
    files = skeleton(today or dt.datetime.now(dt.UTC).date())
    content = target / CONTENT_DIR
    if content.is_dir() and any(content.rglob("*.md")):
        files = {rel: text for rel, text in files.items() if not rel.startswith(CONTENT_DIR)}
    written: list[Path] = []
    for rel, text in files.items():
        path = target / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _replace_file(path, text.encode("utf-8"))
        except OSError as exc:
            raise DigestError.at(str(path), 0, f"cannot write: {exc.strerror or exc}") from None
        written.append(path)
    return written


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (temporary file, then rename over it)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def next_steps(target: Path) -> str:
    """What to do after ``digest init``, to print: see the site, then publish it."""
    lines = ["", "Next steps:"]
    if target.resolve() != Path.cwd().resolve():
        lines.append(f"  cd {shlex.quote(str(target))}")
    lines.append("  digest serve          # see the site at http://127.0.0.1:8000/")
    if not (target / ".git").exists():
        lines.append('  git init -b main && git add . && git commit -m "A new digest"')
    lines += [
        "  # create an empty repository on GitHub, then:",
        "  git remote add origin https://github.com/USER/REPO.git",
        "  git push -u origin main",
        '  # on GitHub: Settings > Pages > Build and deployment > Source: "GitHub Actions"',
    ]
    return "\n".join(lines)
