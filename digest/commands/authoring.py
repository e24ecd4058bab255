"""Writing files people edit by hand, for ``digest new``, ``init`` and ``import``: one
front-matter writer and one way to create a file without ever replacing one.

The front-matter is block style, one key a line in the order of DESIGN section 3 (title,
source, date, url, topics, then the optional keys), each value quoted only where YAML
needs it: the same layout whichever command wrote the file, and the one error messages
point into (each key on a line of its own).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

KEY_ORDER = ("title", "source", "date", "url", "topics", "summary", "slug", "author", "image")
"""Front-matter keys in the order they are written; others follow in the order given."""

_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+([Zz]|[+-][0-9:]+)?)?", re.IGNORECASE)

_NO_HARD_LINKS = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in ("EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS", "EMLINK", "EACCES")
    )
    if code is not None
)
"""errno values meaning "this file system cannot hard-link", not "this write failed"."""


def front_matter(fields: Mapping[str, Any]) -> str:
    """The ``---`` block for ``fields`` (None and empty lists left out), ending in a newline.

    Each value goes through ``yaml.safe_dump`` on its own, so a title such as
    ``Breaking: "quotes" # hash`` or ``yes`` comes back from the loader as the same text;
    a list (topics) is written in flow style, ``[a, b]``, as people write it by hand; a
    date is left unquoted when it looks like one (our loader has no timestamp type, so it
    reads back as the same text).
    """
    order = [k for k in KEY_ORDER if k in fields] + [k for k in fields if k not in KEY_ORDER]
    lines = ["---"]
    for key in order:
        value = fields[key]
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        if key == "date" and isinstance(value, str) and _DATE_LIKE.fullmatch(value):
            lines.append(f"date: {value}")
        else:
            lines.append(_yaml_line(key, list(value) if isinstance(value, tuple) else value))
    lines.append("---")
    return "\n".join(lines) + "\n"


def article_text(fields: Mapping[str, Any], body: str = "") -> str:
    """A whole article file: the front-matter, then the body (ending in one newline)."""
    body = body.rstrip("\n")
    return front_matter(fields) + (body + "\n" if body else "")


def _yaml_line(key: str, value: Any) -> str:
    # width: one line whatever the length (messages point at one line per key).
    text = yaml.safe_dump(
        {key: value},
        allow_unicode=True,
        default_flow_style=None if isinstance(value, list) else False,
        sort_keys=False,
        width=1 << 30,
    )
    return text.rstrip("\n")


def create_file(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data``, whole or not at all, never replacing a file:
    False when the name is taken.

    The bytes go to a hidden temporary file in the same folder (the loader skips hidden
    files), created with mode 0o666 so that the user's umask applies as for any file they
    make, which is then hard-linked to the final name: ``link`` fails when the name
    exists, where a rename would silently replace it, even a file created a moment ago
    by someone else. Where the file system has no hard links, an ``O_EXCL`` create is
    the fallback (still never replaces; removed again if writing fails).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            return _create_exclusive(path, data)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _create_exclusive(path: Path, data: bytes) -> bool:
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


def replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (temporary file, then rename over it): for the
    files ``init --force`` is told to replace."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
