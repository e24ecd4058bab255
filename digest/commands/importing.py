"""``digest import``: raw scraped article text -> front-matter Markdown under ``content/``.

The text format and how it is read: ``digest.formats.raw``.

``digest import`` never loses or duplicates an article: a raw article whose canonical url
(``digest.urls.canonical_url``) is already in ``content/`` -- or earlier in the same run --
is skipped as a duplicate; paths that would collide get ``-2``, ``-3``... slugs (also
against existing articles of the same day and slug anywhere under ``content/``, which the
build would reject); files are created with an exclusive hard link from a complete temporary
file, so an existing file is never overwritten and an interrupted import leaves no partial
file."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml

from digest.commands.authoring import article_text, create_file
from digest.errors import Diagnostic, DigestError
from digest.formats.frontmatter import FrontMatterLoader, decode_text, split_front_matter
from digest.formats.raw import RawArticle, parse_raw_bytes
from digest.progress import Progress
from digest.slugs import name_key, slugify
from digest.urls import canonical_url

RAW_SUFFIXES = (".txt", ".md")
DEFAULT_SLUG = "article"


def render_article(raw: RawArticle, topics: Sequence[str] = ()) -> str:
    """The content file for ``raw``: its front-matter and body as ``digest new`` writes
    them (``authoring.article_text``)."""
    fields = {"title": raw.title, "source": raw.source, "date": raw.date, "url": raw.url}
    return article_text({**fields, "topics": list(topics)}, raw.body)


@dataclass(slots=True)
class _Content:
    """What ``content/`` already holds that an import must not duplicate or collide with."""

    urls: dict[str, str]
    """canonical url -> display path of the article (or raw file) that has it."""
    taken: set[tuple[str, str]]
    """(YYYY-MM-DD, slug) of every article, existing or imported in this run."""


def _scan_content(content_dir: Path) -> _Content:
    """Canonical urls and (day, slug) pairs of the articles already in ``content_dir``.

    Broken files are skipped: they are ``digest check``'s business, not the import's.
    """
    known = _Content({}, set())
    for path in sorted(_walk(content_dir, (".md",)), key=lambda p: p.as_posix()):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        text, _ = decode_text(path.as_posix(), data)
        split = split_front_matter(text) if text else None
        if split is None:
            continue
        try:
            # The build's loader: no implicit timestamps, so ``date: 2013-02-30`` in some
            # other article cannot stop us from reading its ``url``.
            meta = yaml.load(split[0], Loader=FrontMatterLoader)
            url = meta.get("url") if isinstance(meta, dict) else None
            if isinstance(url, str) and url.strip():
                known.urls.setdefault(canonical_url(url), path.as_posix())
        except Exception:  # a broken article is `digest check`'s to report, not ours
            continue
        if not isinstance(meta, dict):
            continue
        day = str(meta.get("date", ""))[:10]
        slug = meta.get("slug")
        slug = slug if isinstance(slug, str) and slug else path.stem
        known.taken.add((day, slug))
    return known


def _walk(folder: Path, suffixes: tuple[str, ...], skip: Path | None = None) -> Iterator[Path]:
    """Files with one of ``suffixes`` under ``folder``; hidden entries and ``skip`` left out."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            if entry.is_dir():
                if skip is None or not _same(path, skip):
                    yield from _walk(path, suffixes, skip)
            elif entry.name.endswith(suffixes) and entry.is_file():
                yield path
        except OSError:
            continue


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _inputs(
    paths: Iterable[Path], content_dir: Path
) -> tuple[list[Path], list[Diagnostic], list[Diagnostic]]:
    """Raw files to import, sorted by path, each once; then the paths that do not exist
    (errors) and the folders with nothing to import (warnings)."""
    found: dict[str, Path] = {}
    missing: list[Diagnostic] = []
    empty: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()
    for given in paths:
        if given.is_dir():
            candidates: list[Path] = list(_walk(given, RAW_SUFFIXES, content_dir))
            if not candidates:
                empty.append(Diagnostic(given.as_posix(), 0, "no *.txt or *.md files in folder"))
        elif given.is_file():
            candidates = [given]
        else:
            missing.append(Diagnostic(given.as_posix(), 0, "no such file or folder"))
            continue
        for path in candidates:
            try:
                stat = path.stat()
            except OSError:  # vanished meanwhile: reading it will say so
                found[path.as_posix()] = path
                continue
            if (stat.st_dev, stat.st_ino) not in seen:  # the same file named twice
                seen.add((stat.st_dev, stat.st_ino))
                found[path.as_posix()] = path
    return [found[key] for key in sorted(found)], missing, empty


