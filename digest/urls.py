"""Web URLs: what we accept from content, and the canonical form used to spot duplicates."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; they never change which article a URL names.
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "smid",
        "sr_share",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "hsa_", "mtm_")


_UNSAFE_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
"""Whitespace (any, as ``str.isspace``) and control characters."""


def web_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL we can link to, or None when it is."""
    if _UNSAFE_CHARS.search(url):
        return f"{url!r} contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"{url!r} is not an http(s) URL"
    if not parts.hostname:
        return f"{url!r} has no host"
    if "@" in parts.netloc:
        # Published as it is, a password in a link is a password for every reader; not
        # echoed either, since the message may end up in a CI log.
        return "must not contain a user name or password"
    return None


def site_path_problem(path: str) -> str | None:
    """Why ``path`` (starting with ``/``) is not a path on this site we can link to, or None.

    ``//host`` and ``/\\host`` are other hosts to a browser (it reads ``\\`` as ``/``)."""
    if _UNSAFE_CHARS.search(path):
        return f"{path!r} contains whitespace or control characters"
    if path.startswith("//") or "\\" in path:
        return f"{path!r} is not an http(s) URL or a path on this site"
    return None


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The form two URLs of the same article share.

    Scheme and host lower-cased, default port dropped, tracking parameters and the fragment
    removed, remaining parameters kept in their order, and a trailing slash on the path removed
    (``/a/`` and ``/a`` are the same article; the bare host keeps ``/``).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        creds = parts.username or ""
        if parts.password:
            creds += f":{parts.password}"
        host = f"{creds}@{host}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, host, path, query, ""))
