"""Signatures: one hash for a group of pages (a day's page and its articles' pages), so a
build takes the group's fingerprints from the last build's manifest instead of
fingerprinting each page again.

A signature hashes what a page's fingerprint hashes -- the tool, the configuration, the
template sources, the page's own fields -- for every page of the group, and, once, what the
planner says all of them are made from (``SitePlan.groups``; and each term's pages, whose
archive pages are found here to be runs of the term: ``term_groups``): an equal signature means
every page of the group would get the fingerprint it got last time. The signatures are
kept in the manifest's build record, written in the same transaction as the fingerprints
they vouch for (``Manifest.save``); a manifest written any other way (``watch`` patching
pages) keeps none, so a signature is never trusted beside fingerprints it did not come with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from digest.incremental.fingerprint import Stamper, fingerprint_digest
from digest.incremental.manifest import Manifest
from digest.model import Term

if TYPE_CHECKING:  # pages are planned above this layer; only their fields are read here
    from digest.pipeline.days import Group
    from digest.pipeline.plan import Page, SitePlan


class Keeper(Protocol):
    """The output's writer, as far as carrying a file over unchanged."""

    def keep(self, path: str, present: bool = False) -> bool: ...

    def keep_present(self, paths: Sequence[str]) -> None: ...


Kept = dict[str, list[Any]]
"""Group key (its first page's path) -> [signature, the group's page paths]: JSON data."""


_TEXTS = operator.attrgetter("template", "path", "url", "feed", "title")
_LASTMOD = operator.attrgetter("lastmod")
_DAYS = frozenset({dt.date, type(None)})


def _fields(pages: Sequence[Page]) -> str:
    """The pages' own fields as one text: joined, not ``repr`` (a day group is sixteen
    pages, and the site 10,000 of them), unambiguous while no field holds the separator,
    which is checked by counting it (else their ``repr``, which holds none)."""
    texts = list(map(_TEXTS, pages))
    days = list(map(_LASTMOD, pages))
    try:
        joined = "\0".join(itertools.chain.from_iterable(texts))
        if joined.count("\0") == 5 * len(texts) - 1 and set(map(type, days)) <= _DAYS:
            # ``str`` of a date is its ISO form, of None "None": distinct, and neither
            # holds a separator, so the last "\1" parts the two.
            return joined + "\1" + "\0".join(map(str, days))
    except TypeError:  # a field that is no string
        pass
    return repr([(*t, d) for t, d in zip(texts, days, strict=True)])


def signature(stamp: Stamper, pages: Sequence[Page], made_from: Any, templates: str = "") -> str:
    """The hash of the pages' own fields and templates, and of what they are made from.
    ``templates``: the hashes of every template the pages use (``template_table``), when
    the caller has them; else taken here."""
    if not templates:
        templates = template_table(stamp, {p.template for p in pages})
    made = repr(stamp.hasher.value(made_from))
    digest = hashlib.blake2b(digest_size=16)
    for part in (stamp.identity, templates, _fields(pages), made):
        # Each part after its length: the fields' text is hashed as it is (its ``repr``
        # would escape every separator), and no two lists of parts hash alike.
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


def template_table(stamp: Stamper, names: Iterable[str]) -> str:
    """One hash of the named templates, each with every template it uses: pages name their
    template, and this vouches for what each name renders with."""
    return fingerprint_digest([(name, stamp.templates(name)) for name in sorted(names)])


def term_groups(pages: Sequence[Page]) -> list[Group]:
    """The archive pages of each term as one group. A term's first page is made from the
    term (``made_from`` = the term and the page's pagination), its archive pages each from
    a run of its articles as a term of its own: found here to be runs of the first page's
    term (by identity), they are signed as the articles they span, hashed once, and where
    each run starts in them and how long it is. The first page is not in the group: a new
    article of the term changes it, and the archive pages, fixed once full, not."""
    groups: list[Group] = []
    front: Term | None = None
    members: list[tuple[Page, Term, int, int, Any]] = []
    end = 0
    for page in pages:
        made = page.made_from
        if type(made) is not tuple or len(made) != 2 or type(made[0]) is not Term:
            continue
        term, rest = made
        run = _run_of(front, term, end) if front is not None else None
        if run is None:
            _close(front, members, groups)
            front, members, end = term, [], 0
            continue
        members.append((page, term, *run, rest))
        end = run[0] + run[1]
    _close(front, members, groups)
    return groups


def _close(front: Term | None, members: list[Any], groups: list[Group]) -> None:
    if front is None or not members:
        return
    start = min(m[2] for m in members)
    stop = max(m[2] + m[3] for m in members)
    parts = tuple(((t.kind, t.name, t.slug, at - start, n), rest) for _, t, at, n, rest in members)
    # The articles the runs span, not the term's: its newer articles are no part of them.
    spanned = (front.kind, front.slug, front.articles[start:stop], parts)
    groups.append((tuple(m[0] for m in members), spanned))