def run_import(
    paths: list[Path],
    *,
    content_dir: Path,
    dry_run: bool,
    topics: list[str],
    root: Path,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Import raw article files into ``content_dir``; 0 when none failed, else 1.

    Prints each written file (or, with ``dry_run``, each file it would write) on stdout,
    each failure as ``path:line: error: ...`` and each duplicate as a note on stderr, and a
    final ``imported N, duplicates N, failed N`` line. Duplicates are not failures.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    # ``root`` is unused: the CLI derives content_dir from it, and paths are shown as given.
    topic_names = _check_topics(topics)
    files, missing, empty = _inputs(paths, content_dir)
    progress = Progress(err, len(files))
    report = progress.print
    for diagnostic in missing:
        report(diagnostic.format(), err)
    for diagnostic in empty:
        report(diagnostic.format("warning"), err)
    known = _scan_content(content_dir)
    imported = duplicates = 0
    failed = len(missing)
    try:
        for done, path in enumerate(files, start=1):
            name = path.as_posix()
            try:
                raw = parse_raw_bytes(path.read_bytes(), name)
                canonical = canonical_url(raw.url)
                if (other := known.urls.get(canonical)) is not None:
                    duplicates += 1
                    note = f"duplicate of {other} (same canonical url), skipped"
                    report(Diagnostic(name, 0, note).format("note"), err)
                    continue
                data = render_article(raw, topic_names).encode("utf-8")
                target = _place(name, raw, data, content_dir, known, dry_run)
                known.urls[canonical] = target.as_posix()
                imported += 1
                report(f"would write {target.as_posix()}" if dry_run else target.as_posix(), out)
            except DigestError as exc:
                failed += 1
                for diagnostic in exc.diagnostics:
                    report(diagnostic.format(), err)
            except OSError as exc:
                failed += 1
                report(Diagnostic(name, 0, f"cannot read: {exc.strerror or exc}").format(), err)
            finally:
                progress.update(done)
    finally:
        progress.clear()
    summary = f"imported {imported}, duplicates {duplicates}, failed {failed}"
    print(summary + (" (dry run: nothing written)" if dry_run else ""), file=out)
    out.flush()
    return 1 if failed else 0


def _check_topics(topics: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for topic in topics:
        name = " ".join(topic.split())
        slug = slugify(name)
        if not slug:
            problems.append(
                Diagnostic("--topics", 0, f"{name!r} has no letters or digits to name a topic")
            )
        elif slug not in seen:
            seen[slug] = name
            names.append(name)
        elif name_key(seen[slug]) != name_key(name):
            message = f"{seen[slug]!r} and {name!r} are different names with one slug ({slug!r})"
            problems.append(Diagnostic("--topics", 0, message))
    if problems:
        raise DigestError(problems)
    return names


def _place(
    name: str,
    raw: RawArticle,
    data: bytes,
    content_dir: Path,
    known: _Content,
    dry_run: bool,
) -> Path:
    """Write ``data`` as ``content_dir/YYYY/MM/DD/<slug>.md`` with the first free slug
    (``slug``, ``slug-2``, ...); the path it took (or would take, with ``dry_run``).

    A write that fails is a ``DigestError`` about ``name``, the raw file being imported.
    """
    day = raw.date.isoformat()
    folder = content_dir / f"{raw.date.year:04d}" / f"{raw.date.month:02d}" / f"{raw.date.day:02d}"
    base = slugify(raw.title) or DEFAULT_SLUG
    number = 1
    while True:
        slug = base if number == 1 else f"{base}-{number}"
        number += 1
        target = folder / f"{slug}.md"
        if (day, slug) in known.taken or os.path.lexists(target):
            continue
        if dry_run:
            break
        try:
            if create_file(target, data):
                break
        except OSError as exc:
            message = f"cannot write {target.as_posix()}: {exc.strerror or exc}"
            raise DigestError(Diagnostic(name, 0, message)) from exc
    known.taken.add((day, slug))
    return target
