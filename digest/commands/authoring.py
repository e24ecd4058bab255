"""Writing files people edit by hand: one front-matter writer (block
style, one key a line) and one way to create a file without ever replacing one, for
``digest new``, ``init`` and ``import``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

import yaml

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# errno values meaning "this file system cannot hard-link", not "this write failed".
_NO_HARD_LINKS = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS", "EMLINK", "EACCES")
    )
    if code is not None
)


def _write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, whole or not at all; False when it already exists.

    The data goes to a temporary file in the same folder, which is then hard-linked to its
    name: ``link`` fails rather than replace an existing file, even one created a moment
    ago by someone else. Where hard links are not supported, an ``O_EXCL`` create is the
    fallback (still never overwrites; removed again if writing fails).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            return _write_exclusive(path, data)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_exclusive(path: Path, data: bytes) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+([Zz]|[+-][0-9:]+)?)?", re.IGNORECASE)


def render_article(
    title: str, source: str, url: str, date: str, topics: list[str], body: str = ""
) -> str:
    """The text of an article file.

    Each value goes through ``yaml.safe_dump`` on its own, so a title such as
    ``Breaking: "quotes" # hash`` or ``yes`` comes back from the loader as the same text
    (quoted only where YAML needs it), and every key stays on one line of its own, which is
    what error messages point at. The date is left unquoted, as people write it by hand.
    """
    lines = ["---"]
    lines.append(_yaml_line("title", title))
    lines.append(_yaml_line("source", source))
    lines.append(f"date: {date}" if _plain_date(date) else _yaml_line("date", date))
    lines.append(_yaml_line("url", url))
    if topics:
        lines.append(_yaml_line("topics", topics))
    lines.append("---")
    return "\n".join(lines) + "\n" + body


def _yaml_line(key: str, value: Any) -> str:
    # width: one line whatever the length (messages point at one line per key); a list in
    # flow style, ``[a, b]``, as people write topics by hand.
    text = yaml.safe_dump(
        {key: value},
        allow_unicode=True,
        default_flow_style=None if isinstance(value, list) else False,
        sort_keys=False,
        width=1 << 30,
    )
    return text.rstrip("\n")


def _plain_date(text: str) -> bool:
    """Whether a date can go unquoted: it looks like one, so YAML cannot read it as a
    number (``12:30`` is 750 in YAML 1.1), and our loader has no timestamp type."""
    return _DATE_LIKE.fullmatch(text) is not None


def _create_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``, complete or not at all, never replacing a file.

    The bytes go to a hidden temporary file in the same folder (the loader skips hidden
    files), which is then hard-linked to the final name: ``link`` fails when the name
    exists, where a rename would silently replace it. Raises FileExistsError then.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 rather than mkstemp (0o600): the file gets the user's umask.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:
            # A file system without hard links (FAT, some network shares): an exclusive
            # create still never replaces a file, only a crash mid-write could cut it short.
            with open(path, "xb") as handle:
                handle.write(data)
    finally:
        tmp.unlink(missing_ok=True)


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (temporary file, then rename over it)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
