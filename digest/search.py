"""Site search with Pagefind (the ``search`` extra: ``pip install 'digest-ssg[search]'``).

When ``search = true`` (or ``--search``) the build plans a ``/search/`` page and, after the
pages are rendered, runs the Pagefind binary over the article pages only (they carry
``data-pagefind-body``; see ``article.html``). The index goes to ``pagefind/`` in the
output, in shards:

- Shards: the articles, in date order, are cut into shards of at most ``SHARD_SIZE`` (whole
  months; a month with more is cut by day), each a Pagefind bundle of its own in
  ``pagefind/<first month or day>/``; ``pagefind/shards.json`` (``MANIFEST``) lists them.
  The search page loads them all and Pagefind merges their results (``mergeIndex``). Why:
  Pagefind's search time in the browser grows faster than the number of pages a word is on
  (a word on half of 10,000 pages took ~600 ms, on five shards of 2,000 ~250 ms). A site of
  up to ``SHARD_SIZE`` articles has one shard. Each shard of several is indexed with a
  words page (``words_page``), so that no shard answers a word of the site it lacks.
- A normal build runs Pagefind over the staged new site itself, each shard restricted to
  its articles by a glob (``Shard.glob``), the shards side by side (one process per CPU),
  and has it write straight into the staging folder, where the ``SiteWriter`` records each
  file like any other: the index is part of the staged site and swapped in atomically with
  it, and no page or index file is copied. Pagefind never sees the live output. Only the
  shards whose articles changed (a page written, an article added or removed, a word new
  to the site) are re-indexed; the others are carried over. A build that writes nothing
  re-indexes nothing. (When nothing was staged, e.g. only the index went missing, or the
  site has a static folder of the index's name, Pagefind runs over scratch folders of hard
  links to the article pages and the writer takes the index files from there.)
- ``watch``/``serve`` (in-place builds) keep the index files and, after a rebuild that
  wrote or removed article pages, re-index in a background thread so the rebuild's own
  latency does not grow; the shards whose pages are newer than their index are re-indexed
  into a new ``pagefind/`` folder built beside the output (the others linked in) and
  exchanged with the old one in one rename, so readers never see half an index.

Where a cold build's time goes: nearly all of the search part is Pagefind's own work
(reading and stemming every word of every article, then gzip at its best level for some
10,000 files); at 10,000 articles on 2 CPUs it costs more than the rest of the build.

Determinism: for the same pages Pagefind (1.5) writes byte-identical fragments, word index
chunks and JS/WASM bundle, but NOT byte-stable filter files: it writes the values of a
filter (topics, sources) in hash-map order, which changes from run to run on a large site.
So each shard's ``filter/*.pf_filter``, and the files that name them by content hash
(``pagefind.*.pf_meta``, ``pagefind-entry.json``), are excluded from the determinism
guarantee (``NOT_BYTE_STABLE``; tests/test_search.py compares everything else byte for
byte, ``shards.json`` included). Their content is the same set of values and pages, and a
build that changes no article page does not re-index, so they do not churn on their own.

Without the extra the build still succeeds: it warns how to install it, and the search
page says that search is not available.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import Diagnostic
from digest.model import Article
from digest.parallel import usable_cpus
from digest.plan import Page
from digest.render import format_date, format_time
from digest.write import InPlaceWriter, SiteWriter, exchange, safe_relative

INDEX_DIR = "pagefind"
"""The index in the output: ``shards.json`` and one Pagefind bundle per shard."""
MANIFEST = f"{INDEX_DIR}/shards.json"
"""The shards: what the search page loads first, and what the next build compares."""
ARTICLE_TEMPLATE = "article.html"
SHARD_SIZE = 2500
"""Articles in one shard at most (unless one day has more)."""
NOT_BYTE_STABLE = (
    f"{INDEX_DIR}/*/filter/*.pf_filter",
    f"{INDEX_DIR}/*/pagefind.*.pf_meta",
    f"{INDEX_DIR}/*/pagefind-entry.json",
)
"""Index files whose bytes may differ between two runs over the same pages: Pagefind
writes filter values in hash-map order (see the module's docstring)."""
INSTALL_HINT = "search: Pagefind is not installed; pip install 'digest-ssg[search]'"
TIMEOUT = 600.0
"""Seconds one Pagefind run may take before it counts as hung."""
SHARD_ENTRY = "pagefind-entry.json"
"""Pagefind's own entry file in each shard: it is there when the shard is whole."""
WORDS_DIR = "digest-search-words"
"""Where the words page (see ``words_page``) sits beside the pages Pagefind reads, while it
runs; never published."""
_WORD = re.compile(r"\w+")
_SHARD_NAME = re.compile(r"\d{4}-\d{2}(-\d{2})?")


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


class ArticlePages(list[str]):
    """The article pages' output paths, and the articles they show (``articles``, in the
    same order): the background re-index of ``watch`` needs their words (``words_page``),
    the same ones a staged build takes, so both give the shards the same keys."""

    def __init__(self, pages: Iterable[Page]) -> None:
        chosen = [p for p in pages if p.template == ARTICLE_TEMPLATE]
        super().__init__(p.path for p in chosen)
        self.articles: tuple[Article, ...] = tuple(p.context["article"] for p in chosen)


def article_paths(pages: Iterable[Page]) -> ArticlePages:
    """The article pages among ``pages`` (what ``build`` and ``watch`` hand the indexer)."""
    return ArticlePages(pages)


def index_files(output: Path, folder: str) -> list[str]:
    """The files under ``output/folder`` (a shard's), relative to ``output``, sorted."""
    root = output / folder
    if not root.is_dir():
        return []
    return sorted(
        Path(dirpath, name).relative_to(output).as_posix()
        for dirpath, _dirs, names in os.walk(root)
        for name in names
    )


# --- shards ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shard:
    """Articles indexed together: whole months, or whole days of a month too big for one."""

    units: tuple[str, ...]
    """Output path prefixes, in date order: ``YYYY/MM`` (a month) or ``YYYY/MM/DD`` (a day)."""
    articles: tuple[str, ...]
    """The article pages (``YYYY/MM/DD/<slug>/index.html``), sorted."""

    @property
    def name(self) -> str:
        """Its folder under ``pagefind/``: its first month or day, ``2013-11``."""
        return self.units[0].replace("/", "-")

    @property
    def folder(self) -> str:
        return f"{INDEX_DIR}/{self.name}"

    def glob(self, *folders: str) -> str:
        """Pagefind's ``--glob`` for exactly these articles' pages in a whole site, and the
        ``index.html`` of each of ``folders`` too."""
        parts = [unit + ("/*/*" if unit.count("/") == 1 else "/*") for unit in self.units]
        parts.extend(folders)
        inner = parts[0] if len(parts) == 1 else "{" + ",".join(parts) + "}"
        return f"{inner}/index.html"

    @property
    def key(self) -> str:
        """Identifies its set of articles: a shard whose key and pages did not change keeps
        its index."""
        return _hash("\n".join(self.articles))


def plan_shards(articles: Iterable[str], size: int | None = None) -> list[Shard]:
    """Cut the article pages, in date order, into shards of at most ``size`` articles, at
    month boundaries (at day boundaries within a month of more than ``size``).

    Cutting at calendar boundaries, in date order, keeps shards stable: articles added on
    new days change only the newest shard."""
    size = size or SHARD_SIZE
    months: dict[str, list[str]] = {}
    for rel in sorted(articles):
        parts = rel.split("/")
        months.setdefault(f"{parts[0]}/{parts[1]}", []).append(rel)
    units: list[tuple[str, list[str]]] = []
    for month, rels in sorted(months.items()):
        if len(rels) <= size:
            units.append((month, rels))
            continue
        days: dict[str, list[str]] = {}
        for rel in rels:
            days.setdefault(rel.split("/")[2], []).append(rel)
        units.extend((f"{month}/{day}", day_rels) for day, day_rels in sorted(days.items()))
    shards: list[Shard] = []
    taken: list[str] = []
    chosen: list[str] = []
    for unit, rels in units:
        if chosen and len(chosen) + len(rels) > size:
            shards.append(Shard(tuple(taken), tuple(chosen)))
            taken, chosen = [], []
        taken.append(unit)
        chosen.extend(rels)
    if chosen:
        shards.append(Shard(tuple(taken), tuple(chosen)))
    return shards


def vocabulary(articles: Iterable[Article]) -> list[str]:
    """Every word of the articles' pages (lower case, sorted): their title, source, topics,
    author, date and body."""
    # Split on white space first and take the words out of the distinct pieces: a regular
    # expression over all the text is twice as slow.
    pieces: set[str] = set()
    for article in articles:
        when = format_date(article.day) + (
            " " + format_time(article.published) if article.has_time else ""
        )
        text = " ".join(
            (article.title, article.source, article.author, *article.topics, when, article.body)
        )
        pieces.update(text.lower().split())
    return sorted(set(_WORD.findall(" ".join(pieces))))


def words_page(words: Sequence[str], language: str) -> bytes:
    """A page of every word of the site, at weight 0, indexed with each shard of several.

    Pagefind answers a word its index lacks with the pages of the word's longest prefix it
    has ("officials" -> "of"), so a shard without a word another shard has would add pages
    that do not contain it. With this page in every shard, every word of the site is in
    every shard; the page itself scores 0, and the search page drops results that score 0.
    """
    text = html.escape(" ".join(words))
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language or "en")}"><body>'
        f'<div data-pagefind-body><p data-pagefind-weight="0">{text}</p></div>'
        "</body></html>\n"
    ).encode()


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def shard_keys(shards: Sequence[Shard], words: bytes | None) -> dict[str, str]:
    """Each shard's key: its articles, and the words page it is indexed with (if any): a
    word new to the site re-indexes every shard of several."""
    if words is None:
        return {s.name: s.key for s in shards}
    extra = hashlib.blake2b(words, digest_size=12).hexdigest()
    return {s.name: _hash(s.key + extra) for s in shards}


