"""Autoescaping at the cost of the escaping alone.

With autoescape on, every ``{{ value }}`` of a template runs ``markupsafe.escape`` and
every ``~`` runs ``jinja2.runtime.markup_join``. MarkupSafe 3 wraps its C escaping in
Python (``Markup.__new__`` asks every plain string for ``__html__``), which made escaping
a tenth of a page's render. The compiled templates here get the same two functions with a
shortcut for their common case, plain ``str``, that gives the same result; any other value
takes the original function. ``tests/formats/test_escaping.py`` compares them on generated values.

How the templates get them: through Jinja's public hook for changing what a template
compiles to, ``Environment.code_generator_class``. ``CodeGenerator`` writes each module's
imports from ``jinja2.runtime`` first; ours adds one line at the end of the module that
binds ``escape`` and ``markup_join`` to the functions below, which every function of the
template (blocks, macros) looks up in the module's namespace when it runs.
"""

from __future__ import annotations

from typing import Any

import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import markup_join
from markupsafe import Markup

from digest.markup import escape_str

_new_str = str.__new__


def escape(value: Any) -> Markup:
    """``markupsafe.escape``; a plain ``str`` skips ``Markup.__new__``'s ``__html__`` test,
    which a ``str`` never passes, and a ``Markup`` (a macro's output, a list item from
    ``cached``) is its own escape: MarkupSafe would copy it through ``__html__``, which
    ``Markup`` itself answers with itself (a subclass may not: it takes the original)."""
    kind = type(value)
    if kind is str:
        return _new_str(Markup, escape_str(value))  # type: ignore[no-any-return]
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    return markupsafe.escape(value)


def join(parts: tuple[Any, ...]) -> str:
    """``jinja2.runtime.markup_join`` (``~`` under autoescape): plain strings are joined as
    they are; anything else (Markup, numbers, undefined) takes the original."""
    for part in parts:
        if type(part) is not str:
            return markup_join(parts)
    return "".join(parts)


class ShortcutCodeGenerator(CodeGenerator):
    """Compiles templates whose ``escape`` and ``markup_join`` are the ones above."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        self.writeline("from digest.formats.escaping import escape, join as markup_join")