def _run_of(front: Term, term: Term, start: int) -> tuple[int, int] | None:
    """Where ``term``'s articles are in ``front``'s, as (start, length), looked for from
    ``start`` on; None when they are not one run of them."""
    if term.kind != front.kind or term.slug != front.slug or not term.articles:
        return None
    articles, count, first = front.articles, len(term.articles), term.articles[0]
    # By identity (``tuple.index`` would compare each article before it field by field):
    # the planner cuts the runs from the term's own tuple.
    at = next((i for i in range(start, len(articles)) if articles[i] is first), None)
    if at is None or articles[at : at + count] != term.articles:
        return None  # (tuples compare their items by identity first: quick when the same)
    return at, count


def stamp_pages(
    pages: Sequence[Page],
    groups: Sequence[Group],
    stamp: Stamper,
    kept: Mapping[str, Any],
    entries: Mapping[str, tuple[str, int, int]],
) -> tuple[dict[str, str], Kept]:
    """The fingerprint of every page, in page order, and the signatures to keep. A group
    whose signature and pages are the ones ``kept`` (with the manifest ``entries`` it was
    saved with) has the fingerprints of ``entries``; every other page is fingerprinted."""
    known: dict[str, str] = {}
    signatures = keep_signatures([*groups, *term_groups(pages)], stamp)
    for key, entry in signatures.items():
        if kept.get(key) == entry:
            found = [entries.get(path) for path in entry[1]]
            if None not in found:
                known.update(zip(entry[1], [e[0] for e in found if e is not None], strict=True))
    fingerprints = {}
    for page in pages:
        found = known.get(page.path)
        fingerprints[page.path] = found if found is not None else stamp(page)
    return fingerprints, signatures


def keep_signatures(groups: Sequence[Group], stamp: Stamper) -> Kept:
    """The signature of each group, by the path of its first page."""
    names = {page.template for pages, _ in groups for page in pages}
    templates = template_table(stamp, names)
    kept: Kept = {}
    for pages, made_from in groups:
        if pages:
            key = pages[0].path
            kept[key] = [signature(stamp, pages, made_from, templates), [p.path for p in pages]]
    return kept


@dataclass(slots=True)
class Stamped:
    """A plan's pages as ``stamp_plan`` found them."""

    signatures: Kept
    fingerprints: dict[str, str] | None = None
    """Of every page, by path (None: none taken, there is no last build)."""
    paths: list[str] = field(default_factory=list)
    fresh: list[bool] = field(default_factory=list)
    """Whether each page's file is the last build's, untouched (``Manifest.fresh``)."""


def stamp_plan(plan: SitePlan, stamp: Stamper, last: Manifest, output: Path) -> Stamped:
    """The fingerprints of the plan's pages, which of their files are fresh, and the
    signatures to keep (see ``stamp_pages``); with no last build, the signatures only (the
    workers fingerprint the pages as they render them: see ``publish``). Best taken before
    any process is forked (the writer's walk of the output): this touches most of the
    plan's objects, and each page of memory a forked process still shares is copied when
    first written to."""
    pages = plan.pages
    # What this build's templates refer to, for the next build to find without parsing
    # them (the same dict: templates read later, by ``watch``, are kept too).
    last.templates = stamp.templates.references
    if not last.entries:
        return Stamped(keep_signatures([*plan.groups, *term_groups(pages)], stamp))
    found, signatures = stamp_pages(pages, plan.groups, stamp, last.signatures, last.entries)
    paths = [page.path for page in pages]
    fresh = list(last.fresh_many(output, [(path, found[path]) for path in paths]))
    return Stamped(signatures, found, paths, fresh)


def pages_to_render(
    plan: SitePlan,
    stamp: Stamper,
    last: Manifest,
    writer: Keeper,
    output: Path,
    fingerprints: dict[str, str],
    stamped: Stamped | None = None,
) -> tuple[list[int], dict[str, Any]]:
    """Positions of the pages whose fingerprint or file differs from the last build's (the
    others are carried over by the writer), and the signatures of the plan's groups of
    pages to keep. With no last build, every page (fingerprinted by the workers as they
    render: see ``publish``). ``stamped``: ``stamp_plan`` of this plan, when taken."""
    if stamped is None:
        stamped = stamp_plan(plan, stamp, last, output)
    if stamped.fingerprints is None:
        return list(range(len(plan.pages))), stamped.signatures
    fingerprints.update(stamped.fingerprints)
    fresh = stamped.fresh
    writer.keep_present([path for path, ok in zip(stamped.paths, fresh, strict=True) if ok])
    return [position for position, ok in enumerate(fresh) if not ok], stamped.signatures
