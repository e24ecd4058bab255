"""Delta: ``watch``'s rebuild for an article file created, deleted or renamed, or moved in
the site by its date, topics, source, slug or draft flag, without a whole-site pass.

A patch (``digest.commands.patch``) keeps the site's structure; these changes do not, so the
structure is worked out again, from the articles the session holds in memory: only the
changed files are read, the other ten thousand are not discovered, read or parsed anew.
Index, stories (from the last plan's memo, so only the stories near the change are grouped
again) and plan then run as in ``prepare``. A page equal to the one last fingerprinted at
its path keeps that fingerprint, every other one is fingerprinted as ``build`` does: only
pages whose fingerprint moved, or that a patch rendered since, are rendered (the saved
files' own pages first, then the lists and feeds that show them), pages no longer planned
are removed (only files the manifest says we wrote). What is written is what a clean build
writes, since the pages are planned by the same code from the same articles.

Anything it is not sure of returns None, and the caller does a full build: a path outside
``content/*.md``, a file with problems, a warning to report, the search extra.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from bisect import insort
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from digest.commands.build import BuildOptions, BuildResult, BuildState
from digest.errors import DigestError
from digest.incremental.cache import CACHE_DIR, Cache
from digest.model import Article
from digest.pipeline.plan import Page, page_path
from digest.pipeline.publish import publish
from digest.pipeline.write import InPlaceWriter, _prune_empty_dirs, safe_relative
from digest.project import CONTENT_DIR

if TYPE_CHECKING:
    from digest.incremental.memos import Memo
    from digest.pipeline.replace import ReplaceProcess
    from digest.pipeline.stories import Groups

RENAMED = "renamed to "


def _article_file(rel: str) -> bool:
    return rel.startswith(f"{CONTENT_DIR}/") and rel.endswith(".md")


def new_articles(
    loaded: Mapping[str, Article],
    changes: Mapping[str, str],
    read: Callable[[str], Article | None],
    root: Path,
    drafts: bool,
) -> dict[str, Article] | None:
    """The articles as loaded after ``changes``, or None when one cannot be read cleanly."""
    articles = dict(loaded)
    reread: list[str] = []
    for rel, what in changes.items():
        if not _article_file(rel):
            return None
        if what.startswith(RENAMED):
            dest = what[len(RENAMED) :]
            if not _article_file(dest) or rel not in loaded:  # a folder, or unknown
                return None
            articles.pop(rel, None)
            reread.append(dest)
        elif what == "deleted":
            if rel not in loaded:
                return None  # a folder so named, or a draft: the full build knows
            if (root / rel).exists():  # deleted and written anew within the batch
                reread.append(rel)
            else:
                articles.pop(rel, None)
        else:
            reread.append(rel)
    for rel in reread:
        articles.pop(rel, None)
        article = read(rel)
        if article is None:
            return None
        if drafts or not article.draft:
            articles[rel] = article
    return articles


def replan(
    options: BuildOptions,
    state: BuildState,
    loaded: Mapping[str, Article],
    changes: Mapping[str, str],
    read: Callable[[str], Article | None],
    replacer: ReplaceProcess | None = None,
) -> BuildResult | None:
    """Rebuild for ``changes`` from ``state`` (updated in place); None: do a full build.
    ``replacer``: the session's writing process (``pipeline.replace``)."""
    started = time.perf_counter()
    site, renderer, manifest, reads, stamp = (
        state.site,
        state.renderer,
        state.manifest,
        state.reads,
        state.stamp,
    )
    if site is None or renderer is None or manifest is None or reads is None or stamp is None:
        return None
    config = site.config
    if config.search:
        return None  # its index is rebuilt from the whole output: a full build's job
    articles = new_articles(loaded, changes, read, options.root, options.drafts)
    if articles is None:
        return None
    gone = [loaded[rel] for rel in changes if rel in loaded and rel not in articles]
    # Every file it changes is told to it first: the spare's list stays true (search's
    # index is changed too, by a full build's step: not here, ``config.search`` returned).
    writer = InPlaceWriter(options.output_dir, previous=(), replacer=replacer, told=True)
    if gone:
        _remove_pages_of(gone, articles.values(), writer, manifest.entries)

    from digest.commands.ahead import plan_ahead
    from digest.pipeline.collisions import check_collisions
    from digest.pipeline.index import build_index
    from digest.pipeline.index_delta import update_index
    from digest.pipeline.plan import plan_site

    output = options.output_dir
    before = state.fingerprints
    # The files just saved (the ones whose pages the writer is waiting for).
    # (``articles`` is ``loaded`` but at the paths of ``changes``: only those are looked at.)
    touched = {*changes, *(w[len(RENAMED) :] for w in changes.values() if w.startswith(RENAMED))}
    fresh = {p for p in touched if p in articles and loaded.get(p) is not articles[p]}
    # What left and came since the index was made (the patched articles too: the index
    # kept the ones from before their patches), and the articles as ``discover`` lists them.
    gone_raw = [a for a in site.loaded if articles.get(a.path) is not a]
    new_paths = sorted(path for path in fresh if path not in loaded)
    came_paths = [a.path for a in gone_raw if a.path in articles] + new_paths
    ordered = [articles[a.path] for a in site.loaded if a.path in articles]
    for path in new_paths:
        insort(ordered, articles[path], key=_path)
    cache = Cache(options.root / CACHE_DIR)
    renderer.cache = cache
    todo: list[int] = []
    written: dict[str, tuple[int, int]] = {}
    removed: list[str] = []
    early: dict[str, tuple[Page, str]] = {}
    """Path -> the page written ahead there, and its fingerprint."""
    try:
        try:
            index = update_index(site.index, gone_raw, [articles[p] for p in came_paths], config)
            if index is None:
                index, dropped = build_index(ordered, config, keep_going=False)
                if dropped:
                    return None
            moved = [loaded[rel] for rel in changes if rel in loaded]
            ahead = plan_ahead(index, config, site.plan, fresh, moved) if fresh else None
        except DigestError:
            return None  # the full build reports it, located, as always
        memos = site.plan.story_memo, site.plan.related_memo
        grouping: Callable[[], tuple[Groups, Memo | None]] | None = None
        if ahead is not None:
            pages, story_memo, groups, related_memo = ahead
            memos = story_memo, related_memo
            if groups is not None:

                def found() -> tuple[Groups, Memo | None]:  # of the same articles: as they are
                    return groups, story_memo

                grouping = found
            stamps = {page.path: stamp(page) for page in pages}
            early = {page.path: (page, stamps[page.path]) for page in pages}
            written |= publish(
                pages,
                range(len(pages)),
                renderer=renderer,
                writer=writer,
                reads=reads,
                cache=cache,
                fingerprints=stamps,
                jobs=1,
            )
        try:
            plan = plan_site(
                index,
                config,
                jobs=1,
                story_memo=memos[0],
                grouping=grouping,
                related_memo=memos[1],
                last=site.plan,
                lazy_memos=True,  # watch keeps no memo in the cache: the next plan's are
            )
            plan.assets.extend(site.plan.assets)  # content/*.md changes leave them as they were
            check_collisions(plan, site.plan)
        except DigestError:
            _unlink_unplanned(writer, early, ())
            return None

        fingerprints = {a.path: before[a.path] for a in plan.assets if a.path in before}
        # A page equal to the one last fingerprinted at its path has that fingerprint:
        # comparing is a fraction of hashing, and most pages are equal. A page a patch
        # replaced since holds what the patch rendered, which that fingerprint does not
        # describe (the patch's are taken on ``flush``, if at all): it is rendered again.
        # So is one written ahead from a page other than the plan's.
        stamped, planned = state.stamped, {page.path: page for page in site.plan.pages}
        confirmed: list[int] = []
        pages = plan.pages
        paths = [page.path for page in pages]
        # Nearly every page is the one last fingerprinted there (the last plan's own object,
        # not patched since): those are told, and given their fingerprints, at C speed.
        as_before = {
            path
            for page, path, last, now in zip(
                pages, paths, map(stamped.get, paths), map(planned.get, paths), strict=True
            )
            if page is last is now
        }
        as_before = (as_before - early.keys()) & before.keys()
        fingerprints.update((path, before[path]) for path in paths if path in as_before)
        unlisted = as_before - manifest.entries.keys()  # not on disk as far as we know

        def to_render(positions: list[int]) -> list[int]:
            batch = []
            for position in positions:
                page = pages[position]
                path = page.path
                if path in as_before:  # one the manifest does not list
                    batch.append(position)
                    continue
                if path in early and _same(early[path][0], page):
                    fingerprints[path] = early[path][1]
                    confirmed.append(position)
                    continue
                last = stamped.get(path)
                patched = last is not None and planned.get(path) is not last
                if last is not None and not patched and path in before and _same(last, page):
                    fingerprint = fingerprints[path] = before[path]
                else:
                    fingerprint = fingerprints[path] = stamp(page)
                if (
                    patched
                    or path in early
                    or before.get(path) != fingerprint
                    or path not in manifest.entries
                ):
                    batch.append(position)
            return batch

        # The pages of the files just saved first, unless written ahead, then the rest of
        # the site: what each list shows of them.
        saved = {page_path(articles[path].permalink) for path in fresh}
        own = [i for i, path in enumerate(paths) if path in saved] if saved else []
        mine = set(own)
        rest = [
            i
            for i, path in enumerate(paths)
            if (path not in as_before or path in unlisted) and i not in mine
        ]
        for positions in (own, rest):
            batch = to_render(positions)
            todo += batch
            if positions is not own:
                # Before the lists are rendered: a page gone is as much the save's as a
                # page written. (Every page is fingerprinted by now.)
                removed = _remove_gone(writer, manifest.entries, fingerprints)
                _unlink_unplanned(writer, early, fingerprints)
            written |= publish(
                plan.pages,
                batch,
                renderer=renderer,
                writer=writer,
                reads=reads,
                cache=cache,
                fingerprints=fingerprints,
                jobs=1,  # a few pages: forking costs more than it saves
            )
    except OSError as exc:
        where = exc.filename or str(output)
        raise DigestError.at(str(where), 0, f"cannot write the site: {exc.strerror}") from None
    finally:
        renderer.cache = None
        cache.close()
    for position in todo + confirmed:
        path = plan.pages[position].path
        size_mtime = written.get(path)
        if size_mtime is None:
            info = (output / path).stat()
            size_mtime = (info.st_size, info.st_mtime_ns)
        manifest.entries[path] = (fingerprints[path], *size_mtime)
    summary = {
        "articles": len(index.articles),
        "days": len(index.days),
        "topics": len(index.topics),
        "sources": len(index.sources),
        "pages": len(plan.pages) + len(plan.assets),
    }
    manifest.summary = summary
    state.site = dataclasses.replace(site, index=index, plan=plan, loaded=ordered)
    state.fingerprints = fingerprints
    state.stamped = {page.path: page for page in plan.pages}
    return BuildResult(
        **summary,
        written=writer.written,
        rendered=len(todo) + len(confirmed),
        unchanged=summary["pages"] - len(writer.written),
        removed=removed,
        warnings=[],
        seconds=time.perf_counter() - started,
    )