def manifest_bytes(shards: Sequence[Shard], keys: dict[str, str]) -> bytes:
    """``shards.json``: what the search page loads, and what the next build compares."""
    data = {
        "version": 1,
        "shards": [{"name": s.name, "pages": len(s.articles), "key": keys[s.name]} for s in shards],
    }
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def read_manifest(output: Path) -> dict[str, str]:
    """The current index's shards, ``name -> key``; empty when there is none (or it is not
    one this code wrote)."""
    try:
        data = json.loads((output / MANIFEST).read_bytes())
        shards = {str(s["name"]): str(s["key"]) for s in data["shards"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    # Each name is a folder under pagefind/ that a build may carry over: only ever a shard's.
    if not all(_SHARD_NAME.fullmatch(name) for name in shards):
        return {}
    return shards


def current_index(output: Path) -> list[str]:
    """The current index's files: ``shards.json`` and the folders of the shards it lists,
    not whatever else a site's own static files put under ``pagefind/``."""
    folders = (f"{INDEX_DIR}/{name}" for name in read_manifest(output))
    return [MANIFEST, *(rel for folder in folders for rel in index_files(output, folder))]


# --- running Pagefind ------------------------------------------------------------------------


class SearchIndexError(Exception):
    """Pagefind failed; the message says why."""


def _pagefind(binary: Path, site: Path, destination: Path, language: str, glob: str) -> None:
    """Run Pagefind over the pages of ``site`` that ``glob`` matches, into ``destination``."""
    language = (language or "en").split("-")[0].lower() or "en"
    cmd = [
        str(binary),
        "--site",
        str(site),
        "--glob",
        glob,
        "--output-path",
        str(destination),
        # One index for the whole site, whatever ``lang`` single articles set: the search
        # page loads one language's index.
        "--force-language",
        language,
        "--silent",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"search: Pagefind did not run ({exc})") from None
    if proc.returncode != 0 or not (destination / SHARD_ENTRY).is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SearchIndexError(
            f"search: Pagefind failed (exit {proc.returncode}): {' / '.join(detail)}"
        )


def _pagefind_over_links(
    binary: Path,
    source: Path,
    shard: Shard,
    language: str,
    destination: Path,
    words: bytes | None,
) -> None:
    """Index the shard's pages of the site in ``source``, and the words page if given, into
    ``destination`` (a new folder).

    The pages are hard-linked (else copied) into a scratch site so Pagefind sees exactly
    these files at their site paths, whatever else is in ``source``, even while a rebuild
    replaces them (a link keeps the whole file it was made to)."""
    with tempfile.TemporaryDirectory(prefix=".digest-search-", dir=destination.parent) as tmp:
        site = Path(tmp, "site")
        site.mkdir()
        made = {site}
        if words is not None:
            (site / WORDS_DIR).mkdir()
            (site / WORDS_DIR / "index.html").write_bytes(words)
        for rel in shard.articles:
            target = site / safe_relative(rel)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            _link(source / rel, target)
        _pagefind(binary, site, destination, language, "**/*.html")


def _index_over_links(
    binary: Path,
    source: Path,
    shards: Sequence[Shard],
    language: str,
    destination: Path,
    words: bytes | None,
) -> None:
    """Index each shard of the site in ``source`` into ``destination/<shard name>``."""
    _in_parallel(
        lambda shard: _pagefind_over_links(
            binary, source, shard, language, destination / shard.name, words
        ),
        shards,
    )


def _in_parallel(job: Callable[[Shard], None], shards: Sequence[Shard]) -> None:
    """Run ``job`` for each shard, one CPU each (a job waits on its own Pagefind process);
    raise the first error, once all have ended."""
    workers = min(usable_cpus(), len(shards))
    if workers <= 1:
        for shard in shards:
            job(shard)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job, shard) for shard in shards]
    for future in futures:
        future.result()


