"""The one orchestrator: ``build`` reads top to bottom, one named call per phase --
discover -> load, index, plan (``prepare``) -> render and write (``publish``) -> search ->
commit -> save what the next build starts from."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import CONFIG_NAME, STRINGS_DIR, SiteConfig, load_config
from digest.errors import Diagnostic, DigestError
from digest.incremental.cache import CACHE_DIR, STORIES_MEMO, Cache
from digest.incremental.identity import tool_identity
from digest.incremental.manifest import Manifest, Written, files_under, input_snapshot
from digest.model import Article
from digest.parallel import ordered_map, usable_cpus
from digest.pipeline.discover import Discovered, discover
from digest.pipeline.output import BACKGROUND_WALK, check_output_folder
from digest.pipeline.write import InPlaceWriter, SiteWriter
from digest.project import STATIC_DIR, TEMPLATES_DIR

if TYPE_CHECKING:
    from digest.incremental.fingerprint import Stamper
    from digest.incremental.last import LastBuild
    from digest.incremental.page_reads import PageReads
    from digest.pipeline.index import SiteIndex
    from digest.pipeline.plan import Page, SitePlan
    from digest.pipeline.render import Renderer

DEFAULT_OUTPUT = "site"


@dataclass(frozen=True, slots=True)
class BuildOptions:
    root: Path = Path(".")
    output: Path | None = None
    """Default: ``root/site``."""
    base_url: str | None = None
    """Overrides ``base_url`` of ``digest.toml``."""
    drafts: bool = False
    keep_going: bool = False
    """Leave bad articles out (their errors become warnings) instead of failing."""
    force: bool = False
    """Ignore the cache: render every page (files whose bytes are unchanged are still kept)."""
    jobs: int | None = None
    """Processes for parsing and rendering; default: the usable CPUs."""
    search: bool = False
    """Turn search on (``--search``) whatever ``digest.toml`` says."""
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)
    """Called with (pages rendered, pages to render) as rendering goes."""

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs is not None else usable_cpus()

    @property
    def output_dir(self) -> Path:
        return self.output if self.output is not None else self.root / DEFAULT_OUTPUT


@dataclass(slots=True)
class BuildResult:
    articles: int = 0
    days: int = 0
    topics: int = 0
    sources: int = 0
    pages: int = 0
    written: list[str] = field(default_factory=list)
    """Output files whose content changed (new files included)."""
    rendered: int = 0
    """Pages rendered; the others were known unchanged from the cache."""
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(slots=True)
class Site:
    """A loaded, indexed and planned site: everything but the rendering."""

    config: SiteConfig
    index: SiteIndex
    plan: SitePlan
    warnings: list[Diagnostic]
    cache_keys: list[str]
    loaded: list[Article] = field(default_factory=list)
    """The articles as loaded, before indexing merged spellings (for ``digest.commands.patch``)."""
    before: dict[str, Article] = field(default_factory=dict)  # ``LoadResult.before``


def prepare(
    options: BuildOptions,
    cache: Cache | None = None,
    found: Discovered | None = None,
    rendering: bool = False,
    meanwhile: Callable[[], None] | None = None,
    plain: bool = True,
) -> Site:
    """Load, index and plan; raises DigestError with every problem found. ``found``: the
    content files as ``discover`` listed them, when the caller already did. ``rendering``:
    pages will be rendered, so the templates are compiled meanwhile (``compile_ahead``).
    ``meanwhile``: the caller's work that needs no plan, done while the plan waits for the
    stories (``plan_site``). ``plain``: no later plan starts from this one (``plan_site``);
    False for ``watch``'s, whose pages it patches in place."""
    # Imported here, not above: a build with nothing to do returns before it needs the
    # parsers, Jinja or Markdown, and so starts in a fraction of the time.
    from digest.pipeline.assets import site_assets
    from digest.pipeline.collisions import check_collisions
    from digest.pipeline.index import build_index
    from digest.pipeline.load import load_articles
    from digest.pipeline.plan import plan_site
    from digest.pipeline.related import RELATED_MEMO
    from digest.pipeline.render import check_templates, compile_ahead
    from digest.pipeline.stories import start_stories  # begun before the index: runs beside it

    config = load_config(options.root)
    check_templates(options.root)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    if options.search and not config.search:
        config = dataclasses.replace(config, search=True)
    # Forked now, while this process is small and the second processor idle (the stories
    # take it once the articles are loaded): see compile_ahead.
    files = len(found[0]) if rendering and found is not None else 0
    compiled = compile_ahead(options.root, config, options.workers, files)
    drafts, jobs = options.drafts, options.workers
    loaded = load_articles(options.root, config.tz, drafts, cache, jobs, found)
    warnings: list[Diagnostic] = [*loaded.warnings, *config.warnings]
    if loaded.errors:
        if not options.keep_going:
            raise DigestError(loaded.errors)
        warnings.extend(loaded.errors)
    memo = cache.get_memo(STORIES_MEMO) if cache is not None and config.stories else None
    grouping = start_stories(loaded.articles, options.workers, memo) if config.stories else None
    index, dropped = build_index(loaded.articles, config, keep_going=options.keep_going)
    warnings.extend(dropped)
    related = cache.get_memo(RELATED_MEMO) if cache is not None else None
    plan = plan_site(
        index,
        config,
        None,
        options.workers,
        memo,
        grouping,
        related,
        meanwhile=meanwhile,
        plain=plain,
    )
    if cache is not None:  # the memo checks itself against the articles: kept at once
        cache.put_memo(RELATED_MEMO, plan.related_memo)
    if config.search:
        from digest.search.step import plan_search_page  # the extra's machinery, when asked

        plan.pages.append(plan_search_page())
    plan.assets.extend(site_assets(options.root, config))
    check_collisions(plan)
    compiled()
    return Site(config, index, plan, warnings, loaded.cache_keys, loaded.articles, loaded.before)


