"""A page that names what its context is made from (``Page.made_from``) is fingerprinted
from that instead of the context: two plans whose page has the same inputs must give it
the same context, and other inputs another context, whatever changed elsewhere."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

from conftest import FIXTURE_SITE
from hypothesis import example, given, settings
from hypothesis import strategies as st

from digest.config import SiteConfig, load_config
from digest.incremental.fingerprint import Stamper
from digest.model import Article
from digest.pipeline.index import build_index
from digest.pipeline.load import load_articles
from digest.pipeline.plan import SitePlan, plan_site
from digest.pipeline.render import Renderer


@cache
def _fixture() -> tuple[SiteConfig, tuple[Article, ...], Renderer]:
    config = load_config(FIXTURE_SITE)
    loaded = load_articles(FIXTURE_SITE, config.tz)
    assert not loaded.errors
    return config, tuple(loaded.articles), Renderer(FIXTURE_SITE, config)


TITLES = ["Gas prices rise in Europe", "Gas prices: Europe braces", "Syria talks resume", "Vote"]
TOPICS = [(), ("Energy",), ("Syria", "Diplomacy"), ("Energy", "Syria")]
EDIT = st.one_of(
    st.tuples(st.just("title"), st.integers(0, 99), st.sampled_from(TITLES)),
    st.tuples(st.just("topics"), st.integers(0, 99), st.sampled_from(TOPICS)),
    st.tuples(st.just("date"), st.integers(0, 99), st.integers(-3, 3)),
    st.tuples(st.just("source"), st.integers(0, 99), st.sampled_from(["Reuters", "AP"])),
    st.tuples(st.just("story"), st.integers(0, 99), st.sampled_from(["", "talks"])),
    st.tuples(st.just("add"), st.integers(0, 99), st.sampled_from(TITLES)),
    st.tuples(st.just("delete"), st.integers(0, 99)),
    st.tuples(st.just("rename"), st.integers(0, 99)),
)


def _edited(articles: list[Article], edit: tuple, serial: int) -> None:
    kind, at = edit[0], edit[1] % len(articles)
    old = articles[at]
    changed = {"content_hash": f"{old.content_hash}:{serial}"}  # its file's bytes changed
    if kind == "title":
        changed["title"] = edit[2]
    elif kind == "topics":
        changed["topics"] = edit[2]
    elif kind == "date":
        changed["published"] = old.published + dt.timedelta(days=edit[2], hours=edit[2])
    elif kind == "source":
        changed["source"] = edit[2]
    elif kind == "story":
        changed["story"] = edit[2]
    elif kind == "delete" and len(articles) > 1:
        del articles[at]
        return
    elif kind == "add":
        name = f"added-{serial}"
        url = f"https://example.com/{name}"
        path = f"content/{name}.md"
        changed.update(title=edit[2], path=path, slug=name, url=url, canonical_url=url)
        articles.append(dataclasses.replace(old, **changed))
        return
    elif kind == "rename":
        changed = {"path": old.path.replace(".md", f"-{serial}.md")}
    articles[at] = dataclasses.replace(old, **changed)


def _plan(config: SiteConfig, articles: list[Article]) -> SitePlan:
    index, _ = build_index(articles, config, keep_going=True)
    return plan_site(index, config)


def _stamps(plan: SitePlan, renderer: Renderer, config: SiteConfig) -> dict[str, tuple[str, str]]:
    """Page path -> (fingerprint, fingerprint of its context) of the pages with inputs."""
    stamp = Stamper(renderer.env, config)
    return {
        page.path: (stamp(page), stamp(dataclasses.replace(page, made_from=None)))
        for page in plan.pages
        if page.made_from is not None
    }


@settings(max_examples=200, deadline=None)
@given(edits=st.lists(EDIT, min_size=1, max_size=6), stories=st.booleans())
@example(edits=[("story", 3, "talks")], stories=True)  # a story grows on another day
def test_the_same_inputs_make_the_same_context(edits, stories):
    config, loaded, renderer = _fixture()
    config = dataclasses.replace(config, stories=stories)
    articles = sorted(loaded, key=lambda a: a.path)
    # A story across days to begin with, so that a story changes for an article unedited.
    for at in (0, -1):
        articles[at] = dataclasses.replace(articles[at], story="talks")
    before = _stamps(_plan(config, articles), renderer, config)
    for serial, edit in enumerate(edits):
        _edited(articles, edit, serial)
    after = _stamps(_plan(config, articles), renderer, config)
    assert before, "the fixture has pages with inputs"
    for path in before.keys() & after.keys():
        # Same inputs, same context; and no page is rendered again for inputs that changed
        # nothing it shows.
        assert (before[path][0] == after[path][0]) == (before[path][1] == after[path][1]), path
