"""Assets: the output files that are copied, not rendered -- the theme's
stylesheet and icon, ``static/``, the site marker and ``CNAME``.
"""

from __future__ import annotations

import os
from pathlib import Path

from digest.config import SiteConfig
from digest.errors import Diagnostic, DigestError
from digest.pipeline.output import (
    MARKER,
    MARKER_TEXT,
    NOJEKYLL,
)
from digest.pipeline.plan import Asset
from digest.pipeline.render import THEME_DIR
from digest.project import STATIC_DIR

WELL_KNOWN = ".well-known"
"""The one hidden folder of ``static/`` that is published: hosts serve it (security.txt,
domain verification), and GitHub Pages does too."""


def site_assets(root: Path, config: SiteConfig) -> list[Asset]:
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


def theme_assets() -> list[tuple[str, bytes]]:
    """The built-in theme's static files, as (output path, bytes), sorted."""
    folder = THEME_DIR / "assets"
    return [
        (f"assets/{p.name}", p.read_bytes())
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
