"""The one orchestrator: load -> index -> plan -> render -> write."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from digest.cache import Cache, key_of, tool_identity
from digest.config import CONFIG_NAME, SiteConfig, load_config
from digest.errors import Diagnostic, DigestError
from digest.fingerprint import ContextHasher, TemplateHashes, config_identity
from digest.index import SiteIndex, build_index
from digest.load import Discovered, discover, load_articles
from digest.model import Article
from digest.parallel import ordered_map, usable_cpus
from digest.plan import Asset, SitePlan, check_collisions, plan_site
from digest.reads import PageReads, Reads
from digest.render import TEMPLATES_DIR, Renderer, check_templates, theme_assets
from digest.write import (
    MARKER,
    MARKER_TEXT,
    NOJEKYLL,
    InPlaceWriter,
    Manifest,
    SiteWriter,
    Written,
    check_output_folder,
)

DEFAULT_OUTPUT = "site"
CACHE_DIR = ".digest-cache"
STATIC_DIR = "static"
WELL_KNOWN = ".well-known"
"""The one hidden folder of ``static/`` that is published: hosts serve it (security.txt,
domain verification), and GitHub Pages does too."""


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
        from digest.search import pagefind_binary, search_page

        plan.pages.append(search_page(pagefind_binary() is not None))
    plan.assets.extend(_assets(options.root, config))
    check_collisions(plan)
    return Site(config, index, plan, warnings, loaded.cache_keys, loaded.articles)


def _assets(root: Path, config: SiteConfig) -> list[Asset]:
    assets = [Asset(path, "the built-in theme", data=data) for path, data in theme_assets()]
    assets.append(Asset(MARKER, "digest", data=MARKER_TEXT))
    assets.append(Asset(NOJEKYLL, "digest", data=b""))
    if config.cname:
        assets.append(Asset("CNAME", f"{config.path} (cname)", data=f"{config.cname}\n".encode()))
    assets.extend(static_assets(root))
    return assets


def static_assets(root: Path) -> list[Asset]:
    """Files of ``static/``, copied as they are; links leading outside the project refused."""
    folder = root / STATIC_DIR
    if not folder.is_dir():
        return []
    project = root.resolve()
    assets = []
    problems = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        top = dirpath == str(folder)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") or (top and d == WELL_KNOWN)
        )
        for name in sorted(filenames):
            # static/README.md explains the folder (``digest init`` writes one); not published.
            if name.startswith(".") or (top and name == "README.md"):
                continue
            path = Path(dirpath, name)
            rel = path.relative_to(folder).as_posix()
            real = path.resolve()
            if project not in real.parents:
                problems.append(
                    Diagnostic(f"{STATIC_DIR}/{rel}", 0, "symlink leads outside the site project")
                )
                continue
            assets.append(Asset(rel, f"{STATIC_DIR}/{rel}", source=path))
    if problems:
        raise DigestError(problems)
    return sorted(assets, key=lambda a: a.path)


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
    inputs = input_snapshot(options, found)
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


def input_snapshot(options: BuildOptions, found: Discovered | None = None) -> str:
    """Identity of everything a build reads: each input file's path, size and modification
    time, the options, and the tool. Equal to the last build's (and the output untouched),
    there is nothing to do: no file is even parsed."""
    root = options.root
    files, problems, _ = found if found is not None else discover(root)
    parts = [
        tool_identity(),
        repr((options.base_url, options.drafts, options.keep_going, options.search)),
        str(options.output_dir.resolve()),
        *(p.format() for p in problems),
    ]
    paths = [f.path for f in files]
    for folder in (root / TEMPLATES_DIR, root / STATIC_DIR):
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
            dirnames.sort()
            paths.extend(Path(dirpath, name) for name in sorted(filenames))
    paths.append(root / CONFIG_NAME)
    for path in paths:
        try:
            stat = path.stat()
            parts.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}\0missing")
    return key_of(*parts)


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
            from digest import search

            if isinstance(writer, SiteWriter):
                search.write_index(writer, output, pages, site.config, fingerprints, warnings)
            else:
                search.keep_index(writer, output)
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
        from digest import search

        articles = search.article_paths(pages)
        touched = set(writer.written) | set(removed)
        if search.pagefind_binary() is None:
            warnings.append(Diagnostic(site.config.path, 0, search.INSTALL_HINT))
        elif (
            not touched.isdisjoint(articles)
            or any(search.is_article_path(r) for r in removed)
            or not (output / search.MANIFEST).is_file()
        ):
            search.INDEXER.request(output, articles, site.config.language)
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
