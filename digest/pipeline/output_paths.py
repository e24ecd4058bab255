"""The output's paths: a page's path refused if it could leave the output folder, made
normal, and claimed once by the writer that writes or keeps its file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath


def safe_relative(path: str) -> PurePosixPath:
    """An output path that cannot leave the output folder, or a bug in our code."""
    rel = PurePosixPath(path)
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        raise ValueError(f"unsafe output path {path!r}")
    return rel


def normal(path: str) -> str:
    """``safe_relative(path).as_posix()``, without making a path object for a path that
    is already in that form (the site's own page paths): this runs once per output file,
    in the process that all the workers report to."""
    if (
        path
        and path[0] != "/"
        and path[-1] != "/"
        and "//" not in path
        and "/./" not in f"/{path}/"
        and "/../" not in f"/{path}/"
    ):
        return path
    return safe_relative(path).as_posix()


def all_normal(paths: Sequence[str]) -> bool:
    """Whether ``normal`` would give each of ``paths`` back as it is, told by looking at
    them joined (at C speed): a build keeps thousands of pages' files at once."""
    if not paths:
        return True
    joined = "\0" + "\0".join(paths) + "\0"
    return joined.count("\0") == len(paths) + 1 and not any(bad in joined for bad in _NOT_NORMAL)


_NOT_NORMAL = (
    *("\0\0", "\0/", "/\0", "//"),
    *("/./", "\0./", "/.\0", "\0.\0"),
    *("/../", "\0../", "/..\0", "\0..\0"),
)
"""What a path that ``normal`` changes or refuses shows, joined between NULs: empty, a
leading or trailing slash, an empty, ``.`` or ``..`` part (``.`` and ``..`` alone too)."""


def claim_all(paths: set[str], new: Sequence[str]) -> bool:
    """``claim`` of each of ``new`` at once, when each is in normal form and none is
    claimed (nor twice among them); False, claiming nothing, otherwise."""
    if not all_normal(new):
        return False
    fresh = set(new)
    if len(fresh) != len(new) or not paths.isdisjoint(fresh):
        return False
    paths |= fresh
    return True


def claim(paths: set[str], path: str) -> str:
    """Add ``path``, in normal form, to a writer's ``paths``: one file, written once."""
    key = normal(path)
    if key in paths:
        raise ValueError(f"output {key} written twice")
    paths.add(key)
    return key
