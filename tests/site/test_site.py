"""The built site as a reader and a crawler see it: golden output, links, safety, determinism."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_SITE, REPO, article, snapshot, tree
from sitecheck import broken_links, html_files, parse_html

from digest.cli import main

GOLDEN = REPO / "tests" / "golden"


def _build(root: Path, *extra: str) -> Path:
    out = root / "site"
    assert main(["build", "--root", str(root), *extra]) == 0
    return out


def test_fixture_site_matches_golden_output(fixture_site):
    """Regenerate after an intended change with ``DIGEST_REGEN_GOLDEN=1 pytest``."""
    built = tree(_build(fixture_site))
    if os.environ.get("DIGEST_REGEN_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in built.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = tree(GOLDEN)
    assert sorted(built) == sorted(expected)
    for rel in expected:
        assert built[rel] == expected[rel], f"{rel} differs from tests/golden/{rel}"


def test_fixture_site_pages_a_reader_needs(fixture_site):
    site = _build(fixture_site)
    day = (site / "2013/11/17/index.html").read_text()
    # The 23:30 UTC article of the 16th is on the 17th in Berlin; grouped by topic.
    assert "Late-night vote in parliament" in day
    assert "Sunday, November 17, 2013" in day
    assert "4 articles from 3 sources in 3 topics" in day
    assert day.index('id="topic-diplomacy"') < day.index('id="topic-energy"')
    assert 'href="https://www.reuters.com/article/gas-prices-winter?utm_source=feed"' in day
    assert "Wholesale gas prices rose for a third week." in day  # the explicit summary
    # Previous/next day.
    assert 'href="/news/2013/11/16/"' in day
    # The draft is left out unless asked for.
    assert not (site / "2013/11/15/draft-story").exists()
    home = (site / "index.html").read_text()
    # days_per_page = 1: the front page holds the newest day, archive pages from the oldest.
    assert "November 16" not in home and "November 15" not in home
    assert "November 15" in (site / "page/1/index.html").read_text()
    assert "November 16" in (site / "page/2/index.html").read_text()
    assert 'rel="next" href="/news/page/2/"' in home
    # The slug field wins over the file name; an article outside the dated folders works.
    assert (site / "2013/11/16/metro-line/index.html").is_file()
    assert (site / "2013/11/15/quiet-day/index.html").is_file()
    # Case and accent variants merge: one "São Paulo" group with both articles.
    day16 = (site / "2013/11/16/index.html").read_text()
    assert day16.count('id="topic-sao-paulo"') == 1
    group = day16[day16.index('id="topic-sao-paulo"') :]
    assert "São Paulo opens new metro line" in group and "Heavy rain floods streets" in group
    # Its other topics are shown beside the article.
    assert '<ul class="topics topics-small" aria-label="Also in">' in group
    # Articles whose front-matter has no topics get them from [topics] keyword rules ...
    assert "Energy" in (site / "2013/11/15/index.html").read_text()
    # ... or are listed under Other.
    assert 'id="topic-other"' in (site / "2013/11/15/index.html").read_text()
    art = (site / "2013/11/17/late-night/index.html").read_text()
    assert '<html lang="de">' in art
    assert "<s>Saturday</s>" in art
    assert '<time datetime="2013-11-17T00:30:00+01:00">' in art


def test_drafts_flag_includes_drafts(fixture_site):
    site = _build(fixture_site, "--drafts")
    assert (site / "2013/11/15/draft-story/index.html").is_file()


def test_markdown_features_in_article_page(fixture_site):
    site = _build(fixture_site)
    syria = (site / "2013/11/17/syria-talks/index.html").read_text()
    assert '<h2 id="h-who-will-attend">Who will attend</h2>' in syria
    assert 'class="footnote-ref"' in syria and 'id="fn1"' in syria
    assert "Staff Writer" in syria
    gas = (site / "2013/11/17/gas-prices/index.html").read_text()
    assert "<table>" in gas and "<td>Germany</td>" in gas


def test_every_page_has_the_meta_a_host_and_crawler_expect(fixture_site):
    site = _build(fixture_site)
    for page in html_files(site):
        text = page.read_text()
        rel = page.relative_to(site).as_posix()
        assert '<meta name="viewport"' in text, rel
        assert '<meta name="description" content="' in text, rel
        assert '<meta property="og:title"' in text, rel
        assert '<meta property="og:url"' in text, rel
        assert 'href="#main"' in text and 'id="main"' in text, rel
        if rel != "404.html":
            url = "https://example.org/news/" + rel.removesuffix("index.html")
            assert f'<link rel="canonical" href="{url}">' in text, rel
    assert (site / ".nojekyll").is_file()
    assert (site / "404.html").is_file()
    css = (site / "assets/style.css").read_text()
    assert "prefers-color-scheme: dark" in css


@pytest.mark.parametrize(
    ("base_url", "base_path"),
    [
        ("https://example.github.io/world-digest/", "/world-digest/"),
        ("https://example.org/", "/"),
    ],
)
def test_every_internal_link_carries_the_base_path_and_resolves(fixture_site, base_url, base_path):
    site = _build(fixture_site, "--base-url", base_url)
    assert broken_links(site, base_path) == []
    internal = [
        link
        for page in html_files(site)
        for _tag, _attr, link in parse_html(page).links
        if link.startswith("/")
    ]
    assert internal and all(link.startswith(base_path) for link in internal)


def test_hostile_content_is_escaped_on_every_page(make_site):
    root = make_site(
        {
            "content/x.md": article(
                title="'<script>alert(\"t\")</script>'",
                source="'<script>alert(\"s\")</script> News'",
                topics="['<script>alert(\"p\")</script> topic']",
                author="'<img src=x onerror=alert(1)>'",
                body=(
                    '<script>alert("b")</script>\n\n<img src=x onerror="alert(2)">\n\n'
                    "[click](javascript:alert(3)) and [data](data:text/html,hi)\n"
                ),
            )
        }
    )
    site = _build(root)
    for page in html_files(site):
        parsed = parse_html(page)
        # The only script is the theme's own (assets/new.js, new since your last visit).
        theme_script = {"defer": None, "src": "/assets/new.js"}
        assert [s for s in parsed.scripts if s != theme_script] == [], page
        assert not [a for a in parsed.attrs if a[1].startswith("on")], page
        hrefs = [link for _t, _a, link in parsed.links]
        assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))], page
    art = next(p for p in html_files(site) if "/x/" in p.as_posix()).read_text()
    assert "&lt;script&gt;alert(&#34;b&#34;)&lt;/script&gt;" in art or "&lt;script&gt;" in art


def test_allow_html_lets_raw_html_through(make_site):
    root = make_site(
        {
            "digest.toml": "allow_html = true\n",
            "content/x.md": article(body='<aside class="note">Raw <b>HTML</b></aside>\n'),
        }
    )
    site = _build(root)
    assert (
        '<aside class="note">Raw <b>HTML</b></aside>'
        in (site / "2013/11/17/x/index.html").read_text()
    )


def test_two_builds_are_byte_identical(fixture_site, tmp_path):
    assert main(["build", "--root", str(fixture_site), "--output", str(tmp_path / "a")]) == 0
    assert main(["build", "--root", str(fixture_site), "--output", str(tmp_path / "b")]) == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_rebuild_with_nothing_changed_writes_nothing(fixture_site):
    site = _build(fixture_site)
    before = snapshot(site)
    inode = site.stat().st_ino
    _build(fixture_site)
    assert snapshot(site) == before
    assert site.stat().st_ino == inode


def test_edit_rewrites_only_changed_files_and_removes_stale_ones(fixture_site, capsys):
    site = _build(fixture_site)
    before = snapshot(site)
    (fixture_site / "content/misc/quiet-day.md").unlink()
    _build(fixture_site)
    after = snapshot(site)
    assert "2013/11/15/quiet-day/index.html" not in after
    assert after["2013/11/17/syria-talks/index.html"] == before["2013/11/17/syria-talks/index.html"]
    assert after["2013/11/15/index.html"] != before["2013/11/15/index.html"]


def test_failed_build_leaves_the_old_site_whole(fixture_site, capsys):
    site = _build(fixture_site)
    before = snapshot(site)
    (fixture_site / "content/misc/quiet-day.md").write_text(article(date="yesterday"))
    assert main(["build", "--root", str(fixture_site)]) == 1
    assert snapshot(site) == before


def test_template_error_is_reported_at_the_template_line(fixture_site, capsys):
    (fixture_site / "templates").mkdir()
    (fixture_site / "templates/day.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{{ day.date|date("nonsense") }}\n'
        "{% endblock %}\n"
    )
    assert main(["build", "--root", str(fixture_site)]) == 1
    err = capsys.readouterr().err
    assert "templates/day.html:3: error: ValueError: unknown date style 'nonsense'" in err
    (fixture_site / "templates/day.html").write_text("{% if %}\n")
    assert main(["build", "--root", str(fixture_site)]) == 1
    assert "templates/day.html:1: error:" in capsys.readouterr().err


def test_site_templates_override_the_theme(fixture_site):
    (fixture_site / "templates").mkdir()
    (fixture_site / "templates/404.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>Lost? Custom page.</p>{% endblock %}\n'
    )
    site = _build(fixture_site)
    assert "Lost? Custom page." in (site / "404.html").read_text()
    assert "Lost?" not in (site / "index.html").read_text()


def test_empty_site_builds(make_site):
    root = make_site({"digest.toml": 'title = "Empty"\n'})
    site = _build(root)
    assert "No articles yet" in (site / "index.html").read_text()


def test_fixture_is_untouched_by_tests():
    assert not (FIXTURE_SITE / "site").exists()
