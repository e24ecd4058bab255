"""New since your last visit in a real browser (Debian's Chromium driven by Playwright):
a second visit marks exactly the articles published since the first, counts them, and
"mark all as seen" clears them; at ``/`` and under ``/<repo>/``, and two digests on one
host keep their own marks."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import article, serving

from digest.commands.build import BuildOptions, build

pytestmark = pytest.mark.browser

FIRST = {
    "content/2013/11/16/older.md": article("Older news", date="2013-11-16"),
    "content/2013/11/17/first.md": article("First news", date="2013-11-17T08:00:00Z"),
}
ADDED = ("content/2013/11/17/added.md", article("Added news", date="2013-11-17T10:00:00Z"))


def publish(root: Path, www: Path, base: str) -> None:
    build(BuildOptions(root=root, base_url=f"https://example.org{base}"))
    shutil.copytree(root / "site", www / base.strip("/"), dirs_exist_ok=True)


def project(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    for rel, text in FIRST.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "digest.toml").write_text('title = "Digest"\n')
    return root


def add_article(root: Path) -> None:
    rel, text = ADDED
    (root / rel).write_text(text)


@pytest.fixture
def www(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "www"
    folder.mkdir()
    with serving(folder) as url:
        yield folder, url


def fresh_context(browser: Any) -> Any:
    """A browser profile that always asks the host: a static host's pages carry only a
    Last-Modified, and the browser's heuristic cache would show the first build again."""
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_())
    return context


def marked(page: Any) -> list[str]:
    """The titles (first link texts) of the entries marked new, in page order."""
    return page.eval_on_selector_all(
        "[data-new]", "els => els.map(e => e.querySelector('a').textContent.trim())"
    )


def visit(context: Any, url: str) -> Any:
    """A new tab: a new visit (sessionStorage is per tab), same localStorage."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    page.wait_for_function("document.readyState === 'complete'")
    assert not errors, errors
    return page


@pytest.mark.parametrize("base", ["/", "/world-digest/"])
@pytest.mark.parametrize("path", ["", "2013/11/17/", "sources/the-daily/"])
def test_second_visit_marks_only_the_added_article(
    tmp_path: Path, www: tuple[Path, str], browser: Any, base: str, path: str
) -> None:
    folder, host = www
    root = project(tmp_path, "site")
    publish(root, folder, base)
    context = fresh_context(browser)
    try:
        first = visit(context, f"{host}{base}{path}")
        assert marked(first) == [], "a first visit marks nothing"
        assert first.is_hidden("#new-since")
        first.close()

        add_article(root)
        publish(root, folder, base)
        page = visit(context, f"{host}{base}{path}")
        assert marked(page) == ["Added news"]
        assert page.is_visible("#new-since")
        assert page.inner_text(".new-count") == "1 new since your last visit"
        assert page.inner_text("[data-new] .new-badge") == "New"
        # Within the same visit the mark stays while the reader browses.
        page.reload(wait_until="load")
        assert marked(page) == ["Added news"]

        page.get_by_role("button", name="Mark all as seen").click()
        assert marked(page) == []
        assert page.query_selector_all(".new-badge") == []
        assert page.is_hidden("#new-since")
        page.reload(wait_until="load")
        assert marked(page) == []
        page.close()
        assert marked(visit(context, f"{host}{base}{path}")) == []
    finally:
        context.close()


def test_two_digests_on_one_host_keep_their_own_marks(
    tmp_path: Path, www: tuple[Path, str], browser: Any
) -> None:
    folder, host = www
    one, two = project(tmp_path, "one"), project(tmp_path, "two")
    publish(one, folder, "/one/")
    publish(two, folder, "/two/")
    context = fresh_context(browser)
    try:
        visit(context, f"{host}/one/").close()
        # The second digest gets the article before the reader's first visit to it: that first
        # visit marks nothing, whatever the first digest's mark says.
        add_article(two)
        publish(two, folder, "/two/")
        assert marked(visit(context, f"{host}/two/")) == []
        add_article(one)
        publish(one, folder, "/one/")
        assert marked(visit(context, f"{host}/one/")) == ["Added news"]
    finally:
        context.close()
