"""``digest init``: a new site project with an example article and a GitHub Pages workflow.

It refuses a folder that already holds something unless told to (``--force``). The skeleton
lives here as text rather than as package data: nothing to list in ``pyproject.toml``,
nothing a non-editable install can lose (dotfiles such as ``.gitignore`` and ``.github/``
are easy to drop from package-data globs).
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

from digest import __version__
from digest.commands.authoring import article_text, replace_file
from digest.config import CONFIG_NAME
from digest.errors import DigestError
from digest.model import day_path
from digest.project import CONTENT_DIR

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

# false: no story grouping (each article is its own entry on the day pages; no /stories/).
# stories = true

# Automatic topics for articles whose front-matter has none: topic = [words to look for].
# [topics]
# Syria = ["Syria", "Assad", "Damascus"]

# The theme's words in your own, by key (README, Languages).
# [strings]
# "nav.latest" = "Front page"
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

    python -c "from digest.pipeline.render import THEME_DIR; print(THEME_DIR / 'templates')"

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
    # Once a day too: retries a publish that failed.
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
          # The digest release that wrote this workflow, pinned: a new release changes the
          # site's build only when you change this line. Until digest-ssg is on PyPI, install
          # it from its git repository at the same version instead (replace OWNER with the
          # repository's owner):
          #   python -m pip install "digest-ssg @ git+https://github.com/OWNER/digest@v@VERSION@"
          python -m pip install "digest-ssg==@VERSION@"
          # With search = true in digest.toml, the search extra (Pagefind) too.
          if python - 2>/dev/null <<'EOF'
          import pathlib, sys
          from digest.config import load_config
          sys.exit(not load_config(pathlib.Path(".")).search)
          EOF
          then
            python -m pip install "digest-ssg[search]==@VERSION@"
          fi
          echo "version=$(python -c 'import digest; print(digest.__version__)')" >> "$GITHUB_OUTPUT"

      - name: Set up Pages
        id: pages
        uses: actions/configure-pages@v6

      # The previous build and its cache, so only pages that changed are rendered again
      # (.site.spare: the site before it, which the build turns into the new one).
      - name: Restore the last build
        uses: actions/cache@v6
        with:
          path: |
            .digest-cache
            site
            .site.spare
            .site.spare.json
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
    example = article_text(
        {
            "title": "Welcome to your digest",
            "source": "Example News",
            "date": today,
            "url": EXAMPLE_URL,
            "topics": ["Getting started"],
        },
        _EXAMPLE_BODY,
    )
    return {
        CONFIG_NAME: _CONFIG_TEXT,
        f"{CONTENT_DIR}{day_path(today)}welcome-to-your-digest.md": example,
        "templates/README.md": _TEMPLATES_README,
        "static/README.md": _STATIC_README,
        ".gitignore": _GITIGNORE,
        WORKFLOW_PATH: _WORKFLOW.replace("@VERSION@", __version__),
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
            replace_file(path, text.encode("utf-8"))
        except OSError as exc:
            raise DigestError.at(str(path), 0, f"cannot write: {exc.strerror or exc}") from None
        written.append(path)
    return written


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
