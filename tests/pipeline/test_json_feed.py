"""JSON Feed 1.1 beside every Atom feed: the spec's required fields, the same entries as the
Atom feed, linked from every page, valid JSON whatever the text holds."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import feedparser
from conftest import article

from digest.cli import main

VERSION = "https://jsonfeed.org/version/1.1"


def _build(root: Path) -> Path:
    assert main(["build", "--root", str(root)]) == 0
    return root / "site"


def check_feed(feed: dict, url: str) -> None:
    """What JSON Feed 1.1 requires (version, title, items; each item an id and content),
    and the types it gives the fields we write."""
    assert feed["version"] == VERSION
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == url
    assert feed["home_page_url"].startswith("https://")
    assert isinstance(feed["items"], list)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html"), str) and item["content_html"]
        assert item["url"].startswith("https://") and item["url"].endswith("/")
        published = dt.datetime.fromisoformat(item["date_published"])
        assert published.tzinfo is not None  # RFC 3339: with an offset
        for author in item.get("authors", []):
            assert isinstance(author["name"], str)
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


def test_every_atom_feed_has_a_json_twin_with_the_same_entries(fixture_site):
    site = _build(fixture_site)
    atom_feeds = sorted(site.rglob("*.xml"))
    atom_feeds = [p for p in atom_feeds if p.name in ("feed.xml", "digests.xml")]
    assert len(atom_feeds) > 10  # the two site feeds, and one per topic and source
    for atom in atom_feeds:
        twin = atom.with_suffix(".json")
        feed = json.loads(twin.read_text(encoding="utf-8"))
        rel = twin.relative_to(site).as_posix()
        check_feed(feed, f"https://example.org/news/{rel}")
        parsed = feedparser.parse(atom)
        assert parsed.bozo == 0, atom
        assert [i["id"] for i in feed["items"]] == [e.id for e in parsed.entries], rel
        assert [i["title"] for i in feed["items"]] == [e.title for e in parsed.entries], rel
        assert [i["url"] for i in feed["items"]] == [e.link for e in parsed.entries], rel


def test_article_items_carry_the_source_link_topics_and_author(fixture_site):
    site = _build(fixture_site)
    feed = json.loads((site / "topics/energy/feed.json").read_text(encoding="utf-8"))
    gas = next(i for i in feed["items"] if i["title"].startswith("Gas prices"))
    assert (
        gas["external_url"] == "https://www.reuters.com/article/gas-prices-winter?utm_source=feed"
    )
    assert gas["tags"] == ["Energy"]
    assert gas["authors"] == [{"name": "Reuters"}]
    assert gas["summary"] == "Wholesale gas prices rose for a third week."
    assert gas["external_url"] in gas["content_html"]
    # The text is written as it is, not as \\u escapes.
    raw = (site / "topics/sao-paulo/feed.json").read_text(encoding="utf-8")
    assert "São Paulo" in raw


def test_every_page_links_its_json_feed_under_the_base_path(fixture_site):
    site = _build(fixture_site)
    for rel, feed in [
        ("index.html", "/news/feed.json"),
        ("2013/11/17/index.html", "/news/digests.json"),
        ("topics/energy/index.html", "/news/topics/energy/feed.json"),
    ]:
        html = (site / rel).read_text()
        links = re.findall(r'<link rel="alternate" type="application/feed\+json"[^>]*>', html)
        assert len(links) == 1 and f'href="{feed}"' in links[0], (rel, links)
        assert (site / feed.removeprefix("/news/")).is_file()


def test_any_title_gives_valid_json(make_site):
    nasty = 'Quote " back\\\\slash </script> \u2028 line \u2029 tab\t{ "x": 1 }'
    text = article("placeholder", url="https://e.com/n", topics='["A \\"quoted\\" topic"]')
    text = text.replace("title: placeholder", f"title: {json.dumps(nasty)}")
    root = make_site(
        {"content/2013/11/17/n.md": text, "digest.toml": "base_url = 'https://e.org/'\n"}
    )
    site = _build(root)
    for path in [site / "feed.json", site / "digests.json", *site.glob("topics/*/feed.json")]:
        feed = json.loads(path.read_text(encoding="utf-8"))
        check_feed(feed, f"https://e.org/{path.relative_to(site).as_posix()}")
    (item,) = json.loads((site / "feed.json").read_text(encoding="utf-8"))["items"]
    assert item["title"] == " ".join(nasty.split())
    assert item["tags"] == ['A "quoted" topic']
