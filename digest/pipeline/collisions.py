"""Collisions: no two outputs of a plan may write one file, or a file where another needs a
folder, as a file system that ignores case sees them."""

from __future__ import annotations

from digest.errors import Diagnostic, DigestError
from digest.model import Article
from digest.pipeline.plan import SitePlan


def check_collisions(plan: SitePlan, last: SitePlan | None = None) -> None:
    """Refuse a plan in which two outputs would write the same file. ``last``: a plan
    checked before (``watch``'s last), whose paths the check starts from: only the paths it
    did not have are looked at (``SitePlan.clear``)."""
    paths = [page.path for page in plan.pages]
    paths += [asset.path for asset in plan.assets]
    known = last.clear if last is not None else None
    clear = _clear_since(paths, known) if known is not None else None
    if clear is None:
        clear = _clear_of(paths)
    if clear is None:
        _report(plan)  # raises: the quick check passes exactly the plans without a collision
    plan.clear = clear


def _clear(plan: SitePlan) -> bool:
    """Whether the plan has no collision at all (``_clear_of`` its paths)."""
    paths = [page.path for page in plan.pages] + [asset.path for asset in plan.assets]
    return _clear_of(paths) is not None


Clear = tuple[set[str], set[str], set[str]]
"""A plan's paths, their case-folds and every folder of those (and maybe folders of paths
since gone: a path that is one of those is looked at again, from nothing); never changed
in place once made."""


def _clear_of(paths: list[str]) -> Clear | None:
    """Whether the paths have no collision at all, found with sets: the common case, for
    every build, of a hundred thousand paths; any doubt (None) goes to ``_report``, which
    names them."""
    folded = {path.casefold() for path in paths}
    if len(folded) != len(paths):  # the same path twice, or two paths of one case-fold
        return None
    folders: set[str] = set()
    for path in folded:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    if not folders.isdisjoint(folded):
        return None
    return set(paths), folded, folders


def _clear_since(paths: list[str], known: Clear) -> Clear | None:
    """``_clear_of(paths)`` from a clear plan's sets, looking at the paths it did not have:
    None when one of them may collide (then the paths are checked from nothing)."""
    now = set(paths)
    if len(now) != len(paths):
        return None
    old, old_folded, old_folders = known
    came, went = now - old, old - now
    if not came and not went:
        return known
    folded = set(old_folded)
    folded.difference_update(path.casefold() for path in went)
    folders = set(old_folders)
    for path in came:
        fold = path.casefold()
        if fold in folded or fold in folders:
            return None
        folded.add(fold)
        folder = fold.rpartition("/")[0]
        while folder and folder not in folders:
            if folder in folded:
                return None
            folders.add(folder)
            folder = folder.rpartition("/")[0]
        if folder in folded:
            return None
    return now, folded, folders


def _report(plan: SitePlan) -> None:
    """Raise the error naming every collision of the plan."""
    owners: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for page in plan.pages:
        owner = page.context.get("article")
        origin = owner.path if isinstance(owner, Article) else f"the {page.template} page"
        if page.path in owners:
            problems.append(
                Diagnostic(origin, 0, f"output {page.path} is also written by {owners[page.path]}")
            )
        owners.setdefault(page.path, origin)
    for asset in plan.assets:
        if asset.path in owners:
            problems.append(
                Diagnostic(
                    asset.origin, 0, f"output {asset.path} is also written by {owners[asset.path]}"
                )
            )
        owners.setdefault(asset.path, asset.origin)
    # Paths are compared as macOS and Windows see them: case-insensitively.
    folded: dict[str, str] = {}
    for path in owners:
        folded.setdefault(path.casefold(), path)
    for path, origin in owners.items():
        other = folded[path.casefold()]
        if other != path:
            problems.append(
                Diagnostic(
                    origin,
                    0,
                    f"output {path} is also written by {owners[other]} (as {other}: "
                    "one file where names ignore case)",
                )
            )
        parts = path.split("/")
        for end in range(1, len(parts)):
            folder = folded.get("/".join(parts[:end]).casefold())
            if folder is not None:
                problems.append(
                    Diagnostic(
                        origin,
                        0,
                        f"output {path} needs {folder} to be a folder, "
                        f"but {owners[folder]} writes it as a file",
                    )
                )
                break
    if problems:
        raise DigestError(problems)
