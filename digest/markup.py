"""MarkupSafe's escaping and formatting of plain values, at C speed: the shortcuts the
theme's words (``digest.words``) and the compiled templates (``digest.formats.escaping``)
share. Each gives exactly what MarkupSafe gives, or hands the value to MarkupSafe;
``tests/formats/test_escaping.py`` compares them on generated values.
"""

from __future__ import annotations

import string
from typing import Any

from markupsafe import Markup

_new_str = str.__new__


def escape_str(text: str) -> str:
    """MarkupSafe's escaping of a plain ``str``: ``& < > ' "`` as ``&amp; &lt; &gt; &#39;
    &#34;``. (Its C version is not public; ``str.replace`` runs in C too.)"""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "'" in text:
        text = text.replace("'", "&#39;")
    if '"' in text:
        text = text.replace('"', "&#34;")
    return text


_MISSING: Any = object()
_FIELDS: dict[str, tuple[str, ...] | None] = {}
"""Per template text, the names of its fields when every one is a plain ``{name}`` (no
index, attribute, conversion or format spec), else None."""


_FORMATTER = string.Formatter()


def _plain_fields(template: str) -> tuple[str, ...] | None:
    found = _FIELDS.get(template, _MISSING)
    if found is _MISSING:
        names: list[str] | None = []
        try:
            for _, name, spec, conversion in _FORMATTER.parse(template):
                if name is None:
                    continue
                if not name.isidentifier() or spec or conversion:
                    names = None
                    break
                names.append(name)  # type: ignore[union-attr]
        except ValueError:  # unbalanced braces: Markup.format raises it, with its message
            names = None
        found = _FIELDS[template] = None if names is None else tuple(names)
    return found


def format_markup(template: Markup, args: dict[str, Any]) -> Markup:
    """``template.format(**args)`` (MarkupSafe's escaping formatter, written in Python: a
    theme string's format was a tenth of a list page's render). When every field is a plain
    ``{name}`` and every value a plain ``str``, an ``int`` or ``Markup``, each value is
    escaped as that formatter escapes it and the text formatted by ``str.format``, in C;
    anything else takes ``Markup.format``."""
    if type(template) is not Markup:
        return template.format(**args)  # type: ignore[no-any-return]
    names = _plain_fields(template)
    if names is None:
        return template.format(**args)
    escaped: dict[str, str] = {}
    for name in names:
        if name in escaped:
            continue
        value = args.get(name, _MISSING)
        kind = type(value)
        if kind is str:
            escaped[name] = escape_str(value)  # type: ignore[arg-type]
        elif kind is Markup:
            escaped[name] = _new_str(str, value)
        elif kind is int:
            escaped[name] = int.__repr__(value)  # type: ignore[arg-type]  # digits and "-"
        else:  # missing (a KeyError, worded by the original), or another kind of value
            return template.format(**args)
    return _new_str(Markup, str.format(template, **escaped))  # type: ignore[no-any-return]