def _path(article: Article) -> str:
    return article.path


def _same(last: Page, page: Page) -> bool:
    """Whether ``page`` has every input of its fingerprint equal to ``last``'s (the same
    path): what it is made from, or its context when it has no ``made_from``. The values
    are plain data, articles, days, terms and stories, whose equality is that of what the
    fingerprint hashes of them (every field, in any order of a dict's keys)."""
    if last is page:  # taken from the last plan as it was (``plan_site``'s ``last``)
        return True
    if (
        last.template != page.template
        or last.url != page.url
        or last.feed != page.feed
        or last.title != page.title
        or last.lastmod != page.lastmod
    ):
        return False
    if page.made_from is not None:
        return last.made_from == page.made_from
    return last.made_from is None and last.context == page.context


def _remove_pages_of(
    gone: list[Article],
    articles: Iterable[Article],
    writer: InPlaceWriter,
    entries: Mapping[str, tuple[str, int, int]],
) -> None:
    """Remove the own pages of the articles whose files are gone, before anything is
    planned: no page but an article's is at an article's path (a day's, a list's, a story's
    are elsewhere), so one that no article left has is gone from the new plan too. The
    manifest keeps them until ``_remove_gone`` sees them unplanned, which lists them."""
    taken = {article.permalink for article in articles}
    rels = [page_path(a.permalink) for a in gone if a.permalink not in taken]
    # (Another article's now, a rename; or not ours.)
    _unlink(writer, [rel for rel in rels if rel in entries])


def _unlink_unplanned(
    writer: InPlaceWriter, early: Mapping[str, tuple[Page, str]], planned: Mapping[str, str] | tuple
) -> None:
    """Remove what was written ahead at a path the plan does not have (or, with no plan,
    at all): a file no manifest lists would stay for good."""
    _unlink(writer, [rel for rel in early if rel not in planned])


def _remove_gone(
    writer: InPlaceWriter, entries: dict[str, tuple[str, int, int]], fingerprints: Mapping[str, str]
) -> list[str]:
    """Remove the files we wrote (the manifest's) that the new plan no longer has."""
    removed = sorted(set(entries) - set(fingerprints))
    _unlink(writer, removed)
    for rel in removed:
        del entries[rel]
    return removed


def _unlink(writer: InPlaceWriter, rels: list[str]) -> None:
    """Remove these files of the output (told to the writer first), and folders left empty."""
    if not rels:
        return
    writer.expect(rels)
    output = writer.output
    for rel in rels:
        target = output / safe_relative(rel)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        _prune_empty_dirs(target.parent, output)
