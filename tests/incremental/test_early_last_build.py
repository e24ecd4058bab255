"""The last build as the next one reads it (``digest.incremental.last``): its manifest and
the stats of its files, taken while the plan waits for the stories."""

from __future__ import annotations

import dataclasses
import os

from conftest import FIXTURE_SITE

from digest.commands.build import BuildOptions, build
from digest.config import load_config
from digest.incremental.cache import CACHE_DIR
from digest.incremental.last import EarlyLastBuild
from digest.pipeline.index import build_index
from digest.pipeline.load import load_articles
from digest.pipeline.plan import plan_site
from digest.pipeline.stories import story_groups


def test_the_plan_does_the_callers_work_before_it_waits_for_the_stories():
    config = load_config(FIXTURE_SITE)
    assert config.stories, "the fixture site has its stories on"
    articles = load_articles(FIXTURE_SITE, config.tz).articles
    index, _ = build_index(articles, config)
    done: list[str] = []

    def grouping():
        done.append("stories")
        return story_groups(index.articles)

    plan = plan_site(index, config, grouping=grouping, meanwhile=lambda: done.append("meanwhile"))
    assert done == ["meanwhile", "stories"]
    assert plan.story_memo is not None
    # Stories off: nothing to wait for, and the caller does its own work when it likes.
    done.clear()
    off = dataclasses.replace(config, stories=False)
    plan_site(index, off, meanwhile=lambda: done.append("meanwhile"))
    assert done == []


def _built_and_stat_ed(root):
    """The fixture site built, and the next build's view of it, its stats taken."""
    build(BuildOptions(root=root))
    output = root / "site"
    early = EarlyLastBuild(root / CACHE_DIR, output)
    early()
    last = early.last()
    assert early.last() is last  # read once
    return output, last


def test_the_files_stats_are_taken_once_and_only_for_their_output(fixture_site):
    output, last = _built_and_stat_ed(fixture_site)
    page = "2013/11/16/sao-paulo-rain/index.html"
    entries = last.entries
    items = [(path, entries[path][0]) for path in (page, "index.html")]
    # Touched after the stats were taken: the stats of then say untouched ...
    os.utime(output / page, ns=(1, 1))
    assert list(last.fresh_many(output, items)) == [True, True]
    # ... and are used once: the next look stats the files anew.
    assert list(last.fresh_many(output, items)) == [False, True]
    # Stats of another output are not this one's.
    last.check_files(fixture_site / "elsewhere")
    assert list(last.fresh_many(output, items)) == [False, True]


def test_files_carried_over_unfingerprinted_are_found_by_the_builds_stats(fixture_site):
    output, last = _built_and_stat_ed(fixture_site)
    entries = last.entries
    touched, kept = "2013/11/16/sao-paulo-rain/index.html", "index.html"
    os.utime(output / touched, ns=(1, 1))  # after this build's stats: they still say as written
    pages = [(path, entries[path][0]) for path in (touched, kept)]
    assert list(last.fresh_many(output, pages)) == [True, True]
    # For the rest of the build (the search index's files), those same stats answer.
    assert last.as_recorded(output, [touched, kept, "nowhere.html"]) == [True, True, False]
    # After the save, the files are looked at: the touched one no longer is as recorded.
    last.save(output, {path: entries[path][0] for path in entries})
    assert last.as_recorded(output, [touched, kept, "nowhere.html"]) == [False, True, False]