@dataclass(slots=True)
class BuildState:
    """What ``build(..., state=...)`` leaves for the next one in-process (``commands.patch``)."""

    site: Site | None = None
    renderer: Renderer | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    reads: PageReads | None = None
    manifest: Manifest | None = None
    stamp: Stamper | None = None
    stamped: dict[str, Page] = field(default_factory=dict)  # as fingerprinted: for delta


def build(
    options: BuildOptions, in_place: bool = False, state: BuildState | None = None
) -> BuildResult:
    """Build the site into the output folder; raises DigestError on bad input, leaving the
    previous output as it was. Pages whose fingerprint matches the last build's (and whose
    file is untouched) are not rendered; the others are rendered in ``options.workers``
    processes. By default the new site is staged and swapped in whole; ``in_place`` (for
    ``watch`` and ``serve``) replaces changed files one by one instead."""
    started = time.perf_counter()
    root, output = options.root, options.output_dir
    check_output_folder(root, output, root / CACHE_DIR)
    # Taken before anything is read: a file changed during the build looks changed next time.
    found = discover(root)
    inputs = input_snapshot_of(options, found)
    if not (options.force or in_place or state is not None):
        skipped = _unchanged(options, inputs, started)
        if skipped is not None:
            return skipped
    # Here, not above (see prepare): not for a site with nothing to build.
    from digest.incremental.fingerprint import ContextHasher, Stamper
    from digest.incremental.last import EarlyLastBuild
    from digest.incremental.signatures import pages_to_render, stamp_plan
    from digest.incremental.unread import keep_unread
    from digest.pipeline.publish import publish, write_assets
    from digest.pipeline.render import Renderer

    cache = Cache(None if options.force else root / CACHE_DIR)
    try:
        early = EarlyLastBuild(root / CACHE_DIR, output, options.force)
        plain = state is None and not in_place
        site = prepare(options, cache, found, True, early, plain)  # load -> plan
        last = early.last()
        warnings = [*site.warnings, *_cache_problems(options, cache.warning, last.warning)]
        renderer = Renderer(root, site.config, cache)
        stamp = Stamper(renderer.env, site.config, last.templates)  # references known
        renderer.keep_fragments(stamp)
        # The template sources as this build reads them, taken now in this process: pages
        # fingerprinted later (by workers, or by watch's flush after a patch) must not see a
        # template edited since, or its pages would look up to date without a render.
        for template in sorted({page.template for page in site.plan.pages}):
            stamp.templates(template)
        stamp.hasher.identify(site.index.articles)  # each article's identity in one pass
        stamped = stamp_plan(site.plan, stamp, last, output)  # before the writer forks
        writer = _writer(output, in_place, last, options.workers)
        pages, fingerprints = site.plan.pages, {}
        with _writing(options, writer):
            args = (site.plan, stamp, last, writer, output, fingerprints, stamped)
            todo, signed = pages_to_render(*args)
            todo = keep_unread(
                pages, todo, site.before, site.loaded, site.index.articles, *args[1:6]
            )
            written = publish(  # render -> write
                pages,
                todo,
                renderer=renderer,
                writer=writer,
                reads=last.reads,
                cache=cache,
                fingerprints=fingerprints,
                jobs=options.workers,
                stamp_late=stamp if not last.entries else None,
                progress=options.progress,
            )
            write_assets(site.plan.assets, writer, fingerprints)
            if site.config.search:
                from digest.search.step import index_before_commit, reindex_after_commit

                index_before_commit(
                    writer, output, pages, site.config, fingerprints, warnings, cache.folder, last
                )
            removed = writer.commit()
        if site.config.search and isinstance(writer, InPlaceWriter):
            changed = [*writer.written, *removed]
            warnings += reindex_after_commit(output, pages, site.config, changed)
        summary = _summary(site)
        if state is None:  # nothing reads the pages now: gone before the memos are made
            site.plan.drop_pages()
            stamp.hasher, args, stamped = ContextHasher(), None, None  # type: ignore[assignment]
        warnings += _save(
            options,
            site,
            renderer,
            cache,
            last,
            fingerprints,
            written,
            inputs,
            summary,
            signed,
            clean=not warnings and cache.warning is None,
        )
    finally:
        cache.close()
    if state is not None:
        state.site, state.renderer, state.reads, state.manifest = site, renderer, last.reads, last
        state.fingerprints, state.stamp = fingerprints, stamp
        state.stamped = {page.path: page for page in pages}
    return BuildResult(
        **summary,
        written=writer.written,
        rendered=len(todo),
        unchanged=writer.unchanged,
        removed=removed,
        warnings=warnings,
        seconds=time.perf_counter() - started,
    )


