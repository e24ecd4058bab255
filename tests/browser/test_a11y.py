"""Accessibility: axe-core (WCAG 2.1 A and AA, and axe's best practices) in Debian's Chromium
finds nothing on any page kind of the fixture site, in light and dark mode, at the domain root
and under ``/<repo>/``.

axe-core comes from npm into .ci/node (git-ignored), as ``.ci/run`` installs it; locally:
``npm install --no-save --prefix .ci/node axe-core@4.14.1``. A new page kind: add its path to
PAGES.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FIXTURE_SITE, REPO, serving
from tools import require_tool

from digest.commands.build import BuildOptions, build
from digest.search.pagefind import pagefind_binary

AXE = REPO / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# One page of each kind, relative to the site's base; (kind, path).
PAGES = [
    ("home", ""),
    ("home, page 2", "page/2/"),
    ("day", "2013/11/17/"),
    ("article", "2013/11/17/syria-talks/"),
    ("topic", "topics/energy/"),
    ("topics index", "topics/"),
    ("source", "sources/reuters/"),
    ("sources index", "sources/"),
    ("archive", "archive/"),
    ("year", "2013/"),
    ("month", "2013/11/"),
    ("story", "stories/europe-gas-winter/"),
    ("search", "search/"),
    ("404", "404.html"),
]
BASES = ["/", "/world-digest/"]
MARKED = {"home", "home, page 2", "day", "topic", "source"}
"""The pages that mark what is new since the reader's last visit."""
SCHEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture site built with search on, for each base, on one static host: the root
    build at ``/``, the project-site build under ``/world-digest/``."""
    require_tool("axe-core", AXE.is_file(), f"{AXE} is missing (npm install, see this module)")
    require_tool("pagefind", pagefind_binary() is not None, "Pagefind is not installed")
    www = tmp_path_factory.mktemp("a11y") / "www"
    for base in BASES:
        root = tmp_path_factory.mktemp("a11y-site")
        shutil.rmtree(root)
        shutil.copytree(FIXTURE_SITE, root, ignore=shutil.ignore_patterns("site", ".digest-cache"))
        build(BuildOptions(root=root, base_url=f"https://example.org{base}", search=True))
        shutil.copytree(root / "site", www / base.strip("/"), dirs_exist_ok=True)
    with serving(www) as url:
        yield url


def describe(kind: str, url: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}) on {kind} {url}: {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " >> ".join(map(str, node["target"]))
            why = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines())
            lines.append(f"    {target}: {why}")
    return lines


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("base", BASES)
def test_no_axe_violations_on_any_page(host: str, browser: Any, base: str, scheme: str) -> None:
    axe = AXE.read_text(encoding="utf-8")
    context = browser.new_context(color_scheme=scheme)
    # A visit after a very old one: assets/new.js marks every listed entry as new and shows
    # its count and button, so axe checks the marked state too.
    context.add_init_script(
        f"sessionStorage.setItem('digest-new:{base}:visit', '1');"
        f"localStorage.setItem('digest-new:{base}', '1');"
    )
    page = context.new_page()
    problems: list[str] = []
    try:
        for kind, path in PAGES:
            url = f"{host}{base}{path}"
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 200, f"{kind}: {url}"
            if kind in MARKED:
                assert page.query_selector("[data-new] .new-badge"), f"{kind}: nothing marked"
            page.add_script_tag(content=axe)
            results = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                " resultTypes: ['violations']})",
                AXE_TAGS,
            )
            problems += describe(kind, url, results["violations"])
    finally:
        context.close()
    assert not problems, f"axe ({scheme} mode):\n" + "\n".join(problems)


def test_pages_cover_every_page_kind_in_the_fixture() -> None:
    # A guard against a renamed fixture page silently dropping out of the check above.
    golden = REPO / "tests" / "golden"
    for kind, path in PAGES:
        if kind != "search":
            target = golden / path / "index.html" if not path.endswith(".html") else golden / path
            assert target.is_file(), f"{kind}: {path} is not in tests/golden"
