"""Templates compiled in a process of their own while the site is loaded and planned
(``digest.pipeline.render.compile_ahead``): the same bytes as templates compiled where they
are rendered, the rendering process compiling none of them itself, and a broken or edited
template still reported or rendered as it is."""

from __future__ import annotations

import jinja2
import pytest
from conftest import article, tree

from digest.commands.build import BuildOptions, build
from digest.errors import DigestError
from digest.pipeline import render


def _site(make_site, n: int = 40, **extra: str):
    files = {
        f"content/2013/11/{1 + i % 9:02d}/story-{i}.md": article(
            f"Story number {i}",
            date=f"2013-11-{1 + i % 9:02d}",
            source=["Reuters", "BBC News"][i % 2],
            url=f"https://example.com/story/{i}",
            topics="[Economy, Energy]" if i % 2 else "[Health]",
        )
        for i in range(n)
    }
    return make_site({**files, **extra})


@pytest.fixture
def ahead(monkeypatch):
    """compile_ahead on for a small site, with no template compiled yet in this process;
    returns the list of the templates this process compiles itself."""
    monkeypatch.setattr(render, "AHEAD_FROM", 1)
    monkeypatch.setattr(render, "_BYTECODE", {})
    compiled_here: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled_here.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return compiled_here


def test_the_rendering_process_compiles_no_template_and_writes_the_same_bytes(
    make_site, tmp_path, ahead
):
    root = _site(make_site)
    build(BuildOptions(root=root, output=tmp_path / "ahead", jobs=2, force=True))
    assert ahead == []  # every template came from the other process
    render._BYTECODE.clear()
    build(BuildOptions(root=root, output=tmp_path / "here", jobs=1, force=True))
    assert "article.html" in ahead  # with one job, compiled here: the count is real
    assert tree(tmp_path / "ahead") == tree(tmp_path / "here")


def test_a_broken_site_template_is_reported_at_its_line(make_site, ahead):
    root = _site(make_site, **{"templates/day.html": "{% extends 'base.html' %}\n{% block x %\n"})
    with pytest.raises(DigestError) as failed:
        build(BuildOptions(root=root, jobs=2))
    [problem] = failed.value.diagnostics
    assert (problem.path, problem.line) == ("templates/day.html", 2)


def test_a_template_edited_after_a_build_renders_as_edited(make_site, ahead):
    # In-process rebuilds (watch) find the first build's compiled templates: an edited one
    # must not be taken for them.
    template = "{% extends 'base.html' %}{% block content %}<p>FIRST</p>{% endblock %}\n"
    root = _site(make_site, **{"templates/404.html": template})
    build(BuildOptions(root=root, jobs=2))
    assert "FIRST" in (root / "site" / "404.html").read_text()
    (root / "templates" / "404.html").write_text(template.replace("FIRST", "SECOND"))
    build(BuildOptions(root=root, jobs=2))
    assert "SECOND" in (root / "site" / "404.html").read_text()