def _unchanged(options: BuildOptions, inputs: str, started: float) -> BuildResult | None:
    """The last build's result when no input changed since and its output is untouched:
    there is nothing to do, not even parsing a file."""
    manifest = Manifest(options.root / CACHE_DIR, options.output_dir).load()
    if manifest.inputs == inputs and manifest.summary and manifest.intact(options.output_dir):
        return BuildResult(
            **manifest.summary,
            unchanged=len(manifest.entries),
            seconds=time.perf_counter() - started,
        )
    return None


def input_snapshot_of(options: BuildOptions, found: Discovered) -> str:
    """``input_snapshot`` of this build: the tool, the options that shape the output, the
    problems met listing the content, and every input file."""
    root, (files, problems, notes) = options.root, found
    settings = [
        tool_identity(),
        repr((options.base_url, options.drafts, options.keep_going, options.search)),
        str(options.output_dir.resolve()),
        *(p.format() for p in (*problems, *notes)),
    ]
    paths = [
        *files_under(root / TEMPLATES_DIR),
        *files_under(root / STATIC_DIR),
        *files_under(root / STRINGS_DIR),  # the site's words (``strings/<language>.toml``)
        root / CONFIG_NAME,
    ]
    return input_snapshot(settings, paths, ((f.file, f.stat) for f in files))


def _where(options: BuildOptions, path: Path) -> str:
    try:
        return path.relative_to(options.root).as_posix()
    except ValueError:
        return str(path)


def _cache_problems(options: BuildOptions, *problems: str | None) -> list[Diagnostic]:
    where = _where(options, options.root / CACHE_DIR)
    return [Diagnostic(where, 0, problem) for problem in problems if problem]


def _writer(output: Path, in_place: bool, last: Manifest, jobs: int) -> SiteWriter | InPlaceWriter:
    if in_place and output.is_dir():
        return InPlaceWriter(output, last.entries.keys() if last.entries else None)
    return SiteWriter(output, jobs if len(last.entries) >= BACKGROUND_WALK else 1)


@contextmanager
def _writing(options: BuildOptions, writer: SiteWriter | InPlaceWriter) -> Iterator[None]:
    """Abort the writer when anything fails: a full disk or a folder we may not write is an
    error at the file, and the previous site stays as it was."""
    try:
        yield
    except OSError as exc:
        writer.abort()
        output = options.output_dir
        where = _where(options, Path(exc.filename)) if exc.filename else _where(options, output)
        raise DigestError.at(where, 0, f"cannot write the site: {exc.strerror or exc}") from None
    except BaseException:
        writer.abort()
        raise


def _summary(site: Site) -> dict[str, int]:
    return {
        "articles": len(site.index.articles),
        "days": len(site.index.days),
        "topics": len(site.index.topics),
        "sources": len(site.index.sources),
        "pages": len(site.plan.pages) + len(site.plan.assets),
    }


def _save(
    options: BuildOptions,
    site: Site,
    renderer: Renderer,
    cache: Cache,
    last: LastBuild,
    fingerprints: dict[str, str],
    written: dict[str, Written],
    inputs: str,
    summary: dict[str, int],
    signed: dict[str, Any],
    clean: bool,
) -> list[Diagnostic]:
    """Keep what the next build starts from: the cache's new entries (dropping unused ones),
    the manifest and the pages' reads. A build with warnings is never skipped next time:
    its warnings must be shown again."""
    cache.put_memo(STORIES_MEMO, site.plan.story_memo)
    cache.save(site.cache_keys, *renderer.keys_in_use(site.index.articles))
    inputs = inputs if clean else ""
    saved = last.save(options.output_dir, fingerprints, inputs, summary, written, signed)
    last.reads.keep_only(last.entries, last.dropped)
    last.reads.save()
    return _cache_problems(options, saved, cache.warning)


def check(options: BuildOptions) -> BuildResult:
    """Everything a build does but writing: load, index, plan and render every page."""
    from digest.pipeline.render import Renderer

    started = time.perf_counter()
    site = prepare(options)
    renderer = Renderer(options.root, site.config)
    pages = site.plan.pages
    for _ in ordered_map(lambda p: len(renderer.render(p)), pages, options.workers):
        pass
    seconds = time.perf_counter() - started
    return BuildResult(**_summary(site), warnings=site.warnings, seconds=seconds)
