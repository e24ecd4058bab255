"""The one orchestrator: load -> index -> plan -> render -> write."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import CONFIG_NAME, SiteConfig, load_config
from digest.errors import Diagnostic, DigestError
from digest.incremental.cache import CACHE_DIR, Cache, tool_identity
from digest.incremental.fingerprint import ContextHasher, TemplateHashes, config_identity
from digest.incremental.manifest import Manifest, Written, files_under, input_snapshot
from digest.incremental.reads import PageReads, Reads
from digest.model import Article
from digest.parallel import ordered_map, usable_cpus
from digest.pipeline.assets import STATIC_DIR, site_assets
from digest.pipeline.index import SiteIndex, build_index
from digest.pipeline.load import Discovered, discover, load_articles
from digest.pipeline.plan import SitePlan, check_collisions, plan_site
from digest.pipeline.render import TEMPLATES_DIR, Renderer, check_templates
from digest.pipeline.write import (
    InPlaceWriter,
    SiteWriter,
    check_output_folder,
)

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
    """The articles as loaded, before indexing merged spellings (for ``digest.session``)."""


def prepare(
    options: BuildOptions, cache: Cache | None = None, found: Discovered | None = None
) -> Site:
    """Load, index and plan; raises DigestError with every problem found. ``found``: the
    content files as ``discover`` listed them, when the caller already did."""
    config = load_config(options.root)
    check_templates(options.root)
    if options.base_url is not None:
        config = config.with_base_url(options.base_url)
    if options.search and not config.search:  # search: --search
        config = dataclasses.replace(config, search=True)
    loaded = load_articles(
        options.root,
        config.tz,
        drafts=options.drafts,
        cache=cache,
        jobs=options.workers,
        found=found,
    )
    warnings: list[Diagnostic] = list(loaded.warnings)
    if loaded.errors:
        if not options.keep_going:
            raise DigestError(loaded.errors)
        warnings.extend(loaded.errors)
    index, dropped = build_index(loaded.articles, config, keep_going=options.keep_going)
    warnings.extend(dropped)
    plan = plan_site(index, config)
    if config.search:  # search: the /search/ page
        from digest.search.page import search_page
        from digest.search.pagefind import pagefind_binary

        plan.pages.append(search_page(pagefind_binary() is not None))
    plan.assets.extend(site_assets(options.root, config))
    check_collisions(plan)
    return Site(config, index, plan, warnings, loaded.cache_keys, loaded.articles)


@dataclass(slots=True)
class BuildState:
    """What a build leaves behind for the next one in the same process (``watch``):
    filled by ``build(..., state=...)``; see ``digest.session``."""

    site: Site | None = None
    renderer: Renderer | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    reads: PageReads | None = None
    manifest: Manifest | None = None
    hasher: ContextHasher | None = None
    templates: TemplateHashes | None = None
    """The templates' hashes as this build read them: a later patch must not fingerprint
    its pages with a template edited since (the edit's own rebuild renders those)."""


def build(
    options: BuildOptions, in_place: bool = False, state: BuildState | None = None
) -> BuildResult:
    """Build the site into the output folder; raises DigestError on bad input, leaving the
    previous output as it was.

    Pages whose fingerprint matches the last build's (and whose file is untouched) are not
    rendered; the others are rendered in ``options.workers`` processes. By default the new
    site is staged and swapped in whole; ``in_place`` (for ``watch`` and ``serve``)
    replaces changed files one by one instead.
    """
    started = time.perf_counter()
    output = options.output_dir
    check_output_folder(options.root, output, options.root / CACHE_DIR)
    # Taken before anything is read: a file changed during the build looks changed next time.
    found = discover(options.root)
    inputs = _input_snapshot(options, found)
    if not options.force and not in_place and state is None:
        manifest = Manifest(options.root / CACHE_DIR, output).load()
        if manifest.inputs == inputs and manifest.summary and manifest.intact(output):
            return BuildResult(
                **manifest.summary,
                unchanged=len(manifest.entries),
                seconds=time.perf_counter() - started,
            )
    cache_dir = options.root / CACHE_DIR
    cache = Cache(None if options.force else cache_dir)
    try:
        site = prepare(options, cache, found)
        return _write_site(options, site, cache, in_place, started, inputs, state)
    finally:
        cache.close()


def _input_snapshot(options: BuildOptions, found: Discovered) -> str:
    """``input_snapshot`` of this build: the tool, the options that shape the output, the
    problems met listing the content, and every input file."""
    root = options.root
    files, problems, notes = found
    settings = [
        tool_identity(),
        repr((options.base_url, options.drafts, options.keep_going, options.search)),
        str(options.output_dir.resolve()),
        *(p.format() for p in (*problems, *notes)),
    ]
    paths = [
        *(f.path for f in files),
        *files_under(root / TEMPLATES_DIR),
        *files_under(root / STATIC_DIR),
        root / CONFIG_NAME,
    ]
    return input_snapshot(settings, paths)


def _where(options: BuildOptions, path: Path) -> str:
    try:
        return path.relative_to(options.root).as_posix()
    except ValueError:
        return str(path)


def _write_site(
    options: BuildOptions,
    site: Site,
    cache: Cache,
    in_place: bool,
    started: float,
    inputs: str,
    state: BuildState | None = None,
) -> BuildResult:
    output = options.output_dir
    renderer = Renderer(options.root, site.config, cache)
    templates = TemplateHashes(renderer.env)
    hasher = ContextHasher()
    identity = f"{tool_identity()}:{config_identity(site.config)}"
    manifest = Manifest(options.root / CACHE_DIR, output)
    reads = PageReads(options.root / CACHE_DIR, output)
    if not options.force:
        manifest.load()
        reads.load()
    warnings = list(site.warnings)
    for problem in (cache.warning, manifest.warning):
        if problem:
            warnings.append(Diagnostic(_where(options, options.root / CACHE_DIR), 0, problem))

    writer: SiteWriter | InPlaceWriter
    if in_place and output.is_dir():
        writer = InPlaceWriter(output, manifest.entries.keys() if manifest.entries else None)
    else:
        writer = SiteWriter(output)
    pages = site.plan.pages
    fingerprints: dict[str, str] = {}
    written: dict[str, Written] = {}
    try:
        # With no manifest every page is rendered: the workers fingerprint the pages as
        # they render them, rather than this process doing all of it first, alone.
        late = not manifest.entries
        todo: list[int] = []
        for position, page in enumerate(pages):
            if late:
                todo.append(position)
                continue
            fingerprint = hasher.page(page, templates(page.template), identity)
            fingerprints[page.path] = fingerprint
            if not (manifest.fresh(output, page.path, fingerprint) and writer.keep(page.path)):
                todo.append(position)

        def render(position: int) -> tuple[Written | None, list[tuple[str, str]], Reads, str]:
            # Runs in the workers, writing included: the files' I/O then overlaps the
            # other workers' rendering, and no page travels back to this process.
            page = pages[position]
            fingerprint = hasher.page(page, templates(page.template), identity) if late else ""
            renderer.take_reads()
            data = renderer.render(page)
            wrote = writer.write_file(page.path, data)
            return wrote, renderer.take_new_bodies(), renderer.take_reads(), fingerprint

        for done, (position, (wrote, bodies, page_reads, fingerprint)) in enumerate(
            zip(todo, ordered_map(render, todo, options.workers), strict=True), start=1
        ):
            path = pages[position].path
            if late:
                fingerprints[path] = fingerprint
            writer.record(path, wrote is not None)
            if wrote is not None:
                written[path] = wrote
            reads.put(path, fingerprints[path], page_reads)
            cache.put_bodies(bodies)
            if options.progress is not None:
                options.progress(done, len(todo))
        for asset in site.plan.assets:
            try:
                data = asset.read()
            except OSError as exc:
                raise DigestError.at(asset.origin, 0, f"cannot read: {exc.strerror}") from None
            fingerprints[asset.path] = "bytes:" + hashlib.blake2b(data, digest_size=16).hexdigest()
            writer.write(asset.path, data)
        # --- search: the Pagefind index (digest/search.py) ---
        if site.config.search:
            from digest.search import indexer, page, pagefind, shards

            if isinstance(writer, SiteWriter):
                pagefind.write_index(writer, output, pages, site.config, fingerprints, warnings)
            else:
                pagefind.keep_index(writer, output)
        # --- end search ---
        removed = writer.commit()
    except OSError as exc:
        # A full disk or a folder we may not write: the previous site stays as it was.
        writer.abort()
        where = _where(options, Path(exc.filename)) if exc.filename else _where(options, output)
        raise DigestError.at(where, 0, f"cannot write the site: {exc.strerror or exc}") from None
    except BaseException:
        writer.abort()
        raise
    if site.config.search and not isinstance(writer, SiteWriter):  # search: in-place rebuild
        articles = page.article_paths(pages)
        touched = set(writer.written) | set(removed)
        if pagefind.pagefind_binary() is None:
            warnings.append(Diagnostic(site.config.path, 0, page.INSTALL_HINT))
        elif (
            not touched.isdisjoint(articles)
            or any(page.is_article_path(r) for r in removed)
            or not (output / shards.MANIFEST).is_file()
        ):
            indexer.INDEXER.request(output, articles, site.config.language)
    cache.save(site.cache_keys, (renderer.body_key(a) for a in site.index.articles))
    summary = {
        "articles": len(site.index.articles),
        "days": len(site.index.days),
        "topics": len(site.index.topics),
        "sources": len(site.index.sources),
        "pages": len(pages) + len(site.plan.assets),
    }
    # A build with warnings is never skipped next time: its warnings must be shown again.
    clean = not warnings and cache.warning is None
    saved = manifest.save(output, fingerprints, inputs if clean else "", summary, written)
    reads.keep_only(manifest.entries)
    reads.save()
    if state is not None:
        state.site, state.renderer, state.reads, state.manifest = site, renderer, reads, manifest
        state.fingerprints, state.hasher, state.templates = fingerprints, hasher, templates
    for problem in (saved, cache.warning):
        if problem:
            warnings.append(Diagnostic(_where(options, options.root / CACHE_DIR), 0, problem))
    return BuildResult(
        **summary,
        written=writer.written,
        rendered=len(todo),
        unchanged=writer.unchanged,
        removed=removed,
        warnings=warnings,
        seconds=time.perf_counter() - started,
    )


def check(options: BuildOptions) -> BuildResult:
    """Everything a build does but writing: load, index, plan and render every page."""
    started = time.perf_counter()
    site = prepare(options)
    renderer = Renderer(options.root, site.config)
    pages = site.plan.pages
    for _ in ordered_map(lambda p: len(renderer.render(p)), pages, options.workers):
        pass
    return BuildResult(
        articles=len(site.index.articles),
        days=len(site.index.days),
        topics=len(site.index.topics),
        sources=len(site.index.sources),
        pages=len(site.plan.pages) + len(site.plan.assets),
        warnings=site.warnings,
        seconds=time.perf_counter() - started,
    )
