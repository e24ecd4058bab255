"""Site search with Pagefind (the ``search`` extra: ``pip install 'digest-ssg[search]'``).

When ``search = true`` (or ``--search``) the build plans a ``/search/`` page and, after the
pages are rendered, runs the Pagefind binary over the article pages only (they carry
``data-pagefind-body``; see ``article.html``). The index goes to ``pagefind/`` in the
output:

- A normal build writes the index files through the ``SiteWriter`` like any other file, so
  the index is part of the staged site and swapped in atomically with it. Pagefind runs
  over a scratch folder of hard links to the new article pages (staged or carried over),
  never over the live output. A build that changed no article page keeps the index as it
  is; a build that writes nothing re-indexes nothing.
- ``watch``/``serve`` (in-place builds) keep the index files and, after a rebuild that
  wrote or removed article pages, re-index in a background thread so the rebuild's own
  latency does not grow; the new ``pagefind/`` folder is built beside the output and
  exchanged with the old one in one rename, so readers never see half an index.

Determinism: for the same pages Pagefind (1.5) writes byte-identical fragments, word index
chunks and JS/WASM bundle, but NOT byte-stable filter files: it writes the values of a
filter (topics, sources) in hash-map order, which changes from run to run on a large site.
So ``pagefind/filter/*.pf_filter``, and the files that name them by content hash
(``pagefind/pagefind.*.pf_meta``, ``pagefind/pagefind-entry.json``), are excluded from the
determinism guarantee (``NOT_BYTE_STABLE``; tests/test_search.py compares everything else
byte for byte). Their content is the same set of values and pages, and a build that
changes no article page does not re-index, so they do not churn on their own.

Without the extra the build still succeeds: it warns how to install it, and the search
page says that search is not available.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import Diagnostic
from digest.plan import Page
from digest.write import exchange, safe_relative

INDEX_DIR = "pagefind"
"""Pagefind's bundle in the output: ``/pagefind/pagefind.js`` and the index fragments."""
ENTRY = f"{INDEX_DIR}/pagefind-entry.json"
ARTICLE_TEMPLATE = "article.html"
NOT_BYTE_STABLE = (
    f"{INDEX_DIR}/filter/*.pf_filter",
    f"{INDEX_DIR}/pagefind.*.pf_meta",
    f"{INDEX_DIR}/pagefind-entry.json",
)
"""Index files whose bytes may differ between two runs over the same pages: Pagefind
writes filter values in hash-map order (see the module's docstring)."""
INSTALL_HINT = "search: Pagefind is not installed; pip install 'digest-ssg[search]'"
TIMEOUT = 600.0


def pagefind_binary() -> Path | None:
    """The Pagefind executable shipped by the ``pagefind[bin]`` packages, or None."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    try:
        path = get_executable()
    except (OSError, ValueError):
        return None
    if path is None or not path.is_file() or not os.access(path, os.X_OK):
        return None
    return path


def search_page(available: bool) -> Page:
    """The ``/search/`` page (planned only when search is on)."""
    return Page(
        "search/index.html",
        "/search/",
        "search.html",
        {"search_available": available},
        title="Search",
    )


def article_paths(pages: Iterable[Page]) -> list[str]:
    return [p.path for p in pages if p.template == ARTICLE_TEMPLATE]


def index_files(output: Path) -> list[str]:
    """The current index's files, relative to the output, sorted."""
    folder = output / INDEX_DIR
    if not folder.is_dir():
        return []
    return sorted(
        Path(dirpath, name).relative_to(output).as_posix()
        for dirpath, _dirs, names in os.walk(folder)
        for name in names
    )


class SearchIndexError(Exception):
    """Pagefind failed; the message says why."""


