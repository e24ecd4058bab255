"""Collisions: no two outputs of a plan may write one file, or a file where another needs a
folder, as a file system that ignores case sees them."""

from __future__ import annotations

from digest.errors import Diagnostic, DigestError
from digest.model import Article
from digest.pipeline.plan import SitePlan


def check_collisions(plan: SitePlan) -> None:
    """Refuse a plan in which two outputs would write the same file."""
    if _clear(plan):
        return
    _report(plan)


def _clear(plan: SitePlan) -> bool:
    """Whether the plan has no collision at all, found with sets: the common case, for every
    build, of a hundred thousand paths; any doubt goes to ``_report``, which names them."""
    paths = [page.path for page in plan.pages]
    paths += [asset.path for asset in plan.assets]
    folded = {path.casefold() for path in paths}
    if len(folded) != len(paths):  # the same path twice, or two paths of one case-fold
        return False
    folders: set[str] = set()
    for path in folded:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders.isdisjoint(folded)


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
