"""Stories in a real browser (Debian's Chromium): from a day page's multi-source story to its
story page and the articles, and from an article page's "Full coverage" link, at the domain
root and under ``/<repo>/`` as GitHub Pages serves a project site."""

from __future__ import annotations

import shutil

import pytest

from digest.commands.build import BuildOptions, build

SYRIA = "2013-11-17-syrian-government-team-heads-to-moscow-for-talks"


@pytest.mark.parametrize("base", ["/", "/world-digest/"])
def test_a_story_from_the_day_page_to_its_coverage(fixture_site, static_server, browser, base):
    url, folder = static_server
    build(BuildOptions(root=fixture_site, base_url=f"https://example.org{base}"))
    target = folder / base.strip("/") if base != "/" else folder
    if base == "/":
        shutil.rmtree(folder)
    shutil.copytree(fixture_site / "site", target)

    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    try:
        page.goto(f"{url}{base}2013/11/17/", wait_until="load")
        story = page.locator(f'.top-stories [data-story="{SYRIA}"]')
        assert story.count() == 1
        assert (
            story.locator("h3").inner_text() == "Syrian Government Team Heads to Moscow for Talks"
        )
        assert "2 sources" in story.locator(".meta").inner_text()
        # Every article of the day sits in exactly one story element: 4 articles, 3 stories.
        assert page.locator("[data-story]").count() == 3
        headlines = page.locator("[data-story] h3 a").count()
        assert headlines + page.locator("[data-story] .also-covered a").count() == 4
        also = story.locator(".also-covered a")
        assert also.all_inner_texts() == [
            "The Moscow Times: Syria, Russia to Discuss Peace Conference on Monday"
        ]

        story.get_by_role("link", name="Full coverage: 2 sources").click()
        page.wait_for_load_state("load")
        assert page.url == f"{url}{base}stories/{SYRIA}/"
        assert page.locator("h1").inner_text() == "Syrian Government Team Heads to Moscow for Talks"
        titles = page.locator(".articles h3").all_inner_texts()
        assert titles == [
            "Syrian Government Team Heads to Moscow for Talks",
            "Syria, Russia to Discuss Peace Conference on Monday",
        ]
        page.get_by_role("link", name="Syria, Russia to Discuss Peace Conference on Monday").click()
        page.wait_for_load_state("load")
        assert page.url == f"{url}{base}2013/11/17/syria-talks/"

        page.get_by_role("link", name="Full coverage: 2 sources").click()
        page.wait_for_load_state("load")
        assert page.url == f"{url}{base}stories/{SYRIA}/"
        # The theme's stylesheet loads under the base path too.
        assert page.evaluate("document.styleSheets.length") >= 1
        assert problems == []
    finally:
        page.close()