def run_pagefind(
    binary: Path, pages: Iterable[tuple[str, Path]], language: str, destination: Path
) -> None:
    """Index ``(output path, file)`` pages into ``destination`` (a new folder).

    The pages are hard-linked (else copied) into a scratch site so Pagefind sees exactly
    these files at their site paths, whatever else is in the output."""
    with tempfile.TemporaryDirectory(prefix=".digest-search-", dir=destination.parent) as tmp:
        site = Path(tmp, "site")
        site.mkdir()
        for rel, source in pages:
            target = site / safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        language = (language or "en").split("-")[0].lower() or "en"
        cmd = [
            str(binary),
            "--site",
            str(site),
            "--output-path",
            str(destination),
            # One index for the whole site, whatever ``lang`` single articles set: the
            # search page loads one language's index.
            "--force-language",
            language,
            "--silent",
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SearchIndexError(f"search: Pagefind did not run ({exc})") from None
        if proc.returncode != 0 or not (destination / "pagefind-entry.json").is_file():
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise SearchIndexError(
                f"search: Pagefind failed (exit {proc.returncode}): {' / '.join(detail)}"
            )


def write_index(
    writer: object,
    output: Path,
    pages: list[Page],
    config: SiteConfig,
    fingerprints: dict[str, str],
    warnings: list[Diagnostic],
) -> None:
    """For a staged (``SiteWriter``) build: put the index into the new site.

    Re-indexes when an article page was written or removed, or the index is missing;
    otherwise carries the current index over unchanged."""
    binary = pagefind_binary()
    if binary is None:
        warnings.append(Diagnostic(config.path, 0, INSTALL_HINT))
        return
    _clean_leftovers(output)
    articles = article_paths(pages)
    written = set(writer.written)  # type: ignore[attr-defined]
    current = index_files(output)
    wanted = set(articles)
    changed = (
        not (output / ENTRY).is_file()
        or not wanted.isdisjoint(written)
        or any(rel not in wanted and _is_article_file(output, rel) for rel in _stale(writer))
    )
    if not changed:
        for rel in current:
            if writer.keep(rel):  # type: ignore[attr-defined]
                fingerprints[rel] = "search-index"
        return
    staging: Path = writer.staging  # type: ignore[attr-defined]
    sources = [(rel, (staging if rel in written else output) / rel) for rel in articles]
    parent = output.parent
    with tempfile.TemporaryDirectory(prefix=f".{output.name}.search-", dir=parent) as tmp:
        destination = Path(tmp, INDEX_DIR)
        try:
            run_pagefind(binary, sources, config.language, destination)
        except SearchIndexError as exc:
            # Keep the old index (stale, but usable) rather than failing the build.
            warnings.append(Diagnostic(config.path, 0, str(exc)))
            for rel in current:
                if writer.keep(rel):  # type: ignore[attr-defined]
                    fingerprints[rel] = "search-index"
            return
        for dirpath, dirnames, names in os.walk(destination):
            dirnames.sort()
            for name in sorted(names):
                path = Path(dirpath, name)
                rel = f"{INDEX_DIR}/{path.relative_to(destination).as_posix()}"
                writer.write(rel, path.read_bytes())  # type: ignore[attr-defined]
                fingerprints[rel] = "search-index"


def _clean_leftovers(output: Path) -> None:
    """Scratch folders of an indexing run that was killed (they sit beside the output)."""
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(f".{output.name}.search-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _stale(writer: object) -> list[str]:
    stale = getattr(writer, "stale", None)
    return stale() if callable(stale) else []


def is_article_path(rel: str) -> bool:
    """Whether an output path is an article page's (``YYYY/MM/DD/<slug>/index.html``)."""
    parts = rel.split("/")
    return len(parts) == 5 and parts[4] == "index.html" and all(p.isdigit() for p in parts[:3])


def _is_article_file(output: Path, rel: str) -> bool:
    return is_article_path(rel) and (output / rel).is_file()


def keep_index(writer: object, output: Path) -> None:
    """For an in-place build: the index files stay (the background re-index replaces them)."""
    for rel in index_files(output):
        writer.keep(rel)  # type: ignore[attr-defined]


class BackgroundIndexer:
    """Re-indexes an in-place output in a background thread, one run at a time; a request
    made while a run is going makes one more run after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: tuple[Path, list[str], str] | None = None
        self.on_done: Callable[[str | None], None] | None = None
        """Called after each run with None (done) or a problem."""
        self.runs = 0

    def request(self, output: Path, articles: list[str], language: str) -> None:
        with self._lock:
            job = (output, list(articles), language)
            if self._thread is not None and self._thread.is_alive():
                self._again = job
                return
            self._thread = threading.Thread(
                target=self._loop, args=(job,), name="digest-search-index", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the runs going on; True when none is left."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _loop(self, job: tuple[Path, list[str], str]) -> None:
        while True:
            problem = reindex_in_place(*job)
            self.runs += 1
            if self.on_done is not None:
                with contextlib.suppress(Exception):
                    self.on_done(problem)
            elif problem:
                print(f"{job[0]}: warning: {problem}", file=sys.stderr, flush=True)
            with self._lock:
                if self._again is None:
                    self._thread = None
                    return
                job, self._again = self._again, None


INDEXER = BackgroundIndexer()


def reindex_in_place(output: Path, articles: list[str], language: str) -> str | None:
    """Index the output's article pages into a new folder beside ``output/pagefind`` and swap
    it in with one rename; returns a problem, or None."""
    binary = pagefind_binary()
    if binary is None:
        return INSTALL_HINT
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    except OSError as exc:
        return f"search: cannot index ({exc})"
    try:
        fresh = tmp / INDEX_DIR
        present = [(rel, output / rel) for rel in articles if (output / rel).is_file()]
        run_pagefind(binary, present, language, fresh)
        live = output / INDEX_DIR
        if live.is_dir() and exchange(fresh, live):
            return None
        if live.is_dir():
            os.rename(live, tmp / "old")
        os.rename(fresh, live)
        return None
    except SearchIndexError as exc:
        return str(exc)
    except OSError as exc:
        return f"search: cannot index ({exc})"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
