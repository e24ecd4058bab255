"""What the dev server sends for a request path: the output file it
leads to (never one outside the output folder) and its content type.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

_TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
}


def content_type(path: str) -> str:
    """The Content-Type for an output file, utf-8 for text (the build writes utf-8)."""
    name = path.rsplit("/", 1)[-1]
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _TEXT_TYPES:
        return _TEXT_TYPES[suffix]
    if not suffix:
        return "text/plain; charset=utf-8"  # CNAME, .nojekyll, .digest-site
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path leads to."""

    status: int
    """200 a file, 301/302 a redirect, 400 malformed, 403 outside the output, 404 missing."""
    file: str = ""
    """For 200: the real path of the file to send."""
    rel: str = ""
    """For 200: the file's path relative to the output folder (posix)."""
    location: str = ""
    """For redirects."""
    page: str = ""
    """The normalised, percent-encoded URL path asked for (for a 404: the page to reload
    when it appears)."""


def resolve(output: Path | str, base: str, raw: str) -> Target:
    """Map a request-target to a file of the output folder, refusing anything that could
    lead outside it. ``base`` is the site's base path (``/`` or ``/repo/``).

    The path is percent-decoded once; NUL, backslashes and ``..`` segments (also encoded
    ones) are refused outright, and whatever symlinks there are, the real path must stay
    inside the output folder's real path.
    """
    path = urlsplit(raw).path
    if not path.startswith("/"):
        return Target(400)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Target(400)
    if "\x00" in decoded or "\\" in decoded or ".." in decoded.split("/"):
        return Target(400)
    base = unquote(base)
    if decoded == "/" and base != "/":
        return Target(302, location=quote(base))
    if decoded + "/" == base:
        return Target(301, location=quote(base))
    if not decoded.startswith(base):
        return Target(404, page=quote(decoded))
    parts = [p for p in decoded[len(base) :].split("/") if p not in ("", ".")]
    page = quote(base + "/".join(parts) + ("/" if parts and decoded.endswith("/") else ""))
    root = os.path.realpath(output)
    real = os.path.realpath(os.path.join(root, *parts))
    if real != root and not real.startswith(root + os.sep):
        return Target(403)
    rel_parts = parts
    if os.path.isdir(real):
        if parts and not decoded.endswith("/"):
            return Target(301, location=quote(base + "/".join(parts) + "/"))
        rel_parts = [*parts, "index.html"]
        real = os.path.realpath(os.path.join(real, "index.html"))
        if not real.startswith(root + os.sep):
            return Target(403)
    if not os.path.isfile(real):
        return Target(404, page=page)
    return Target(200, file=real, rel="/".join(rel_parts), page=page)


NOT_FOUND_PAGE = (
    b"<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n<title>Not found</title>\n"
    b"<body>\n<h1>404 Not found</h1>\n<p>There is no such page, and the site has no "
    b"404.html (yet).</p>\n</body>\n</html>\n"
)
