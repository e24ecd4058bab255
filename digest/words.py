"""The theme's words of one site language as the templates use them (``t``, ``n``,
``number``, the ``date`` filter, ``lang_attrs``, ``dir_attr``): digest/l10n.py's tables and
the site's ``[strings]`` as escaped Markup, CLDR (Babel) for plurals, dates and numbers,
each asked once per distinct value: the render loop calls these for every listed article."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from markupsafe import Markup, escape

from digest.l10n import (
    Text,
    base_language,
    has_theme_words,
    locale_of,
    shipped_table,
    text_direction,
)
from digest.markup import format_markup

_DATE_FORMATS = {"long": "full", "medium": "long", "short": "medium"}
"""The theme's date styles as CLDR's: the theme's ``long`` (Sunday, November 17, 2013) is
CLDR's full date, its ``medium`` (November 17, 2013) CLDR's long one."""


class Words:
    """The theme's words, dates, numbers and plurals of one site language (with the
    site's ``[strings]``); built once per (language, strings) by ``words_for``."""

    def __init__(self, language: str, strings: tuple[tuple[str, Text], ...] = ()) -> None:
        self.language = language
        self.locale = locale_of(language)
        self.direction = text_direction(language)
        own = has_theme_words(language)
        table = dict(shipped_table("en"))
        if own and base_language(language) != "en":
            table.update(shipped_table(base_language(language)))
        # English words without a table of the language count in English; a site's own
        # words in its language count by its rules.
        english_rules = locale_of("en") if not own else self.locale
        self._plural_rules: dict[str, Any] = dict.fromkeys(table, english_rules)
        for key, value in strings:
            table[key] = dict(value) if isinstance(value, tuple) else value
            self._plural_rules[key] = self.locale
        self._plain = table
        self._markup: dict[str, Any] = {
            key: {c: Markup(escape(t)) for c, t in v.items()}
            if isinstance(v, dict)
            else Markup(escape(v))
            for key, v in table.items()
        }
        self._dates: dict[tuple[Any, str], str] = {}
        self._numbers: dict[int, str] = {}
        self._categories: dict[tuple[str, int], str] = {}
        self._attrs: dict[str, Markup] = {}

    def text(self, key: str, **args: Any) -> Markup:
        """A string as HTML: the table's text escaped, ``args`` escaped unless Markup."""
        template = self._markup[key]
        if isinstance(template, dict):
            raise TypeError(f"{key!r} is a plural: count({key!r}, n)")
        return format_markup(template, args) if args else template

    def count(self, key: str, n: int, **args: Any) -> Markup:
        """A plural string for ``n`` (its ``{count}`` the number as the language writes it)."""
        forms = self._markup[key]
        template = forms.get(self._category(key, n), forms["other"])
        return format_markup(template, dict(count=self.number(n), **args))

    def plain(self, key: str, **args: Any) -> str:
        """A string as text, for values the templates escape themselves (feed titles)."""
        return self._plain[key].format(**args)

    def plain_count(self, key: str, n: int, **args: Any) -> str:
        forms = self._plain[key]
        return forms.get(self._category(key, n), forms["other"]).format(
            count=self.number(n), **args
        )

    def search_strings(self) -> dict[str, Any]:
        """The search page script's words; its counts go through ``Intl.PluralRules``."""
        keys = ("none", "prompt", "failed", "empty", "broken")
        found: dict[str, Any] = {key: self._plain[f"search.{key}"] for key in keys}
        found["articles"] = dict(self._plain["count.articles"])
        return found

    def plural_forms(self, key: str) -> list[tuple[str, Markup]]:
        """A plural's forms as (CLDR category, escaped text with ``{count}`` left in), for
        scripts that count in the browser with ``Intl.PluralRules`` (assets/new.js)."""
        return sorted(self._markup[key].items())

    def _category(self, key: str, n: int) -> str:
        found = self._categories.get((key, n))
        if found is None:
            found = self._categories[(key, n)] = self._plural_rules[key].plural_form(n)
        return found

    def number(self, n: int) -> str:
        found = self._numbers.get(n)
        if found is None:
            from babel.numbers import format_decimal

            found = self._numbers[n] = format_decimal(n, locale=self.locale)
        return found

    def date(self, value: dt.date | dt.datetime, style: str = "long") -> str:
        """``long``: Sunday, November 17, 2013 · ``medium``: November 17, 2013 ·
        ``short``: Nov 17, 2013 · ``month``: November 2013 · ``iso``: 2013-11-17 (the
        English forms; every language's are CLDR's)."""
        if style == "iso":
            return value.isoformat()
        found = self._dates.get((value, style))
        if found is None:
            from babel.dates import format_date, format_skeleton

            if style == "month":
                found = format_skeleton("yMMMM", value, locale=self.locale)
            elif style in _DATE_FORMATS:
                found = format_date(value, _DATE_FORMATS[style], locale=self.locale)
            else:
                raise ValueError(f"unknown date style {style!r} (long, medium, short, month, iso)")
            self._dates[(value, style)] = found
        return found

    def lang_attrs(self, lang: str | None) -> Markup:
        """`` lang="ar" dir="rtl"`` for a text in another language than the page's, the
        ``dir`` when its direction differs too; nothing for the site's own language."""
        if not lang or lang == self.language:
            return Markup("")
        found = self._attrs.get(lang)
        if found is None:
            direction = text_direction(lang)
            found = Markup(' lang="{}"').format(lang)
            if direction != self.direction:
                found += Markup(' dir="{}"').format(direction)
            self._attrs[lang] = found
        return found

    def dir_attr(self, lang: str) -> Markup:
        """`` dir="rtl"`` on a page in a right-to-left language; nothing otherwise (ltr is
        HTML's default)."""
        return Markup(' dir="rtl"') if text_direction(str(lang)) == "rtl" else Markup("")


@functools.cache
def words_for(language: str, strings: tuple[tuple[str, Text], ...] = ()) -> Words:
    return Words(language, strings)
