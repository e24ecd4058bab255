"""The escaping shortcuts (``digest.markup``, and the templates' ``digest.formats.escaping``)
give exactly what MarkupSafe and Jinja give."""

from __future__ import annotations

from pathlib import Path

import markupsafe
from hypothesis import given
from hypothesis import strategies as st
from jinja2.runtime import markup_join
from markupsafe import Markup

from digest import markup
from digest.config import load_config
from digest.formats import escaping
from digest.pipeline.render import Renderer


class _Html:
    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return f"plain {self.text}"


class _Text(str):
    """A str subclass: not the shortcut's plain ``str``."""


class _Safe(Markup):
    """A Markup subclass with its own ``__html__``: not the shortcut's plain ``Markup``."""

    def __html__(self) -> Markup:
        return Markup(f"<b>{self}</b>")


_TEXT = st.text(alphabet=st.sampled_from("<>&\"' aé\u2028\x00\n/"), max_size=12)
_VALUES = st.one_of(
    _TEXT,
    _TEXT.map(Markup),
    _TEXT.map(_Html),
    _TEXT.map(_Text),
    _TEXT.map(_Safe),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
)


def _same(got: object, expected: object) -> None:
    assert type(got) is type(expected)
    assert got == expected


@given(st.text())
def test_escape_str_is_markupsafes(text: str) -> None:
    assert escaping.escape_str(text) == str(markupsafe.escape(text))


@given(_VALUES)
def test_escape_is_markupsafes(value: object) -> None:
    _same(escaping.escape(value), markupsafe.escape(value))


@given(st.lists(_VALUES, max_size=5).map(tuple))
def test_join_is_jinjas_markup_join(parts: tuple[object, ...]) -> None:
    _same(escaping.join(parts), markup_join(parts))


def test_the_sites_templates_use_them(tmp_path: Path) -> None:
    # What makes the shortcut worth having: it is what the compiled templates call.
    (tmp_path / "digest.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n')
    renderer = Renderer(tmp_path, load_config(tmp_path))
    # Environment.compile(raw=True): the Python source a template compiles to.
    code = renderer.env.compile("{{ a }}{{ a ~ b }}", raw=True)
    assert code.rstrip().endswith("from digest.formats.escaping import escape, join as markup_join")
    source = renderer.env.from_string("{{ a }}|{{ a ~ b }}|{{ m }}")
    assert source.render(a="<b>", b="&", m=Markup("<i>")) == "&lt;b&gt;|&lt;b&gt;&amp;|<i>"


_PLAIN_FIELD = st.sampled_from(["{name}", "{n}", "{name}{name}"])
_ODD_FIELD = st.sampled_from(["{n!r}", "{n:>3}", "{0}", "{}", "{a.b}", "{{", "}}", "{", "}"])
_PLAIN_TEMPLATE = st.lists(st.one_of(_TEXT, _PLAIN_FIELD), max_size=5)
_TEMPLATE = st.lists(st.one_of(_TEXT, _PLAIN_FIELD, _ODD_FIELD), max_size=6)
_ARGS = st.fixed_dictionaries({"name": _VALUES, "n": _VALUES}, optional={"other": _VALUES})


def _outcome(call):
    try:
        return call()
    except Exception as exc:  # the same error, or none, either way
        return type(exc)


def _check_format(parts: list[str], args: dict[str, object]) -> None:
    template = Markup(markupsafe.escape("".join(parts)))
    got = _outcome(lambda: markup.format_markup(template, args))
    expected = _outcome(lambda: template.format(**args))
    if isinstance(expected, type):
        assert got is expected
    else:
        _same(got, expected)


@given(_PLAIN_TEMPLATE, _ARGS)
def test_format_markup_is_markupsafes(parts: list[str], args: dict[str, object]) -> None:
    _check_format(parts, args)


@given(_TEMPLATE, st.dictionaries(st.sampled_from(["name", "n", "other"]), _VALUES, max_size=3))
def test_format_markup_is_markupsafes_for_any_template(
    parts: list[str], args: dict[str, object]
) -> None:
    _check_format(parts, args)


def test_format_markup_escapes_values_not_the_template() -> None:
    template = Markup("Also covered by {sources} &amp; {count} more")
    got = markup.format_markup(template, {"sources": "<b>A&B</b>", "count": 3})
    _same(got, Markup("Also covered by &lt;b&gt;A&amp;B&lt;/b&gt; &amp; 3 more"))
    _same(
        markup.format_markup(template, {"sources": Markup("<i>x</i>"), "count": -2}),
        Markup("Also covered by <i>x</i> &amp; -2 more"),
    )
