"""A plain build's day and article pages: contexts made when first read (``Later``), the
same pages as a plan that makes them at once, and none made to fingerprint them."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from digest.commands.build import BuildOptions, build, prepare
from digest.incremental.fingerprint import Stamper
from digest.incremental.last import read_last_build
from digest.incremental.signatures import stamp_plan
from digest.pipeline.pages import Later
from digest.pipeline.render import Renderer

CONTEXT = {"article": "a", "day": "d", "next": None}


def _counted() -> tuple[Later, list[int]]:
    calls: list[int] = []

    def make() -> dict[str, Any]:
        calls.append(1)
        return dict(CONTEXT)

    return Later(make), calls


def _keywords(**given: Any) -> dict[str, Any]:
    return given


READERS: dict[str, Callable[[Later], Any]] = {
    "unpacked as keywords": lambda c: _keywords(**c),
    "unpacked in a dict": lambda c: {**c},
    "dict()": dict,
    "iterated": list,
    "len": len,
    "in": lambda c: "day" in c,
    "[]": lambda c: c["day"],
    "get": lambda c: c.get("next", 1),
    "keys": lambda c: list(c.keys()),
    "values": lambda c: list(c.values()),
    "items": lambda c: list(c.items()),
    "==": lambda c: c == CONTEXT,
    "== from the dict's side": lambda c: CONTEXT == c,  # noqa: SIM300 (the reflected ==)
    "|": lambda c: c | {},
    "repr": repr,
    "copy.copy": copy.copy,
    "copy method": lambda c: c.copy(),
    "pickle": lambda c: pickle.loads(pickle.dumps(c)),
    "bool": bool,
}
EXPECTED = {
    "unpacked as keywords": CONTEXT,
    "unpacked in a dict": CONTEXT,
    "dict()": CONTEXT,
    "iterated": list(CONTEXT),
    "len": 3,
    "in": True,
    "[]": "d",
    "get": None,
    "keys": list(CONTEXT),
    "values": list(CONTEXT.values()),
    "items": list(CONTEXT.items()),
    "==": True,
    "== from the dict's side": True,
    "|": CONTEXT,
    "repr": repr(CONTEXT),
    "copy.copy": CONTEXT,
    "copy method": CONTEXT,
    "pickle": CONTEXT,
    "bool": True,
}


@pytest.mark.parametrize("way", READERS)
def test_every_way_of_reading_a_later_context_makes_it_once(way):
    context, calls = _counted()
    assert READERS[way](context) == EXPECTED[way]
    assert READERS[way](context) == EXPECTED[way]
    assert calls == [1]
    assert json.dumps(context) == json.dumps(CONTEXT)  # made: the dict it became


def test_copies_of_a_later_context_are_plain_dicts_and_it_cannot_be_changed():
    context, _ = _counted()
    assert type(copy.copy(context)) is dict
    assert type(pickle.loads(pickle.dumps(context))) is dict
    for change in (
        lambda c: c.__setitem__("x", 1),
        lambda c: c.update(x=1),
        lambda c: c.pop("day"),
        lambda c: c.setdefault("x", 1),
        lambda c: c.clear(),
    ):
        with pytest.raises(TypeError, match="not changed once planned"):
            change(context)
    assert context == CONTEXT


def test_a_plain_plan_renders_the_pages_an_eager_one_does_and_stamps_none_of_them(
    fixture_site,
):
    build(BuildOptions(root=fixture_site))
    options = BuildOptions(root=fixture_site, jobs=1)
    plain = prepare(options, plain=True)
    eager = prepare(options, plain=False)
    later = [p for p in plain.plan.pages if type(p.context) is Later]
    assert {p.template for p in later} == {"day.html", "article.html"}
    assert len(later) == sum(1 + len(d.articles) for d in plain.index.days)

    # Fingerprinting the plan (as a build does, with the last build's manifest) reads what
    # the pages are made from, never their contexts.
    renderer = Renderer(fixture_site, plain.config)
    stamp = Stamper(renderer.env, plain.config)
    last = read_last_build(fixture_site / ".digest-cache", fixture_site / "site")
    stamped = stamp_plan(plain.plan, stamp, last, fixture_site / "site")
    assert stamped.fingerprints is not None
    assert not any(p.context._make is None for p in later)

    eager_stamp = Stamper(renderer.env, eager.config)
    assert [eager_stamp(p) for p in eager.plan.pages] == [stamp(p) for p in plain.plan.pages]
    for mine, theirs in zip(plain.plan.pages, eager.plan.pages, strict=True):
        assert mine.path == theirs.path
        assert renderer.render(mine) == renderer.render(theirs), mine.path
    assert all(p.context._make is None for p in later)  # rendered: made
