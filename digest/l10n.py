"""The theme's words in the site's language: a table of strings per language
(``digest/theme/strings/<language>.toml``, English the source of every key), the site's own
``[strings]`` over it, and CLDR (through Babel) for plural rules, dates and numbers.

A plain table rather than gettext catalogues: the theme has a hundred strings, a site edits
them in ``digest.toml``, and a lookup is a dict access in a render loop that runs for every
article of a 10,000-article build. Babel is asked once per distinct value (a date, a count)
and the answer kept, since its pattern formatting costs microseconds per call (that is
``digest.words``; this module is what ``config`` needs, and loads neither Babel nor
MarkupSafe, so a build with nothing to do starts as quickly as before).
"""

from __future__ import annotations

import difflib
import functools
import string
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

STRINGS_DIR = Path(__file__).resolve().parent / "theme" / "strings"
SHIPPED = ("ar", "de", "en", "es", "fr", "pt", "ru")
"""Languages whose theme words are shipped: a test holds this equal to STRINGS_DIR."""
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories; a language uses some of them, always ``other``."""

Text = str | tuple[tuple[str, str], ...]
"""A string, or a plural's forms as (category, text) pairs."""


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"nav": {"latest": "x"}}`` as ``("nav.latest", "x")``; a table of plural
    categories (with ``other``) is one value, a plural."""
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_plural(value):
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def _is_plural(value: Mapping[str, Any]) -> bool:
    return "other" in value and all(k in PLURAL_CATEGORIES for k in value)


@functools.cache
def shipped_table(language: str) -> dict[str, Any]:
    """The theme's strings of one shipped language (flattened keys)."""
    with open(STRINGS_DIR / f"{language}.toml", "rb") as file:
        return dict(_flatten(tomllib.load(file)))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _texts(value: Any) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


def strings_problems(table: Mapping[str, Any]) -> Iterator[tuple[str, str, Text | None]]:
    """Check a site's ``[strings]`` against the English keys: (key, problem or "", value),
    the value in SiteConfig's form when there is no problem."""
    english = shipped_table("en")
    for key, value in _flatten(table):
        where = f"strings.{key}"
        if key not in english:
            close = difflib.get_close_matches(key, english, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (see the README, Languages)"
            yield key, f"strings: unknown key {key!r}{hint}", None
            continue
        plural = isinstance(english[key], dict)
        if isinstance(value, dict):
            bad = sorted(set(value) - set(PLURAL_CATEGORIES))
            if not plural:
                yield key, f"{where}: expected a string, got a table", None
                continue
            if bad or "other" not in value:
                yield (
                    key,
                    (
                        f"{where}: a plural is a table of CLDR categories (zero, one, two, few, "
                        f"many, other) with at least 'other'"
                        + (f"; {bad[0]!r} is none of them" if bad else "")
                    ),
                    None,
                )
                continue
        if not all(isinstance(text, str) for text in _texts(value)):
            kind = "a string or a table of plural forms" if plural else "a string"
            yield key, f"{where}: expected {kind}", None
            continue
        known = set().union(*map(_placeholders, _texts(english[key])))
        try:
            used = set().union(*map(_placeholders, _texts(value)))
        except ValueError as exc:  # "{" unclosed, "}" alone
            yield key, f"{where}: {exc} (write a literal brace as {{{{ or }}}})", None
            continue
        if unknown := sorted(used - known):
            names = ", ".join("{" + name + "}" for name in sorted(known)) or "none"
            yield key, f"{where}: unknown placeholder {{{unknown[0]}}} (known: {names})", None
            continue
        if isinstance(value, dict):
            value = tuple(sorted(value.items()))
        yield key, "", value


def base_language(tag: str) -> str:
    return tag.split("-")[0].lower()


def has_theme_words(tag: str) -> bool:
    return base_language(tag) in SHIPPED


@functools.cache
def locale_of(tag: str) -> Any:
    """Babel's locale for a language tag (``pt-BR`` -> pt_BR), the nearest CLDR has: a
    registered tag CLDR lacks data for falls back by subtags, then to English."""
    from babel import Locale, UnknownLocaleError

    parts = tag.replace("_", "-").split("-")
    while parts:
        try:
            return Locale.parse("_".join(parts))
        except (UnknownLocaleError, ValueError):
            parts.pop()
    return Locale.parse("en")


@functools.cache
def text_direction(tag: str) -> str:
    """``rtl`` or ``ltr``: CLDR's character order of the tag's language (ar, he, fa, ur)."""
    return "rtl" if locale_of(tag).character_order == "right-to-left" else "ltr"


def language_warning(language: str, missing: int | None = None) -> str | None:
    """The one warning for a language the theme has no words in, naming it; ``missing``:
    how many of the theme's words the site's own strings leave in English (none: no
    warning)."""
    if has_theme_words(language) or missing == 0:
        return None
    name = locale_of("en").languages.get(base_language(language)) or language
    shipped = ", ".join(SHIPPED)
    total = len(shipped_table("en"))
    words = (
        "English words"
        if missing is None or missing >= total
        else f"English for {missing} of the theme's {total} words"
    )
    return (
        f"language: the theme has no words in {name} ({language!r}): pages use {words} "
        f"with {name} dates and numbers; translate them in strings/{language}.toml or "
        f"[strings] (shipped: {shipped})"
    )
