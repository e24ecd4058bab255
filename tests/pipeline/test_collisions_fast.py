"""The collision check's quick answer (sets over the plan's paths) against the check that
names each collision: for any plan, the quick one passes exactly the plans the other
finds nothing wrong with."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import DigestError
from digest.pipeline import collisions
from digest.pipeline.pages import Asset, Page
from digest.pipeline.plan import SitePlan

# Few names, some differing in case only, so that clashes of every kind come up often.
_PART = st.sampled_from(["a", "A", "b", "index.html", "Index.html", "x.xml", "ß", "ss", "SS"])
_PATH = st.lists(_PART, min_size=1, max_size=4).map("/".join)


def _plan(pages: list[str], assets: list[str]) -> SitePlan:
    return SitePlan(
        [Page(path, "/" + path, "page.html") for path in pages],
        [Asset(path, f"static/{path}", b"") for path in assets],
    )


def _reported(plan: SitePlan) -> bool:
    try:
        collisions._report(plan)
    except DigestError:
        return True
    return False


@given(st.lists(_PATH, max_size=8), st.lists(_PATH, max_size=3))
@settings(max_examples=400, deadline=None)
def test_the_quick_check_passes_exactly_the_plans_without_a_collision(pages, assets):
    plan = _plan(pages, assets)
    assert collisions._clear(plan) == (not _reported(plan))


def test_a_file_where_a_folder_is_needed_is_still_named():
    plan = _plan(["2013/index.html", "2013/11/index.html"], ["2013/11"])
    try:
        collisions.check_collisions(plan)
    except DigestError as error:
        assert "output 2013/11/index.html needs 2013/11 to be a folder" in str(error)
    else:
        raise AssertionError("the collision went through")


def _verdict(plan: SitePlan, last: SitePlan | None = None) -> bool:
    try:
        collisions.check_collisions(plan, last)
    except DigestError:
        return False
    return True


@given(
    st.lists(_PATH, max_size=8),
    st.integers(0, 8),
    st.lists(_PATH, max_size=4),
    st.lists(_PATH, max_size=3),
)
@settings(max_examples=600, deadline=None)
def test_a_plan_checked_from_the_last_one_gets_the_verdict_of_a_check_from_nothing(
    before, kept, came, assets
):
    # watch checks only the paths the last plan did not have (delta.replan): the next plan
    # keeps most of the last one's paths, loses some and has a few new.
    last = _plan(before, assets)
    if not _verdict(last):
        return  # a plan that is refused is never the last
    after = before[:kept] + came
    plan = _plan(after, assets)
    assert _verdict(plan, last) == _verdict(_plan(after, assets))
    if plan.clear is not None:
        paths, folded, _ = plan.clear
        assert paths == set(after) | set(assets)
        assert folded == {path.casefold() for path in paths}