# --- a staged build --------------------------------------------------------------------------


def write_index(
    writer: SiteWriter,
    output: Path,
    pages: list[Page],
    config: SiteConfig,
    fingerprints: dict[str, str],
    warnings: list[Diagnostic],
) -> None:
    """For a staged (``SiteWriter``) build: put the index into the new site.

    Re-indexes the shards whose articles changed, or that are missing; carries the others
    over unchanged."""
    binary = pagefind_binary()
    if binary is None:
        warnings.append(Diagnostic(config.path, 0, INSTALL_HINT))
        return
    # A background run of this process (watch, serve) must not swap in an index of the
    # older pages while this build reads the current one, or after it published its own.
    INDEXER.wait()
    _clean_leftovers(output)
    articles = article_paths(pages)
    shards = plan_shards(articles)
    words = words_page(vocabulary(articles.articles), config.language) if len(shards) > 1 else None
    keys = shard_keys(shards, words)
    current = read_manifest(output)
    written = set(writer.written)
    stale = [
        s
        for s in shards
        if current.get(s.name) != keys[s.name]
        or not (output / s.folder / SHARD_ENTRY).is_file()
        or not written.isdisjoint(s.articles)
    ]
    manifest = manifest_bytes(shards, keys)
    if not stale and _same_bytes(output / MANIFEST, manifest):
        _keep(writer, current_index(output), fingerprints)
        return
    # Once a file was written the staging folder holds the whole new site (the writer
    # links unchanged files in): the pages to index are there, else in the output.
    pages_root = writer.staging if writer.written else output
    # Pagefind can write straight into the staging folder, unless the site has a static
    # folder of one of our names there: keep out of its way.
    direct = bool(writer.written) and not any(
        (writer.staging / name).exists() for name in (INDEX_DIR, WORDS_DIR)
    )
    try:
        if direct:
            recorded = _index_staged(binary, writer, stale, config.language, words)
        else:
            recorded = _index_scratch(binary, writer, pages_root, stale, config.language, words)
    except SearchIndexError as exc:
        if direct:
            shutil.rmtree(writer.staging / INDEX_DIR, ignore_errors=True)
        # Keep the old index (stale, but usable) rather than failing the build.
        warnings.append(Diagnostic(config.path, 0, str(exc)))
        _keep(writer, current_index(output), fingerprints)
        return
    for rel in recorded:
        fingerprints[rel] = "search-index"
    for shard in shards:
        if shard not in stale:
            _keep(writer, index_files(output, shard.folder), fingerprints)
    writer.write(MANIFEST, manifest)
    fingerprints[MANIFEST] = "search-index"


