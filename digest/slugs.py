"""ASCII slugs for topics, sources and articles (`São Paulo` -> `sao-paulo`)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters that NFKD does not decompose into ASCII but readers expect transliterated.
_EXTRA = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
        "&": " and ",
    }
)
MAX_SLUG = 80
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{name}{n}" for name in ("com", "lpt") for n in range(1, 10)]
)
"""Names Windows gives to devices: no file or folder can have them, whatever the extension
(``con``, ``con.html``), so a site with one cannot be checked out or served there."""


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """Lower-case ASCII words joined by ``-``; may be empty for text with no letters or digits."""
    text = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    ascii_text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer a word boundary so a long title does not end in half a word.
        if "-" in cut[max_length // 2 :]:
            cut = cut[: cut.rindex("-")]
        slug = cut.strip("-")
    if slug in WINDOWS_RESERVED:
        slug += "_"  # slugify never makes "_": the result cannot meet another name's slug
    return slug


_VALID_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name an output folder, or None when it can."""
    if not slug:
        return "must not be empty"
    if "/" in slug or "\\" in slug:
        return f"{slug!r} must not contain '/' or '\\'"
    if ".." in slug:
        return f"{slug!r} must not contain '..'"
    if not _VALID_SLUG.match(slug):
        return f"{slug!r} may only contain letters, digits, '.', '_', '~' and '-'"
    if slug.split(".")[0].lower() in WINDOWS_RESERVED:
        return f"{slug!r} is a device name on Windows, where no folder can have it"
    if slug.endswith("."):
        return f"{slug!r} must not end with '.' (Windows drops it from folder names)"
    return None
