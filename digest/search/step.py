"""Search as one step of a build, after the pages are written: how ``digest build``, a
``watch`` rebuild and a ``watch`` patch keep the Pagefind index in step with the pages.

- A staged build (``SiteWriter``) indexes the new site into its staging folder before it
  is swapped in, so the index is published with the pages it describes.
- An in-place rebuild (``InPlaceWriter``) keeps the current index files, and once the
  pages are in place asks the background indexer to re-index when article pages changed
  (or the index is missing), so the rebuild's own latency does not grow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import Diagnostic
from digest.incremental.manifest import Manifest
from digest.pipeline.plan import Page
from digest.pipeline.write import InPlaceWriter, SiteWriter
from digest.search.indexer import INDEXER
from digest.search.page import INSTALL_HINT, article_paths, is_article_path, search_page
from digest.search.pagefind import keep_index, pagefind_binary, write_index
from digest.search.projection import Projections
from digest.search.shards import MANIFEST
from digest.search.words import ShardWords


def plan_search_page() -> Page:
    """The ``/search/`` page, saying whether search works on this installation."""
    return search_page(pagefind_binary() is not None)


def index_before_commit(
    writer: SiteWriter | InPlaceWriter,
    output: Path,
    pages: Sequence[Page],
    config: SiteConfig,
    fingerprints: dict[str, str],
    warnings: list[Diagnostic],
    cache_dir: Path | None,
    last: Manifest | None = None,
) -> None:
    """The index's part of the site the writer is about to commit. ``cache_dir``: where the
    pages' projection hashes are kept (None: not used, as with ``--force``); ``last``: the
    last build's manifest, which knows the index files it wrote."""
    if isinstance(writer, SiteWriter):
        # A background run of this process (watch, serve) must not swap in an index of
        # the older pages while this build reads the current one, or after it published.
        INDEXER.wait()
        projections = Projections(cache_dir, output)
        words = ShardWords(cache_dir, output)
        write_index(
            writer, output, list(pages), config, fingerprints, warnings, projections, words, last
        )
    else:
        keep_index(writer, output)


def reindex_after_commit(
    output: Path, pages: Sequence[Page], config: SiteConfig, changed: Iterable[str]
) -> list[Diagnostic]:
    """After an in-place rebuild or a patch changed the output files ``changed``: re-index
    in the background when article pages are among them, or the index is missing."""
    if pagefind_binary() is None:
        return [Diagnostic(config.path, 0, INSTALL_HINT)]
    if any(is_article_path(rel) for rel in changed) or not (output / MANIFEST).is_file():
        INDEXER.request(output, article_paths(pages), config.language)
    return []
