"""The templates' escaping shortcuts give exactly what MarkupSafe and Jinja give."""

from __future__ import annotations

from pathlib import Path

import markupsafe
from hypothesis import given
from hypothesis import strategies as st
from jinja2.runtime import markup_join
from markupsafe import Markup

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


_TEXT = st.text(alphabet=st.sampled_from("<>&\"' aé\u2028\x00\n/"), max_size=12)
_VALUES = st.one_of(
    _TEXT,
    _TEXT.map(Markup),
    _TEXT.map(_Html),
    _TEXT.map(_Text),
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
