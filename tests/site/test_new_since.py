"""New since your last visit, as built: the hidden control with its words, the entries'
published times and the script link on home, day, topic and source pages, and nothing of
it on the other pages (the browser side: tests/browser/test_new_since_browser.py)."""

from __future__ import annotations

import re

from conftest import article, run_digest

CONFIG = 'title = "N"\nbase_url = "https://example.org/{base}"\ntimezone = "UTC"\n{extra}'
LISTING_PAGES = ["index.html", "2013/11/17/index.html", "topics/gas/index.html"]
LISTING_PAGES += ["sources/the-daily/index.html"]


def build(make_site, base="", extra=""):
    root = make_site(
        {
            "digest.toml": CONFIG.format(base=base, extra=extra),
            "content/a.md": article("Morning", date="2013-11-17T09:30:00+02:00", topics="[Gas]"),
            "content/b.md": article("Plain day", date="2013-11-17", topics="[Gas]"),
        }
    )
    result = run_digest("build", "--root", root)
    assert result.code == 0, result.err
    return root / "site"


def control(page):
    found = re.search(r'<div class="new-since" id="new-since" hidden[^>]*>.*?</div>', page, re.S)
    assert found, "no hidden new-since control"
    return found.group(0)


def test_listing_pages_carry_the_hidden_control_times_and_script(make_site):
    site = build(make_site, base="world/")
    for rel in LISTING_PAGES:
        page = (site / rel).read_text()
        box = control(page)
        assert 'data-base="/world/"' in box
        assert 'data-badge="New"' in box
        assert 'data-count-one="{count} new since your last visit"' in box
        assert '<p class="new-count" role="status" aria-live="polite"></p>' in box
        assert '<button type="button" class="new-mark-seen">Mark all as seen</button>' in box
        assert '<script src="/world/assets/new.js" defer></script>' in page
        assert 'data-published="2013-11-17T07:30:00Z"' in page, rel
        assert 'data-published="2013-11-17T00:00:00Z"' in page, rel
        # Without JavaScript no marked entry and no badge: only the script adds them.
        assert "data-new" not in page and "new-badge" not in page
    assert (site / "assets/new.js").is_file()
    article_page = (site / "2013/11/17/a/index.html").read_text()
    assert "new.js" not in article_page and "new-since" not in article_page


def test_the_control_speaks_the_site_language(make_site):
    site = build(make_site, extra='language = "ru"\n')
    box = control((site / "index.html").read_text())
    assert 'data-badge="Новое"' in box
    for category in ("one", "few", "many", "other"):
        assert f"data-count-{category}=" in box
    assert "Отметить всё как просмотренное" in box
