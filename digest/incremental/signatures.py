"""Signatures: one hash for a group of pages (a day's page and its articles' pages), so a
build takes the group's fingerprints from the last build's manifest instead of
fingerprinting each page again.

A signature hashes what a page's fingerprint hashes -- the tool, the configuration, the
template sources, the page's own fields -- for every page of the group, and, once, what the
planner says all of them are made from (``SitePlan.groups``): an equal signature means
every page of the group would get the fingerprint it got last time. The signatures are
kept in the manifest's build record, written in the same transaction as the fingerprints
they vouch for (``Manifest.save``); a manifest written any other way (``watch`` patching
pages) keeps none, so a signature is never trusted beside fingerprints it did not come with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from digest.incremental.fingerprint import Stamper, fingerprint_digest
from digest.incremental.manifest import Manifest

if TYPE_CHECKING:  # pages are planned above this layer; only their fields are read here
    from digest.pipeline.days import Group
    from digest.pipeline.plan import Page, SitePlan


class Keeper(Protocol):
    """The output's writer, as far as carrying a file over unchanged."""

    def keep(self, path: str, present: bool = False) -> bool: ...


Kept = dict[str, list[Any]]
"""Group key (its first page's path) -> [signature, the group's page paths]: JSON data."""


def signature(stamp: Stamper, pages: Sequence[Page], made_from: Any) -> str:
    """The hash of the pages' own fields and templates, and of what they are made from."""
    fields = [
        (
            stamp.templates(p.template),
            p.path,
            p.url,
            p.feed,
            p.title,
            p.lastmod.isoformat() if p.lastmod else None,
        )
        for p in pages
    ]
    return fingerprint_digest([stamp.identity, fields, stamp.hasher.value(made_from)])


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
    signatures = keep_signatures(groups, stamp)
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
    kept: Kept = {}
    for pages, made_from in groups:
        if pages:
            kept[pages[0].path] = [signature(stamp, pages, made_from), [p.path for p in pages]]
    return kept


def pages_to_render(
    plan: SitePlan,
    stamp: Stamper,
    last: Manifest,
    writer: Keeper,
    output: Path,
    fingerprints: dict[str, str],
) -> tuple[list[int], dict[str, Any]]:
    """Positions of the pages whose fingerprint or file differs from the last build's (the
    others are carried over by the writer), and the signatures of the plan's groups of
    pages to keep. With no last build, every page (fingerprinted by the workers as they
    render: see ``publish``)."""
    pages = plan.pages
    if not last.entries:
        return list(range(len(pages))), keep_signatures(plan.groups, stamp)
    found, signatures = stamp_pages(pages, plan.groups, stamp, last.signatures, last.entries)
    fingerprints.update(found)
    todo = []
    for position, page in enumerate(pages):
        fingerprint = found[page.path]
        if not (last.fresh(output, page.path, fingerprint) and writer.keep(page.path, True)):
            todo.append(position)
    return todo, signatures
