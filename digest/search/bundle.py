"""Running Pagefind: the binary, one run over a folder, runs side by side, and the
words bundle's run (see ``words.py``); and linking files into the folders it reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digest.parallel import usable_cpus
from digest.search.shards import SHARD_ENTRY

TIMEOUT = 600.0
"""Seconds one Pagefind run may take before it counts as hung."""


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


class SearchIndexError(Exception):
    """Pagefind failed; the message says why."""


def run_pagefind(binary: Path, site: Path, destination: Path, language: str, glob: str) -> None:
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


def index_words(
    binary: Path,
    pages: dict[str, bytes],
    language: str,
    destination: Path,
    beside: Path | None = None,
) -> None:
    """Index the words pages (shard name -> page, see ``words.py``) into ``destination``,
    from a scratch site made in ``beside`` (by default beside ``destination``)."""
    where = beside if beside is not None else destination.parent
    with tempfile.TemporaryDirectory(prefix=".digest-search-", dir=where) as tmp:
        site = Path(tmp, "site")
        for name, page in pages.items():
            (site / name).mkdir(parents=True)
            (site / name / "index.html").write_bytes(page)
        run_pagefind(binary, site, destination, language, "**/*.html")


def in_parallel(jobs: Sequence[Callable[[], None]]) -> None:
    """Run the jobs, one CPU each (a job waits on its own Pagefind process); raise the first
    error, once all have ended."""
    workers = min(usable_cpus(), len(jobs))
    if workers <= 1:
        for job in jobs:
            job()
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job) for job in jobs]
    for future in futures:
        future.result()


def link_tree(source: Path, target: Path) -> None:
    """Hard-link (else copy) the file ``source``, or every file of the folder, to ``target``."""
    if not source.is_dir():
        link_file(source, target)
    for dirpath, _dirs, names in os.walk(source):
        folder = target / Path(dirpath).relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            link_file(Path(dirpath, name), folder / name)


def link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
