"""Collisions: no two outputs of a plan may write one file, or a file where another needs a
folder, as a file system that ignores case sees them."""

from __future__ import annotations

from digest.errors import Diagnostic, DigestError
from digest.model import Article
from digest.pipeline.plan import SitePlan


def check_collisions(plan: SitePlan) -> None:
    """Refuse a plan in which two outputs would write the same file."""
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
