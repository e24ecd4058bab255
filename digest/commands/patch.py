"""Patch: what ``watch`` and ``serve`` keep between rebuilds, so that saving an article
shows in its pages in milliseconds, not in the seconds a whole-site pass takes.

Each rebuild is one of two kinds:

- **Patch** (the edit-save-look loop): the batch only changes existing articles, and only
  in fields that do not move them in the site: not the path, date, slug, url, source,
  topics or draft flag (nor, with stories on, what clustering reads: the title, summary,
  language and ``story:``). The site's structure (its pages, their order, which articles each
  shows) is then what it was, so the last plan is patched instead of rebuilt: the new
  version of each article takes the old one's place in the context of every page holding
  it. Of those pages, only the ones whose last render read a field that changed
  (``digest.incremental.reads``) are rendered, and only files whose bytes differ are written, each
  atomically. The others get their new fingerprint, so the next ``digest build`` agrees.
- **Delta** (``digest.commands.delta``): article files created, deleted or renamed, or an
  edit of a structural field: the site is planned again from the articles in memory (only
  the changed files are read) and only pages whose fingerprint moved are rendered.
- **Full**: anything else (a template, ``digest.toml``, ``static/``, a file with errors, a
  warning, the search extra, the first build): ``build`` in place as always, which leaves
  the state the next patch starts from.

A patch never guesses: any doubt (an unknown path, a read error, a parse problem, state
from a failed build) falls back to a full build, which the incremental-equals-clean test
holds to the byte.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import time
from collections.abc import Mapping
from typing import Any

from digest.commands.build import BuildOptions, BuildResult, BuildState, build
from digest.commands.delta import replan
from digest.errors import DigestError
from digest.formats.article import parse_article
from digest.incremental.cache import CACHE_DIR, Cache
from digest.incremental.holders import Holders, Reach
from digest.incremental.reads import changed_names, same_place
from digest.model import Article, by_path
from digest.pipeline.index import topic_rules, with_rule_topics
from digest.pipeline.load import MAX_ARTICLE_BYTES
from digest.pipeline.publish import publish
from digest.pipeline.replace import ReplaceProcess
from digest.pipeline.write import InPlaceWriter
from digest.project import CONTENT_DIR


class Session:
    """Builds for ``watch``/``serve``: the first one whole, then patch or full as each
    batch of changes allows (see the module docstring)."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.state: BuildState | None = None
        self._loaded: dict[str, Article] = {}
        self._indexed: dict[str, Article] = {}
        self._holders: Holders | None = None
        self._reach = Reach()
        self._unsaved = False
        self._stale: set[int] = set()
        """Positions of pages patched since the last flush: their fingerprints are due."""
        self.patched = 0
        """Rebuilds done by patching (for tests and the benchmark's curiosity)."""
        self.replanned = 0
        """Rebuilds done by planning again from the articles in memory (``commands.delta``)."""
        self.replacer = ReplaceProcess()
        """Writes the files of the rebuilds that render in this process, while the next
        page renders (started with the first of them, ended with the session)."""

    def build(self, changes: Mapping[str, str] | None, first: bool = False) -> BuildResult:
        """Build for a batch of changes (``path -> what``, as ``watch`` describes them);
        ``None`` or ``first`` means a full build."""
        if not first and changes is not None and self.state is not None:
            try:
                result = self._patch(changes)
            except BaseException:
                self.state = None  # half-patched: start the next one from a full build
                raise
            if result is not None:
                self.patched += 1
                return result
            try:
                result = self._replan(changes)
            except BaseException:
                self.state = None
                raise
            if result is not None:
                self.replanned += 1
                return result
        return self._full(first)

    def _replan(self, changes: Mapping[str, str]) -> BuildResult | None:
        """Articles created, deleted, renamed or moved: ``digest.commands.delta``."""
        state = self.state
        assert state is not None
        result = replan(self.options, state, self._loaded, changes, self._read, self.replacer)
        if result is None or state.site is None:
            return None
        self._stale.clear()  # every page was fingerprinted anew, the patched ones too
        self._unsaved = True
        self._loaded = by_path(state.site.loaded)
        self._indexed = by_path(state.site.index.articles)
        self._reach = Reach()
        self._holders = None  # found again on the next patch, from the new plan
        return result

    @property
    def unsaved(self) -> bool:
        """Whether patches since the last ``flush`` are known only in memory."""
        return self._unsaved

    def flush(self, inputs: str = "") -> None:
        """Record the patched output in the cache folder (the manifest and the reads), so
        the next ``digest build`` trusts it. ``watch`` calls it when idle, since it writes
        every entry: not flushing only costs the next build the renders of the patched
        pages, whose files no longer match the manifest. ``inputs``: the input snapshot
        the output now answers to, when the caller knows it (``Watcher.flush``): the next
        build then has nothing to do until one changes; else none, and it plans the site."""
        state = self.state
        if not self._unsaved or state is None or state.manifest is None or state.reads is None:
            return
        site, stamp = state.site, state.stamp
        assert site is not None and stamp is not None
        manifest, reads = state.manifest, state.reads
        for position in sorted(self._stale):
            page = site.plan.pages[position]
            before = state.fingerprints.get(page.path, "")
            fingerprint = stamp(page)
            state.fingerprints[page.path] = fingerprint
            read = reads.get(page.path, before)
            if read is not None:
                reads.put(page.path, fingerprint, read)
            entry = manifest.entries.get(page.path)
            if entry is not None and entry[0] == before:
                manifest.entries[page.path] = (fingerprint, entry[1], entry[2])
        self._stale.clear()
        # The inputs' identity of the last full build no longer describes them.
        manifest.inputs = inputs
        manifest.write()
        state.reads.keep_only(state.manifest.entries, state.manifest.dropped)
        state.reads.save()
        self._unsaved = False

    # -- full --------------------------------------------------------------------------

    def _full(self, first: bool) -> BuildResult:
        self.flush()  # so the build trusts the pages patched since (it reads the manifest)
        self._stale.clear()
        self._unsaved = False
        self.state = None
        self._holders = None
        self._reach = Reach()
        state = BuildState()
        result = build(self.options, in_place=not first, state=state)
        if state.site is not None:
            self._loaded = by_path(state.site.loaded)
            self._indexed = by_path(state.site.index.articles)
            self.state = state
            # Found now rather than on the first save, which should be instant; for the
            # same reason the templates are compiled now (a build that rendered nothing
            # compiled none), whatever pages the first patch renders.
            self._holders = self._reach.holders(state.site.plan.pages)
            if state.renderer is not None:
                for name in sorted({page.template for page in state.site.plan.pages}):
                    with contextlib.suppress(Exception):  # the render reports it, located
                        state.renderer.env.get_template(name)
        return result

    # -- patch -------------------------------------------------------------------------

    def _read(self, rel: str) -> Article | None:
        """The article now in ``rel``, or None when it cannot be patched in."""
        if not (rel.startswith(f"{CONTENT_DIR}/") and rel.endswith(".md")):
            return None
        path = self.options.root / rel
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ARTICLE_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        assert self.state is not None and self.state.site is not None
        article, problems = parse_article(rel, data, self.state.site.config.tz)
        return article if article is not None and not problems else None

    def _patch(self, changes: Mapping[str, str]) -> BuildResult | None:
        started = time.perf_counter()
        state = self.state
        assert state is not None
        site, renderer, manifest, reads = state.site, state.renderer, state.manifest, state.reads
        if site is None or renderer is None or manifest is None or reads is None:
            return None
        if state.stamp is None:  # needed by ``flush``
            return None
        rules = topic_rules(site.config)
        edits: list[tuple[Article, Article, Article]] = []
        for rel, what in changes.items():
            loaded, indexed = self._loaded.get(rel), self._indexed.get(rel)
            # "created" too: some editors save by deleting and writing the file anew.
            if what not in ("changed", "created") or loaded is None or indexed is None:
                return None
            article = self._read(rel)
            # With [topics] keyword rules, an article without topics of its own gets
            # topics from its words: compared after the rules, like the index sees it.
            if article is None or not same_place(
                with_rule_topics(loaded, rules),
                with_rule_topics(article, rules),
                stories=site.config.stories,
            ):
                return None
            if article.content_hash != loaded.content_hash:
                # The index merged this article's spellings with the others'; they are
                # unchanged, so the merged ones are too.
                merged = dataclasses.replace(
                    with_rule_topics(article, rules), source=indexed.source, topics=indexed.topics
                )
                edits.append((article, indexed, merged))
        if self._holders is None:
            self._holders = self._reach.holders(site.plan.pages)

        changed: dict[int, list[tuple[str, frozenset[str]]]] = {}
        """Page position -> (path, names of the fields that changed) of its articles edited."""
        new: dict[str, Article] = {}
        for _, old, merged in edits:
            names = changed_names(old, merged)
            new[old.path] = merged
            for position in self._holders.get(old.path):
                changed.setdefault(position, []).append((old.path, names))

        pages = site.plan.pages
        memo: dict[int, Any] = {}
        todo: list[int] = []
        for position in sorted(changed):
            page = pages[position]
            context = self._reach.substitute(page.context, new, memo)
            # What the page is made from too: its fingerprint hashes that, not the context.
            made_from = self._reach.substitute(page.made_from, new, memo)
            pages[position] = dataclasses.replace(page, context=context, made_from=made_from)
            # Its new fingerprint is worked out in ``flush``, off the edit's clock; until
            # then the manifest and the reads stay under the one it had.
            self._stale.add(position)
            fingerprint = state.fingerprints.get(page.path, "")
            if any(reads.affected(page.path, fingerprint, p, n) for p, n in changed[position]):
                todo.append(position)

        output = self.options.output_dir
        # Told every file first, but with search, whose index it changes in place too.
        told = not site.config.search
        writer = InPlaceWriter(output, previous=(), replacer=self.replacer, told=told)
        cache = Cache(self.options.root / CACHE_DIR)
        renderer.cache = cache
        try:
            written = publish(
                pages,
                todo,
                renderer=renderer,
                writer=writer,
                reads=reads,
                cache=cache,
                fingerprints=state.fingerprints,
                jobs=1,  # a few pages: forking costs more than it saves
            )
        except OSError as exc:
            where = exc.filename or str(output)
            raise DigestError.at(str(where), 0, f"cannot write the site: {exc.strerror}") from None
        finally:
            renderer.cache = None
            cache.close()
        for position in todo:
            path = pages[position].path
            size_mtime = written.get(path)
            if size_mtime is None and path not in manifest.entries:
                info = (output / path).stat()
                size_mtime = (info.st_size, info.st_mtime_ns)
            if size_mtime is not None:
                manifest.entries[path] = (state.fingerprints[path], *size_mtime)
        for loaded, _, merged in edits:
            self._loaded[loaded.path] = loaded
            self._indexed[merged.path] = merged
        self._unsaved = True
        warnings = []
        if site.config.search:
            from digest.search.step import reindex_after_commit

            warnings = reindex_after_commit(output, pages, site.config, writer.written)
        summary = manifest.summary
        return BuildResult(
            articles=summary.get("articles", len(self._indexed)),
            days=summary.get("days", 0),
            topics=summary.get("topics", 0),
            sources=summary.get("sources", 0),
            pages=summary.get("pages", len(pages)),
            written=writer.written,
            rendered=len(todo),
            unchanged=summary.get("pages", len(pages)) - len(writer.written),
            warnings=warnings,
            seconds=time.perf_counter() - started,
        )
