"""``keep_present``: a build's fresh files kept at once, as keeping them one by one does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.pipeline.output_paths import all_normal, normal
from digest.pipeline.write import InPlaceWriter, SiteWriter

PARTS = st.sampled_from(["a", "b", "index.html", ".", "..", "", "x\0y", "é", "2013", ".hidden"])
PATHS = st.builds("/".join, st.lists(PARTS, min_size=1, max_size=4))


def _normal_or_none(path: str) -> str | None:
    try:
        return normal(path)
    except ValueError:
        return None


@settings(max_examples=400, deadline=None)
@given(st.lists(PATHS, max_size=8))
def test_all_normal_is_normal_giving_each_path_back(paths):
    each = all(_normal_or_none(p) == p for p in paths)
    if any("\0" in p for p in paths):  # told apart from the joining NULs: the loop's
        assert not all_normal(paths)
    else:
        assert all_normal(paths) == each


def _state(writer: SiteWriter | InPlaceWriter) -> tuple[object, ...]:
    pending = getattr(writer, "_pending", None)
    return writer._paths, writer.unchanged, None if pending is None else list(pending)


def _outcome(writer: SiteWriter | InPlaceWriter, call) -> tuple[object, ...]:
    try:
        call()
    except ValueError as exc:
        return ("error", str(exc))
    return _state(writer)


@settings(max_examples=300, deadline=None)
@given(
    claimed=st.lists(st.sampled_from(["a/index.html", "b", "index.html"]), unique=True),
    paths=st.lists(PATHS, max_size=6),
    in_place=st.booleans(),
)
def test_keep_present_leaves_the_writer_as_keeping_each_in_turn_does(claimed, paths, in_place):
    with tempfile.TemporaryDirectory() as folder:
        outcomes = []
        for batch in (True, False):
            output = Path(folder) / f"site-{batch}"
            writer = InPlaceWriter(output, []) if in_place else SiteWriter(output)
            for path in claimed:
                writer.keep(path, True)

            def keep(writer=writer, batch=batch) -> None:
                if batch:
                    writer.keep_present(paths)
                else:
                    for path in paths:
                        writer.keep(path, True)

            outcomes.append(_outcome(writer, keep))
        batched, one_by_one = outcomes
        assert batched == one_by_one  # the same state, or the same first refusal
