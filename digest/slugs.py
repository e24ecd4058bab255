"""ASCII slugs for topics, sources and articles (`São Paulo` -> `sao-paulo`)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters that NFKD does not decompose into ASCII but readers expect transliterated.
_EXTRA_LETTERS = {
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
}
_EXTRA = str.maketrans({**_EXTRA_LETTERS, "&": " and "})
MAX_SLUG = 80
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{name}{n}" for name in ("com", "lpt") for n in range(1, 10)]
)
"""Names Windows gives to devices: no file or folder can have them, whatever the extension
(``con``, ``con.html``), so a site with one cannot be checked out or served there."""


# "C++", "C#" and "C" are three languages, "Disney+" is not "Disney": after a letter or digit
# these symbols are words. Elsewhere ("#MeToo", "+972") they are punctuation, as before.
_SYMBOL_WORDS = re.compile(r"(?<=[^\W_])[+#]+")
_SYMBOL_WORD = {"+": " plus ", "#": " sharp "}
MAX_SLUG_BYTES = 200
"""The most UTF-8 bytes a slug (one path segment: a folder, or a file name's stem) may have;
file systems allow 255 a name, and ``.md``, ``index.html`` or ``-2`` may be added to it."""


def _latin(char: str) -> bool:
    """Latin script and the symbols before Greek: the characters slugs were always made of,
    whose transliteration is kept as it was so that no existing slug changes."""
    code = ord(char)
    return (
        code < 0x370
        or 0x1D00 <= code < 0x1F00
        or 0x2C60 <= code < 0x2C80
        or 0xA720 <= code < 0xA800
        or 0xAB30 <= code < 0xAB70
    )


@lru_cache(maxsize=4096)
def _ascii_char(char: str) -> str:
    """ASCII for one non-ASCII character: its compatibility decomposition's ASCII part (how
    Latin letters always lost their accents); failing that, letters, marks and digits of
    other scripts are transliterated by anyascii (``ТАСС`` -> ``TASS``, ``北京`` -> ``BeiJing``).
    Symbols with no decomposition (``©``, ``€``) are dropped, as they always were."""
    kept = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    if kept or _latin(char) or unicodedata.category(char)[0] not in "LMN":
        return kept
    return anyascii(char)


def _to_ascii(text: str) -> str:
    # NFC first: a letter and its accent as two code points transliterate as the one letter
    # would (``и`` + breve is ``й``, ``y`` in anyascii; ``i`` alone).
    text = unicodedata.normalize("NFC", text).translate(_EXTRA)
    if "+" in text or "#" in text:
        text = _SYMBOL_WORDS.sub(lambda m: "".join(_SYMBOL_WORD[c] for c in m.group()), text)
    if text.isascii():
        return text
    return "".join(c if c.isascii() else _ascii_char(c) for c in text)


@lru_cache(maxsize=65536)
def slugify(text: str, max_length: int = MAX_SLUG) -> str:
    """Lower-case ASCII words joined by ``-``; may be empty for text with no letters or digits.

    Latin text loses its accents (``São Paulo`` -> ``sao-paulo``); other scripts are
    transliterated (``ТАСС`` -> ``tass``); ``&``, and ``+`` and ``#`` after a letter or
    digit, become words (``C++`` -> ``c-plus-plus``, ``C#`` -> ``c-sharp``).
    """
    slug = _NON_ALNUM.sub("-", _to_ascii(text).lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer a word boundary so a long title does not end in half a word.
        if "-" in cut[max_length // 2 :]:
            cut = cut[: cut.rindex("-")]
        slug = cut.strip("-")
    if slug in WINDOWS_RESERVED:
        slug += "_"  # slugify never makes "_": the result cannot meet another name's slug
    return slug


_MARKS = re.compile(r"[\u0300-\u036f]")
_LETTERS = str.maketrans(_EXTRA_LETTERS)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """What two spellings of one name share: case, accents and other marks, compatibility
    forms (``ﬁ``, full-width letters), the letters slugs spell out (``ß``, ``ø``, ``ł`` ...)
    and whitespace do not count. ``Syria``/``syria`` and ``São Paulo``/``Sao Paulo`` are one
    name; ``C++``/``C`` and ``U.S.``/``US`` are not."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", name).translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def heading_id(text: str) -> str:
    """The id of a heading in a body: ``h-`` and its slug. The prefix keeps heading ids
    clear of the theme's own ids (``main``, ``top``) and of footnote ids; an
    all-punctuation heading still gets an id."""
    return "h-" + (slugify(text, max_length=60) or "section")


_VALID_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name an output folder, or None when it can."""
    if not slug:
        return "must not be empty"
    if "/" in slug or "\\" in slug:
        return f"{slug!r} must not contain '/' or '\\'"
    if ".." in slug:
        return f"{slug!r} must not contain '..'"
    if (size := len(slug.encode("utf-8"))) > MAX_SLUG_BYTES:
        return f"is {size} bytes long; a slug may have at most {MAX_SLUG_BYTES} (UTF-8)"
    if not _VALID_SLUG.match(slug):
        return f"{slug!r} may only contain letters, digits, '.', '_', '~' and '-'"
    if slug.split(".")[0].lower() in WINDOWS_RESERVED:
        return f"{slug!r} is a device name on Windows, where no folder can have it"
    if slug.endswith("."):
        return f"{slug!r} must not end with '.' (Windows drops it from folder names)"
    return None
