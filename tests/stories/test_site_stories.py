"""Stories on the built site: the day page's entries (one ``data-story`` element per story per
day), ``/stories/<id>/``, the article page's "Full coverage" link, ``story:`` in front-matter,
``stories = false`` and ``digest stories``."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, article, tree
from sitecheck import sitemap_urls

from digest.commands.build import BuildOptions, build

SYRIA = "2013-11-17-syrian-government-team-heads-to-moscow-for-talks"
"""Named after its first article: the two are of one time, then in order of their paths."""
GAS = "europe-gas-winter"


def _build(root: Path, **options: object) -> Path:
    build(BuildOptions(root=root, **options))  # type: ignore[arg-type]
    return root / "site"


def _story_elements(html: str) -> list[tuple[str, list[str]]]:
    """(data-story, the article permalinks it links as headlines or "also covered by") of each
    element carrying data-story, in page order."""
    found = []
    element = r'<li class="[^"]*" data-story="([^"]+)"[^>]*>(.*?)\n</li>'
    for match in re.finditer(element, html, re.S):
        links = re.findall(
            r'<h3 class="article-item-title"[^>]*><a href="([^"]+)"|<li><a href="([^"]+)"',
            match.group(2),
        )
        found.append((match.group(1), [a or b for a, b in links]))
    return found


def test_each_listed_article_sits_in_one_element_per_story(fixture_site):
    site = _build(fixture_site)
    day = (site / "2013/11/17/index.html").read_text()
    elements = _story_elements(day)
    ids = [sid for sid, _ in elements]
    assert len(ids) == len(set(ids)) == day.count("data-story=")
    listed = sorted(link for _, links in elements for link in links)
    assert listed == sorted(
        f"/news/2013/11/17/{slug}/"
        for slug in ("syria-talks", "syria-delegation", "late-night", "gas-prices")
    )
    # The two-source story opens the day: lead first, the other source as "also covered by".
    assert ids[0] == SYRIA
    assert dict(elements)[SYRIA] == [
        "/news/2013/11/17/syria-delegation/",
        "/news/2013/11/17/syria-talks/",
    ]
    top = day[day.index('id="top-stories"') : day.index('id="topic-')]
    assert "2 sources" in top and "Also covered by" in top and "The Moscow Times" in top
    assert f'href="/news/stories/{SYRIA}/">Full coverage: 2 sources</a>' in top


def test_a_story_continuing_from_an_earlier_day_links_back(fixture_site):
    site = _build(fixture_site)
    day = (site / "2013/11/17/index.html").read_text()
    entry = day[day.index(f'data-story="{GAS}"') :]
    entry = entry[: entry.index("</li>\n")]
    assert 'Continues from <a href="/news/2013/11/15/">November 15, 2013</a>' in entry
    earlier = (site / "2013/11/15/index.html").read_text()
    assert f'data-story="{GAS}"' in earlier and "Continues from" not in earlier


def test_story_pages_show_the_full_coverage_in_time_order(fixture_site):
    site = _build(fixture_site)
    assert sorted(p.name for p in (site / "stories").iterdir()) == sorted([SYRIA, GAS])
    page = (site / "stories" / GAS / "index.html").read_text()
    assert '<h1 class="page-title">New pipeline approved</h1>' in page
    links = [a for a in re.findall(r'<h3 class="article-item-title"><a href="([^"]+)"', page)]
    assert links == ["/news/2013/11/15/pipeline/", "/news/2013/11/17/gas-prices/"]
    assert "2 articles from 2 sources" in page
    assert f'<link rel="canonical" href="https://example.org/news/stories/{GAS}/">' in page
    sitemap = sitemap_urls(site, "https://example.org/news/")
    assert f"https://example.org/news/stories/{SYRIA}/" in sitemap
    # An article alone in its story has no story page and no link to one.
    assert not (site / "stories/2013-11-15-a-quiet-day-at-the-observatory").exists()
    assert "Full coverage" not in (site / "2013/11/15/quiet-day/index.html").read_text()


def test_article_pages_link_their_story(fixture_site):
    site = _build(fixture_site)
    for slug in ("syria-talks", "syria-delegation"):
        page = (site / f"2013/11/17/{slug}/index.html").read_text()
        assert f'<a href="/news/stories/{SYRIA}/">Full coverage: 2 sources</a>' in page


def _set(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_story_false_keeps_an_article_alone(fixture_site):
    _set(fixture_site, "content/2013/11/17/syria-delegation.md", "topics:", "story: false\ntopics:")
    site = _build(fixture_site)
    assert not (site / "stories" / SYRIA).exists()
    assert not list((site / "stories").glob("2013-11-17-*"))
    day = (site / "2013/11/17/index.html").read_text()
    assert 'id="top-stories"' not in day
    assert f'data-story="{SYRIA}"' in day
    assert 'data-story="2013-11-17-syria-russia-to-discuss-peace-conference-on-monday"' in day


def test_stories_false_leaves_the_day_pages_as_before(fixture_site):
    config = fixture_site / "digest.toml"
    config.write_text(config.read_text().replace("[topics]", "stories = false\n\n[topics]"))
    site = _build(fixture_site)
    assert not (site / "stories").exists()
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert "data-story" not in text and "Full coverage" not in text, page
    day = (site / "2013/11/17/index.html").read_text()
    assert "Top stories" not in day and "4 articles from 3 sources in 3 topics" in day


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("42", "story: must be a story id (letters, digits, '.', '_', '~', '-') or false"),
        ("true", "story: must be a story id (letters, digits, '.', '_', '~', '-') or false"),
        ("'a/b'", "story: 'a/b' must not contain '/' or '\\'"),
    ],
)
def test_a_bad_story_value_is_a_located_error(fixture_site, value, message):
    rel = "content/2013/11/17/syria-delegation.md"
    _set(fixture_site, rel, "topics:", f"story: {value}\ntopics:")
    done = _digest("build", "--root", fixture_site)
    assert done.returncode == 1
    assert f"{rel}:6: error: {message}" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_editors_story_id_groups_articles_of_any_days(fixture_site):
    _set(fixture_site, "content/misc/quiet-day.md", "url:", "story: europe-gas-winter\nurl:")
    site = _build(fixture_site)
    page = (site / "stories" / GAS / "index.html").read_text()
    assert "3 articles from 3 sources" in page
    assert "/news/2013/11/15/quiet-day/" in page


def test_a_later_article_joining_keeps_the_story_id_and_renders_only_what_it_touches(
    fixture_site,
):
    _build(fixture_site)
    before = tree(fixture_site / "site")
    (fixture_site / "content/2013/11/18").mkdir()
    (fixture_site / "content/2013/11/18/delegation-arrives.md").write_text(
        article(
            "Syrian delegation arrives in Moscow for peace conference talks",
            source="Reuters",
            date="2013-11-18",
            topics="[Syria, Diplomacy]",
            body="A Syrian government delegation arrived in Moscow on Monday for talks with "
            "Russian officials on the peace conference Russia and the U.S. want in Geneva.",
        )
    )
    result = build(BuildOptions(root=fixture_site))
    after = tree(fixture_site / "site")
    story = f"stories/{SYRIA}/index.html"
    assert story in result.written
    assert "3 sources" in after[story].decode()
    # Pages of the other story and of the older days are not rendered again.
    assert f"stories/{GAS}/index.html" not in result.written
    assert "2013/11/15/index.html" not in result.written
    assert before[f"stories/{GAS}/index.html"] == after[f"stories/{GAS}/index.html"]
    # Grouped again from the last build's memo on, the same as from nothing.
    assert after == _clean(fixture_site)


def _clean(root: Path) -> dict[str, bytes]:
    fresh = root.parent / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("site", ".digest-cache"))
    return tree(_build(fresh))


@pytest.mark.parametrize(
    "memo",
    [
        "not json",
        '{"format": 1, "items": [["content/x.md", "2013-11-17T00:00:00+00:00", "ab"]],'
        ' "stories": [["x", ["content/x.md"], false]]}',
        '{"format": 1, "items": "", "stories": [[1, 2, 3]]}',
        '[{"__reduce__": "os.system"}]',
    ],
)
def test_a_stories_memo_from_anywhere_is_read_never_trusted(fixture_site, memo):
    _build(fixture_site)
    db = sqlite3.connect(fixture_site / ".digest-cache/cache.sqlite")
    with db:
        db.execute("UPDATE memos SET value = ? WHERE name = 'stories'", (memo,))
    db.close()
    _set(fixture_site, "content/2013/11/17/syria-talks.md", "title:", "title: Now,")
    _build(fixture_site)
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_an_edit_of_an_old_article_regroups_from_its_day_on(fixture_site):
    _build(fixture_site)
    # The delegation's article no longer reads like the talks': the story comes apart.
    _set(
        fixture_site,
        "content/2013/11/17/syria-delegation.md",
        "title: Syrian Government Team Heads to Moscow for Talks",
        "title: Rain expected across the region",
    )
    path = fixture_site / "content/2013/11/17/syria-delegation.md"
    front, _body = path.read_text().rsplit("---\n", 1)
    path.write_text(front + "---\nForecasters expect rain across the region on Sunday.\n")
    _build(fixture_site)
    assert not (fixture_site / "site/stories" / SYRIA).exists()
    assert tree(fixture_site / "site") == _clean(fixture_site)


def test_the_same_site_whatever_the_jobs(fixture_site, tmp_path):
    _build(fixture_site, jobs=1)
    one = tree(fixture_site / "site")
    _build(fixture_site, jobs=2, force=True)
    assert tree(fixture_site / "site") == one


def _digest(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def test_stories_json_lists_every_article_in_exactly_one_story(fixture_site):
    done = _digest("stories", "--root", fixture_site, "--json")
    assert done.returncode == 0, done.stderr
    stories = json.loads(done.stdout)
    articles = [path for story in stories for path in story["articles"]]
    expected = sorted(
        p.relative_to(fixture_site).as_posix()
        for p in (fixture_site / "content").rglob("*.md")
        if "draft: true" not in p.read_text()
    )
    assert sorted(articles) == expected
    by_id = {story["id"]: story for story in stories}
    assert by_id[SYRIA] == {
        "id": SYRIA,
        "title": "Syrian Government Team Heads to Moscow for Talks",
        "days": ["2013-11-17"],
        "articles": [
            "content/2013/11/17/syria-delegation.md",
            "content/2013/11/17/syria-talks.md",
        ],
    }
    assert by_id[GAS]["days"] == ["2013-11-15", "2013-11-17"]


def test_stories_text_shows_the_stories_of_several_articles(fixture_site):
    done = _digest("stories", "--root", fixture_site, "--day", "2013-11-17")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2013-11-17"
    assert f"  {SYRIA} (2 sources)" in lines
    assert any("Al Jazeera: Syrian Government" in line for line in lines)
    assert lines[-1] == "2 stories of several articles, 1 of one on 2013-11-17"
    bad = _digest("stories", "--root", fixture_site, "--day", "17.11.2013")
    assert bad.returncode == 2 and "is not a date (YYYY-MM-DD)" in bad.stderr


def test_the_memo_this_process_wrote_reads_back_as_decoded(fixture_site):
    # ``watch`` plans again from its last plan's memo, taken from memory: what it takes must
    # be what decoding the memo gives, or its stories would differ from a build's.
    from digest.config import load_config
    from digest.pipeline import stories
    from digest.pipeline.load import load_articles

    config = load_config(fixture_site)
    articles = load_articles(fixture_site, config.tz, jobs=1).articles
    groups, memo = stories.story_groups(articles)
    remembered = stories._read_memo(memo)
    stories._written.clear()
    decoded = stories._read_memo(memo)
    assert remembered is not None and decoded is not None
    # The same signatures and stories (memory keeps the whole values, decoding the ids).
    assert remembered[0] == decoded[0]
    assert [(s.id, s.keys, s.explicit) for s in remembered[1]] == [
        (s.id, s.keys, s.explicit) for s in decoded[1]
    ]
    # And a memo other than the last one written is decoded, not taken from memory.
    assert stories.story_groups(articles[1:])[0] != groups
    assert stories._read_memo(memo) == decoded
    # Either way, the stories after a change are the same: a middle article left out.
    fewer = articles[: len(articles) // 2] + articles[len(articles) // 2 + 1 :]
    stories.story_groups(articles)
    from_memory = stories.story_groups(fewer, memo)
    stories._written.clear()
    assert stories.story_groups(fewer, memo) == from_memory
    assert from_memory[0] == stories.story_groups(fewer)[0]


def test_stories_of_the_same_articles_are_the_last_calls_own(fixture_site):
    """``watch`` plans again from the same article objects: each story whose articles are
    the same objects is taken as it was; one with a changed article is made anew, equal to
    a story made from nothing."""
    import dataclasses

    from digest.config import load_config
    from digest.pipeline import stories, stories_delta
    from digest.pipeline.load import load_articles

    config = load_config(fixture_site)
    articles = load_articles(fixture_site, config.tz, jobs=1).articles
    groups, _ = stories.story_groups(articles)
    first = stories_delta.stories_of(articles, groups)
    again = stories_delta.stories_of(articles, groups)
    assert all(a is b for a, b in zip(first.all, again.all, strict=True))
    shared = next(s for s in first.all if len(s.articles) > 1)
    changed = dataclasses.replace(shared.articles[0], title="A new headline")
    edited = [changed if a is shared.articles[0] else a for a in articles]
    after = stories_delta.stories_of(edited, groups)
    remade = next(s for s in after.all if s.id == shared.id)
    assert remade is not shared and remade.title == "A new headline"
    assert remade.articles[0] is changed and after.of[changed.path] is remade
    stories_delta._made.clear()
    stories_delta._whole.clear()
    assert stories_delta.stories_of(edited, groups) == after
    assert sum(a is b for a, b in zip(first.all, after.all, strict=True)) == len(first.all) - 1


def test_stories_of_a_few_days_keep_the_sites_for_the_next_call(fixture_site):
    """``plan_ahead`` asks for the stories of a few days between two plans of the site: the
    site's stories stay to be taken by the next plan, and those of the few days too."""
    from digest.config import load_config
    from digest.pipeline import stories, stories_delta
    from digest.pipeline.load import load_articles

    config = load_config(fixture_site)
    articles = load_articles(fixture_site, config.tz, jobs=1).articles
    groups, _ = stories.story_groups(articles)
    whole = stories_delta.stories_of(articles, groups)
    few = stories_delta.stories_of(articles, groups[:1])
    assert few.all[0] is whole.all[0]
    again = stories_delta.stories_of(articles, groups)
    assert all(a is b for a, b in zip(whole.all, again.all, strict=True))