def _index_staged(
    binary: Path, writer: SiteWriter, shards: list[Shard], language: str, words: bytes | None
) -> list[str]:
    """Index the shards from the staged pages, straight into the staging folder, and record
    their files with the writer; returns them."""
    extra = []
    if words is not None:
        (writer.staging / WORDS_DIR).mkdir()
        (writer.staging / WORDS_DIR / "index.html").write_bytes(words)
        extra.append(WORDS_DIR)
    try:
        _in_parallel(
            lambda shard: _pagefind(
                binary, writer.staging, writer.staging / shard.folder, language, shard.glob(*extra)
            ),
            shards,
        )
    finally:
        shutil.rmtree(writer.staging / WORDS_DIR, ignore_errors=True)
    recorded = []
    for shard in shards:
        for rel in index_files(writer.staging, shard.folder):
            staged = writer.staging / rel
            same = _same_file(writer.output / rel, staged)
            if same:
                # Let the writer carry the current file over, keeping its mtime.
                staged.unlink()
            writer.record(rel, not same)
            recorded.append(rel)
    return recorded


def _index_scratch(
    binary: Path,
    writer: SiteWriter,
    pages_root: Path,
    shards: list[Shard],
    language: str,
    words: bytes | None,
) -> list[str]:
    """Index the shards from the pages in ``pages_root`` into a scratch folder beside the
    output, and write their files through the writer; returns them."""
    output = writer.output
    scratch = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    try:
        _index_over_links(binary, pages_root, shards, language, scratch, words)
        recorded = []
        for shard in shards:
            for rel in index_files(scratch, shard.name):
                writer.write(f"{INDEX_DIR}/{rel}", (scratch / rel).read_bytes())
                recorded.append(f"{INDEX_DIR}/{rel}")
        return recorded
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _keep(writer: SiteWriter, files: list[str], fingerprints: dict[str, str]) -> None:
    for rel in files:
        if writer.keep(rel):
            fingerprints[rel] = "search-index"


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _clean_leftovers(output: Path) -> None:
    """Scratch folders of an indexing run that was killed (they sit beside the output)."""
    parent = output.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(f".{output.name}.search-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def is_article_path(rel: str) -> bool:
    """Whether an output path is an article page's (``YYYY/MM/DD/<slug>/index.html``)."""
    parts = rel.split("/")
    return len(parts) == 5 and parts[4] == "index.html" and all(p.isdigit() for p in parts[:3])


# --- in-place builds (watch, serve) ----------------------------------------------------------


def keep_index(writer: InPlaceWriter, output: Path) -> None:
    """For an in-place build: the index files stay (the background re-index replaces them)."""
    for rel in current_index(output):
        writer.keep(rel)


class BackgroundIndexer:
    """Re-indexes an in-place output in a background thread, one run at a time; a request
    made while a run is going makes one more run after it (the newest request's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: tuple[Path, ArticlePages, str] | None = None

    def request(self, output: Path, articles: ArticlePages, language: str) -> None:
        """Re-index ``output`` for these article pages (a build never changes them after
        asking)."""
        with self._lock:
            job = (output, articles, language)
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

    def _loop(self, job: tuple[Path, ArticlePages, str]) -> None:
        while True:
            problem = reindex_in_place(*job)
            if problem:
                print(f"{job[0]}: warning: {problem}", file=sys.stderr, flush=True)
            with self._lock:
                if self._again is None:
                    self._thread = None
                    return
                job, self._again = self._again, None


INDEXER = BackgroundIndexer()


def reindex_in_place(output: Path, articles: ArticlePages, language: str) -> str | None:
    """Re-index the shards of the output whose pages are newer than their index (or whose
    articles changed) into a new folder beside ``output/pagefind``, link the other shards
    in, and swap it in with one rename; returns a problem, or None."""
    binary = pagefind_binary()
    if binary is None:
        return INSTALL_HINT
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.search-", dir=output.parent))
    except OSError as exc:
        return f"search: cannot index ({exc})"
    try:
        shown = dict(zip(articles, articles.articles, strict=True))
        # A page may be gone already: a later rebuild removed it (and asked for a new run).
        present = [rel for rel in articles if (output / rel).is_file()]
        shards = plan_shards(present)
        current = read_manifest(output)
        fresh = tmp / INDEX_DIR
        fresh.mkdir()
        # Stamped with the time the run began: a page replaced while it runs is newer than
        # its shard's index, so the next run takes that shard again.
        began = _now(tmp)
        words = None
        if len(shards) > 1:
            words = words_page(vocabulary(shown[rel] for rel in present), language)
        keys = shard_keys(shards, words)
        stale = [s for s in shards if _outdated(output, s, keys[s.name], current)]
        _index_over_links(binary, output, stale, language, fresh, words)
        for shard in stale:
            os.utime(fresh / shard.name / SHARD_ENTRY, ns=(began, began))
        for shard in shards:
            if shard not in stale:
                _link_tree(output / shard.folder, fresh / shard.name)
        (tmp / MANIFEST).write_bytes(manifest_bytes(shards, keys))
        live = output / INDEX_DIR
        if not live.is_dir():
            os.rename(fresh, live)
            return None
        # What a site's own static files put under pagefind/ stays.
        ours = {*current, *keys, Path(MANIFEST).name}
        for entry in live.iterdir():
            if entry.name not in ours:
                _link_tree(entry, fresh / entry.name)
        if not exchange(fresh, live):
            os.rename(live, tmp / "old")
            os.rename(fresh, live)
        return None
    except SearchIndexError as exc:
        return str(exc)
    except OSError as exc:
        return f"search: cannot index ({exc})"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _outdated(output: Path, shard: Shard, key: str, current: dict[str, str]) -> bool:
    entry = output / shard.folder / SHARD_ENTRY
    try:
        indexed = entry.stat().st_mtime_ns
    except OSError:
        return True
    if current.get(shard.name) != key:
        return True
    for rel in shard.articles:
        try:
            if (output / rel).stat().st_mtime_ns > indexed:
                return True
        except OSError:
            return True
    return False


def _now(folder: Path) -> int:
    """The file system's idea of now (its clock may differ from ours, e.g. over NFS)."""
    probe = folder / ".now"
    probe.touch()
    return probe.stat().st_mtime_ns


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link (else copy) the file ``source``, or every file of the folder, to ``target``."""
    if not source.is_dir():
        _link(source, target)
    for dirpath, _dirs, names in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            _link(Path(dirpath, name), folder / name)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
