"""What a reader is shown beside the text: reading time (article and day pages), the
previous and next article of the day, the time of day, the lead image's alt text."""

from __future__ import annotations

import re

from conftest import article, run_digest

CONFIG = 'title = "R"\nbase_url = "https://example.org/"\ntimezone = "UTC"\n'


def build(root):
    result = run_digest("build", "--root", root)
    assert result.code == 0, result.err
    return root / "site"


def test_reading_time_on_the_article_and_day_pages(make_site):
    long_body = " ".join(["word"] * 690)  # 3 minutes at 230 words a minute
    cjk_body = "新闻" * 500  # 1,000 characters: 2 minutes at 500 a minute
    root = make_site(
        {
            "digest.toml": CONFIG,
            "content/long.md": article("Long read", body=long_body),
            "content/short.md": article("Short one", body="Two words."),
            "content/cjk.md": article("CJK", body=cjk_body, lang="zh"),
        }
    )
    site = build(root)
    page = (site / "2013/11/17/long/index.html").read_text()
    assert '<span class="reading-time">3 min read</span>' in page
    assert "1 min read" in (site / "2013/11/17/short/index.html").read_text()
    assert "2 min read" in (site / "2013/11/17/cjk/index.html").read_text()
    day = (site / "2013/11/17/index.html").read_text()
    assert re.search(r'<p class="meta">3 articles .* · 6 min read</p>', day)
    assert day.count('class="reading-time"') == 3


def test_previous_and_next_follow_the_day_page(make_site):
    root = make_site(
        {
            "digest.toml": CONFIG + "stories = false\n",
            "content/a.md": article("Alpha", date="2013-11-17T09:00:00Z", topics="[Zed]"),
            "content/b.md": article("Bravo", date="2013-11-17T10:00:00Z", topics="[Ay]"),
            "content/c.md": article("Charlie", date="2013-11-17T11:00:00Z", topics="[Ay]"),
            "content/other.md": article("Other day", date="2013-11-16"),
        }
    )
    site = build(root)
    day = (site / "2013/11/17/index.html").read_text()
    order = re.findall(r'class="article-item-title"><a href="/2013/11/17/(\w+)/"', day)
    assert order == ["c", "b", "a"]  # topic "Ay" (two) first, newest first within it

    def links(slug):
        text = (site / f"2013/11/17/{slug}/index.html").read_text()
        return re.findall(r'<a rel="(prev|next)" href="/2013/11/17/(\w+)/">.*?'
                          r'<span class="title">([^<]+)</span>', text)

    assert links("c") == [("next", "b", "Bravo")]
    assert links("b") == [("prev", "c", "Charlie"), ("next", "a", "Alpha")]
    assert links("a") == [("prev", "b", "Bravo")]
    assert 'rel="prev"' not in (site / "2013/11/16/other/index.html").read_text()

    # A new article of the day, and a neighbour's new title, re-render the pages around.
    (root / "content/d.md").write_text(
        article("Delta", date="2013-11-17T12:00:00Z", topics="[Zed]")
    )
    site = build(root)
    assert links("a") == [("prev", "d", "Delta")]
    path = root / "content/b.md"
    path.write_text(path.read_text().replace("title: Bravo", "title: Bravissimo"))
    site = build(root)
    assert links("a") == [("prev", "d", "Delta")]
    assert links("c") == [("next", "b", "Bravissimo")]


def test_time_of_day_on_day_page_entries(make_site):
    root = make_site(
        {
            "digest.toml": CONFIG,
            "content/timed.md": article("Timed", date="2013-11-17T08:15:00Z"),
            "content/dated.md": article("Dated", date="2013-11-17"),
        }
    )
    day = (build(root) / "2013/11/17/index.html").read_text()
    assert '<time datetime="2013-11-17T08:15:00Z">08:15</time>' in day
    assert day.count("<time ") == 2  # the heading's date, and the timed entry only


def test_image_alt_on_the_lead_image_and_og(make_site):
    root = make_site(
        {
            "digest.toml": CONFIG,
            "static/lead.jpg": b"\xff\xd8",
            "content/a.md": article("Pic", image="/lead.jpg", image_alt='"A <red> sky"'),
            "content/b.md": article("No alt", image="/lead.jpg"),
        }
    )
    site = build(root)
    page = (site / "2013/11/17/a/index.html").read_text()
    assert '<img class="lead-image" src="/lead.jpg" alt="A &lt;red&gt; sky">' in page
    assert '<meta property="og:image:alt" content="A &lt;red&gt; sky">' in page
    other = (site / "2013/11/17/b/index.html").read_text()
    assert 'alt=""' in other and "og:image:alt" not in other


def test_image_alt_must_be_text(make_site):
    root = make_site(
        {
            "digest.toml": CONFIG,
            "content/a.md": article("Pic", image="/lead.jpg", image_alt="[1, 2]"),
        }
    )
    result = run_digest("build", "--root", root)
    assert result.code == 1
    assert "content/a.md:7: error: image_alt: expected text, got a list" in result.err
