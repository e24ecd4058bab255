"""Topic, source and archive pages, related articles, feeds and the sitemap of the fixture site."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from conftest import article
from sitecheck import broken_links, parse_html, sitemap_index, sitemap_urls

from digest.cli import main


def _build(root: Path, *extra: str) -> Path:
    assert main(["build", "--root", str(root), *extra]) == 0
    return root / "site"


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="article-item-title"[^>]*><a href="[^"]+">([^<]+)</a>', html)


def _row_names(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<tr>\n<td><a href="[^"]+">([^<]+)</a></td>\n<td>(\d+)</td>\n<td><a [^>]+>'
        r'<time datetime="([^"]+)"',
        html,
    )


def test_topics_index_lists_every_topic_by_count_then_name(fixture_site):
    site = _build(fixture_site)
    rows = _row_names((site / "topics/index.html").read_text())
    assert rows == [
        ("Diplomacy", "3", "2013-11-17"),
        ("Energy", "2", "2013-11-17"),
        ("Syria", "2", "2013-11-17"),
        ("São Paulo", "2", "2013-11-16"),
        ("Russia", "1", "2013-11-17"),
        ("Transport", "1", "2013-11-16"),
        ("Weather", "1", "2013-11-16"),
    ]
    sources = _row_names((site / "sources/index.html").read_text())
    assert sources == [
        ("Folha de S.Paulo", "2", "2013-11-16"),
        ("Reuters", "2", "2013-11-17"),
        ("The Moscow Times", "2", "2013-11-17"),
        ("Al Jazeera", "1", "2013-11-17"),
        ("BBC News", "1", "2013-11-15"),
    ]


def test_topic_page_lists_articles_newest_first_grouped_by_day(fixture_site):
    site = _build(fixture_site)

    def listed(base: str) -> list[str]:  # per_page = 1: along the pages, newest first
        return [title for page in _chain(site, base) for title in page]

    html = (site / "topics/energy/index.html").read_text()
    assert listed("/news/topics/energy/") == [
        "Gas prices: Europe braces for a cold winter",
        "New pipeline approved",
    ]
    assert 'id="day-2013-11-17"' in html
    assert 'id="day-2013-11-15"' in (site / "topics/energy/page/1/index.html").read_text()
    assert 'href="/news/topics/energy/feed.xml"' in html
    # Non-ASCII topic: one page for "São Paulo" and "sao paulo", with an ASCII slug.
    sao = (site / "topics/sao-paulo/index.html").read_text()
    assert '<h1 class="page-title">São Paulo' in sao
    assert listed("/news/topics/sao-paulo/") == [
        "São Paulo opens new metro line",
        "Heavy rain floods streets in Sao Paulo",
    ]
    # Source names merge case-insensitively: "reuters" and "Reuters" are one source.
    assert listed("/news/sources/reuters/") == [
        "Gas prices: Europe braces for a cold winter",
        "Late-night vote in parliament",
    ]
    assert not (site / "topics/other").exists()


def test_topic_and_source_pagination_with_small_per_page(make_site):
    files = {
        f"content/a{i}.md": article(
            f"Story {i}", date=f"2013-11-{10 + i:02d}", topics="[Economy]", source="Wire"
        )
        for i in range(5)
    }
    files["digest.toml"] = "per_page = 2\n"
    site = _build(make_site(files))
    front = (site / "topics/economy/index.html").read_text()
    oldest = (site / "topics/economy/page/1/index.html").read_text()
    # The archive page holds the oldest two for good; the front page the rest, newest first.
    assert _titles(front) == ["Story 4", "Story 3", "Story 2"]
    assert _titles(oldest) == ["Story 1", "Story 0"]
    assert not (site / "topics/economy/page/2").exists()
    assert 'rel="next" href="/topics/economy/page/1/"' in front
    assert 'rel="prev"' not in front and "Latest" in front
    assert 'rel="prev" href="/topics/economy/"' in oldest and 'rel="next"' not in oldest
    assert "Page 1<" in oldest and "page 1</span>" in oldest
    assert _titles((site / "sources/wire/page/1/index.html").read_text()) == ["Story 1", "Story 0"]
    # The feed has every article, not a page of them.
    assert len(feedparser.parse(site / "topics/economy/feed.xml").entries) == 5


def _chain(site: Path, base: str) -> list[list[str]]:
    """The titles of each page from the front page along its "Older" links."""
    prefix = base[: base.index("/", 1) + 1] if base.startswith("/news/") else "/"
    pages, url = [], base
    while url:
        html = (site / url.removeprefix(prefix) / "index.html").read_text()
        pages.append(_titles(html))
        older = re.search(r'rel="next" href="([^"]+)"', html)
        url = older.group(1) if older else ""
    return pages


def test_a_new_article_changes_the_front_page_and_at_most_one_archive_page(make_site):
    per_page = 3
    root = make_site({"digest.toml": f"per_page = {per_page}\n"})
    (root / "content").mkdir(exist_ok=True)
    before: dict[str, str] = {}
    for n in range(1, 4 * per_page + 2):
        day = f"2013-11-{n:02d}"
        path = root / f"content/a{n:02d}.md"
        path.write_text(article(f"Story {n}", date=day, topics="[Economy]", source="Wire"))
        site = _build(root, "--base-url", "https://example.org/")
        chain = _chain(site, "/topics/economy/")
        # Every article once, newest first along the chain; full archive pages.
        assert [t for page in chain for t in page] == [f"Story {i}" for i in range(n, 0, -1)]
        assert all(len(page) == per_page for page in chain[1:])
        assert per_page <= len(chain[0]) < 2 * per_page or len(chain) == 1
        pages = {
            p.parent.name: p.read_text()
            for p in (site / "topics/economy/page").glob("*/index.html")
        }
        changed = {k for k, html in before.items() if pages[k] != html}
        newest = str(len(pages) - 1)
        # Only the archive page just before a new one changes (its "Newer" link).
        assert changed <= ({newest} if len(pages) > len(before) else set()), (n, changed)
        before = pages


def test_keyword_rules_assign_topics_only_to_articles_without_topics(make_site):
    root = make_site(
        {
            "digest.toml": '[topics]\nSyria = ["Assad", "Damascus"]\nTech = ["C++"]\n',
            "content/a.md": article("Talks in Damascus begin", body="Delegates arrived."),
            "content/b.md": article("Other news", body="Assad's envoy spoke. C++ rocks."),
            "content/c.md": article("Own topics", body="Damascus.", topics="[Travel]"),
            "content/d.md": article("No match", body="Damascusville and assadism are not words."),
        }
    )
    site = _build(root)
    syria = _titles((site / "topics/syria/index.html").read_text())
    assert sorted(syria) == ["Other news", "Talks in Damascus begin"]
    assert _titles((site / "topics/tech/index.html").read_text()) == ["Other news"]
    day = (site / "2013/11/17/index.html").read_text()
    other = day[day.index('id="topic-other"') :]
    assert _titles(other) == ["No match"]


def test_archive_pages_list_days_with_counts(fixture_site):
    site = _build(fixture_site)
    archive = (site / "archive/index.html").read_text()
    assert re.findall(
        r'datetime="(2013-11-\d\d)">[^<]+</time></a> <span class="count">\((\d)\)', archive
    ) == [
        ("2013-11-17", "4"),
        ("2013-11-16", "2"),
        ("2013-11-15", "2"),
    ]
    assert "(8 articles)" in archive
    year = (site / "2013/index.html").read_text()
    assert 'href="/news/2013/11/"' in year and "8 articles on 3 days" in year
    month = (site / "2013/11/index.html").read_text()
    assert "November 2013" in month and "8 articles on 3 days" in month


def test_related_articles_share_topics_nearest_in_date_first(make_site):
    files = {
        "content/a.md": article("Base", date="2013-11-10", topics="[Oil, Iran]"),
        "content/b.md": article("Both far", date="2013-10-01", topics="[Oil, Iran]"),
        "content/c.md": article("Oil near", date="2013-11-11", topics="[Oil]"),
        "content/d.md": article("Iran nearer", date="2013-11-10", topics="[Iran]", slug="dd"),
        "content/e.md": article("Unrelated", date="2013-11-10", topics="[Sport]", slug="ee"),
    }
    site = _build(make_site(files))
    html = (site / "2013/11/10/a/index.html").read_text()
    related = html[html.index("Related articles") :]
    assert _titles(related) == ["Both far", "Iran nearer", "Oil near"]
    assert "Related articles" not in (site / "2013/11/10/ee/index.html").read_text()


def test_feeds_parse_cleanly_with_absolute_links(fixture_site):
    site = _build(fixture_site)
    feeds = sorted(site.rglob("*.xml"))
    feeds = [f for f in feeds if f.name != "sitemap.xml" and f.parent.name != "sitemaps"]
    assert len(feeds) == 2 + 7 + 5
    for feed in feeds:
        parsed = feedparser.parse(feed)
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        for entry in parsed.entries:
            assert entry.link.startswith("https://example.org/news/"), entry.link
            assert entry.id.startswith("urn:uuid:")
            target = site / entry.link.removeprefix("https://example.org/news/") / "index.html"
            assert target.is_file(), entry.link
    main_feed = feedparser.parse(site / "feed.xml")
    assert [e.title for e in main_feed.entries][:2] == [
        "Gas prices: Europe braces for a cold winter",
        "Late-night vote in parliament",
    ]
    first = main_feed.entries[0]
    assert first.link == "https://example.org/news/2013/11/17/gas-prices/"
    assert any(
        link.get("rel") == "related"
        and link.href == "https://www.reuters.com/article/gas-prices-winter?utm_source=feed"
        for link in first.links
    )
    digests = feedparser.parse(site / "digests.xml")
    assert [e.link for e in digests.entries] == [
        "https://example.org/news/2013/11/17/",
        "https://example.org/news/2013/11/16/",
        "https://example.org/news/2013/11/15/",
    ]
    assert "Late-night vote in parliament" in digests.entries[0].content[0].value


def test_feed_holds_the_newest_50_and_ids_are_stable(make_site, tmp_path):
    files = {
        f"content/a{i}.md": article(f"Story {i}", date=f"2013-{1 + i // 28:02d}-{1 + i % 28:02d}")
        for i in range(60)
    }
    root = make_site(files)
    site = _build(root)
    entries = feedparser.parse(site / "feed.xml").entries
    assert len(entries) == 50
    assert entries[0].title == "Story 59" and entries[-1].title == "Story 10"
    ids = [e.id for e in entries]
    assert main(["build", "--root", str(root), "--base-url", "https://other.example/x/"]) == 0
    assert [e.id for e in feedparser.parse(site / "feed.xml").entries] == ids


def test_every_page_links_the_right_feed(fixture_site):
    site = _build(fixture_site)

    def feed_of(rel: str) -> str:
        html = (site / rel).read_text()
        return re.search(
            r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', html
        ).group(1)

    assert feed_of("index.html") == "/news/feed.xml"
    assert feed_of("2013/11/17/index.html") == "/news/digests.xml"
    assert feed_of("topics/energy/index.html") == "/news/topics/energy/feed.xml"
    assert feed_of("sources/reuters/index.html") == "/news/sources/reuters/feed.xml"


def test_sitemap_lists_every_page_with_lastmod_from_articles(fixture_site):
    site = _build(fixture_site)
    locs = sitemap_urls(site, "https://example.org/news/")
    pages = {
        "https://example.org/news/" + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in site.rglob("*.html")
        if p.name != "404.html"
    }
    assert set(locs) == pages
    assert locs["https://example.org/news/2013/11/16/metro-line/"] == "2013-11-16"
    assert locs["https://example.org/news/topics/energy/"] == "2013-11-17"
    assert locs["https://example.org/news/"] == "2013-11-17"
    robots = (site / "robots.txt").read_text()
    assert "Sitemap: https://example.org/news/sitemap.xml" in robots


def test_the_sitemap_is_an_index_of_one_sitemap_per_month_and_one_of_the_rest(make_site):
    files = {"digest.toml": 'title = "S"\nbase_url = "https://example.org/"\n'}
    for day in ("2013-10-30", "2013-11-02", "2013-11-17"):
        files[f"content/{day}.md"] = article(title=f"News of {day}", date=day, topics="[Energy]")
    root = make_site(files)
    site = _build(root)
    assert sitemap_index(site) == {
        "https://example.org/sitemaps/pages.xml": "2013-11-17",
        "https://example.org/sitemaps/2013-10.xml": "2013-10-30",
        "https://example.org/sitemaps/2013-11.xml": "2013-11-17",
    }
    october = (site / "sitemaps/2013-10.xml").read_text()
    assert "/2013/10/30/</loc>" in october and "/2013/10/30/2013-10-30/</loc>" in october
    assert "/2013/10/</loc>" in october and "/topics/" not in october
    pages = (site / "sitemaps/pages.xml").read_text()
    assert "<loc>https://example.org/topics/energy/</loc>" in pages and "/2013/10/" not in pages
    # A new day changes the index, its month's sitemap and the pages' one: not October's.
    october_file = (site / "sitemaps/2013-10.xml").stat()
    (root / "content/2013-11-18.md").write_text(article(title="Later", date="2013-11-18"))
    _build(root)
    assert (site / "sitemaps/2013-10.xml").stat().st_mtime_ns == october_file.st_mtime_ns
    assert "/2013/11/18/2013-11-18/</loc>" in (site / "sitemaps/2013-11.xml").read_text()
    assert sitemap_index(site)["https://example.org/sitemaps/2013-11.xml"] == "2013-11-18"


def test_cname_and_static_files(make_site, capsys):
    root = make_site(
        {
            "digest.toml": 'cname = "news.example.org"\n',
            "content/a.md": article(),
            "static/img/logo.svg": "<svg/>",
            "static/extra.css": "body{}",
            "static/README.md": "What this folder is for.",
            "static/docs/README.md": "Published: only the top-level README explains static/.",
        }
    )
    site = _build(root)
    assert not (site / "README.md").exists()
    assert (site / "docs/README.md").is_file()
    assert (site / "CNAME").read_text() == "news.example.org\n"
    assert (site / "img/logo.svg").read_text() == "<svg/>"
    assert (site / "extra.css").read_text() == "body{}"


def test_static_file_colliding_with_a_page_is_an_error_naming_both(make_site, capsys):
    root = make_site({"content/a.md": article(), "static/feed.xml": "<x/>"})
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "static/feed.xml: error: output feed.xml is also written by the atom.xml page" in err


@pytest.mark.parametrize(
    "base", ["https://example.github.io/world-digest/", "https://example.org/"]
)
def test_crawler_finds_no_broken_link_on_any_page_kind(fixture_site, base):
    site = _build(fixture_site, "--base-url", base)
    base_path = "/" + base.split("/", 3)[3]
    assert broken_links(site, base_path) == []
    kinds = {
        "topics/energy/index.html",
        "sources/reuters/index.html",
        "archive/index.html",
        "2013/index.html",
        "2013/11/index.html",
        "topics/index.html",
    }
    linked = set()
    for page in site.rglob("*.html"):
        for _t, _a, link in parse_html(page).links:
            if link.startswith(base_path):
                rel = link[len(base_path) :]
                linked.add(rel + "index.html" if rel == "" or rel.endswith("/") else rel)
    assert kinds <= linked
    assert {"feed.xml", "digests.xml", "topics/energy/feed.xml"} <= linked
