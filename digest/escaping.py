"""Autoescaping at the cost of the escaping alone.

With autoescape on, every ``{{ value }}`` of a template runs ``markupsafe.escape`` and
every ``~`` runs ``jinja2.runtime.markup_join``. MarkupSafe 3 wraps its C escaping in
Python (``Markup.__new__`` asks every plain string for ``__html__``), which made escaping
a tenth of a page's render. The compiled templates here get the same two functions with a
shortcut for their common case, plain ``str``, that gives the same result; any other value
takes the original function. ``tests/test_escaping.py`` compares them on generated values.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from types import CodeType
from typing import Any

import jinja2
import markupsafe
from jinja2.runtime import markup_join
from markupsafe import Markup

_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)
"""MarkupSafe's C (or pure Python) escaping of a ``str``; absent in other versions, and
then templates keep the originals."""
_new_str = str.__new__


def escape(value: Any) -> Markup:
    """``markupsafe.escape``; a plain ``str`` skips ``Markup.__new__``'s ``__html__`` test,
    which a ``str`` never passes."""
    if type(value) is str:
        return _new_str(Markup, _escape_inner(value))  # type: ignore[misc]
    return markupsafe.escape(value)


def join(parts: tuple[Any, ...]) -> str:
    """``jinja2.runtime.markup_join`` (``~`` under autoescape): plain strings are joined as
    they are; anything else (Markup, numbers, undefined) takes the original."""
    for part in parts:
        if type(part) is not str:
            return markup_join(parts)
    return "".join(parts)


class Template(jinja2.Template):
    """A template whose compiled code calls ``escape`` and ``join`` above."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The names the compiled code imports from jinja2.runtime live in the namespace it
        # ran in, which every function of the template (blocks, macros) shares.
        namespace = template.root_render_func.__globals__
        if _escape_inner is not None and "escape" in namespace:
            namespace["escape"] = escape
        if "markup_join" in namespace:
            namespace["markup_join"] = join
        return template
