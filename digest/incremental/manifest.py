"""The manifest of the last build (every output file with its
fingerprint, size and modification time) and the input snapshot that lets a build with
nothing to do return at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from digest.incremental.cache import key_of


def input_snapshot(settings: Iterable[str], paths: Iterable[Path]) -> str:
    """Identity of everything a build reads: the settings that shape it (options, the
    tool), then each input file's path, size, modification and change times and inode.
    Equal to the last build's (and the output untouched), there is nothing to do: no file
    is even parsed. The change time and inode are there as in git's index: an edit that
    keeps the size and puts the old mtime back (``tar``, ``rsync -t``) still changes them."""
    parts = list(settings)
    for path in paths:
        try:
            stat = path.stat()
            parts.append(
                f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\0{stat.st_ino}"
            )
        except OSError:
            parts.append(f"{path}\0missing")
    return key_of(*parts)


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder`` (links followed), sorted folder by folder."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames.sort()
        paths.extend(Path(dirpath, name) for name in sorted(filenames))
    return paths


def files_in(folder: Path) -> Iterator[str]:
    """The files of an output folder, as posix paths relative to it (links not followed,
    as ``os.walk`` does). Plain strings and ``os.scandir``: a rebuild of a large site walks
    the whole output, and path objects per file cost more than the walk itself."""
    stack = [("", os.fspath(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                walk = is_dir and not entry.is_symlink()
            except OSError:
                is_dir = walk = False
            if walk:
                stack.append((f"{prefix}{entry.name}/", entry.path))
            elif not is_dir:  # a link to a folder is neither walked nor a file (os.walk)
                yield f"{prefix}{entry.name}"


Written = tuple[int, int]
"""A file just written: its size and modification time (ns), as the manifest records them."""


class Manifest:
    """``output path -> (fingerprint, size, mtime)`` of the last build, kept in the cache
    folder (never in the published output). A file is trusted only while its size and
    modification time are still the recorded ones."""

    FORMAT = 1

    def __init__(self, cache_dir: Path, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = cache_dir / f"manifest-{key}.json"
        self.entries: dict[str, tuple[str, int, int]] = {}
        self.inputs = ""
        """Identity of every input of the last build (paths, sizes, mtimes, options)."""
        self.summary: dict[str, int] = {}
        """The last build's counts, to report when nothing needs building."""
        self.warning: str | None = None

    def load(self) -> Manifest:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != self.FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            self.entries = {
                str(k): (str(v[0]), int(v[1]), int(v[2])) for k, v in data["files"].items()
            }
            self.inputs = str(data.get("inputs", ""))
            self.summary = {str(k): int(v) for k, v in data.get("summary", {}).items()}
        except FileNotFoundError:
            self.entries = {}
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            self.entries = {}
            self.warning = f"cache ignored, doing a full build ({type(exc).__name__}: {exc})"
        return self

    def fresh(self, output: Path, path: str, fingerprint: str) -> bool:
        entry = self.entries.get(path)
        if entry is None or entry[0] != fingerprint:
            return False
        try:
            stat = (output / path).stat()
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (entry[1], entry[2])

    def intact(self, output: Path) -> bool:
        """Whether the output holds exactly the recorded files, each untouched."""
        try:
            for path, (_, size, mtime) in self.entries.items():
                stat = (output / path).stat()
                if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                    return False
        except OSError:
            return False
        return sum(1 for _ in files_in(output)) == len(self.entries)

    def save(
        self,
        output: Path,
        fingerprints: dict[str, str],
        inputs: str = "",
        summary: dict[str, int] | None = None,
        written: dict[str, Written] | None = None,
    ) -> str | None:
        """Record the output as built; returns a warning instead of failing the build.
        ``written``: the size and mtime of files as this build wrote them (the others
        are looked up)."""
        known = written or {}
        entries = {}
        for path, fingerprint in sorted(fingerprints.items()):
            found = known.get(path)
            if found is None:
                try:
                    stat = (output / path).stat()
                except OSError:
                    continue
                found = stat.st_size, stat.st_mtime_ns
            entries[path] = (fingerprint, *found)
        self.entries = entries
        self.inputs = inputs
        self.summary = summary or {}
        return self.write()

    def write(self) -> str | None:
        """Record ``entries`` as they are, without looking at the output (``watch`` keeps
        them up to date itself); returns a warning instead of failing."""
        record = {"format": self.FORMAT, "inputs": self.inputs, "summary": self.summary}
        record["files"] = dict(sorted(self.entries.items()))  # tuples are written as lists
        payload = json.dumps(record, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            tmp.write_text(payload, encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            return f"cannot write the cache ({exc.strerror}); the next build will be a full one"
        return None
