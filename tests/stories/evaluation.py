"""The labeled story set (tests/fixtures/stories) and BCubed scoring, for
tests/stories/test_cluster.py and for tuning by hand::

    PYTHONPATH=. python tests/stories/evaluation.py dev   # or holdout, site, all: P, R, F1, errors
"""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from digest.clustering import StoryItem, cluster
from digest.formats.summary import summarize

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "stories"


def load_items(half: str = "all") -> list[StoryItem]:
    """The articles of one half (``dev``, ``holdout``) or of both, or of the example site
    (``site``: content/), as the loader would give them: the summary as text, the date in
    UTC (the example site's timezone)."""
    if half == "site":
        return [item_of(path, ROOT) for path in sorted((ROOT / "content").rglob("*.md"))]
    items = []
    folders = ["dev", "holdout"] if half == "all" else [half]
    for folder in folders:
        for path in sorted((FIXTURES / folder).rglob("*.md")):
            items.append(item_of(path))
    return items


def item_of(path: Path, base: Path = FIXTURES) -> StoryItem:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    date = meta["date"]
    if isinstance(date, dt.datetime):
        published = date.astimezone(dt.UTC)
    else:
        published = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
    override = meta.get("story")
    return StoryItem(
        key=path.relative_to(base).as_posix(),
        title=str(meta["title"]),
        text=summarize(body),
        source=meta["source"],
        published=published,
        lang=meta.get("lang", "en"),
        override=override,
    )


def load_labels(half: str = "all") -> dict[str, str]:
    """Article key -> its hand label."""
    if half == "site":
        labels = tomllib.loads((FIXTURES / "site-labels.toml").read_text(encoding="utf-8"))
        found = {key: label for label, keys in labels.items() for key in keys}
        for item in load_items("site"):
            found.setdefault(item.key, item.key)
        return found
    labels = tomllib.loads((FIXTURES / "labels.toml").read_text(encoding="utf-8"))
    return {
        key: label
        for label, keys in labels.items()
        for key in keys
        if half == "all" or key.startswith(half + "/")
    }


def bcubed(truth: Mapping[str, str], found: Mapping[str, str]) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of ``found`` (key -> cluster) against ``truth``
    (Bagga & Baldwin 1998; Amigó et al. 2009): per item, the share of its cluster that has
    its label, and of its label that is in its cluster, averaged over the items."""
    by_cluster: dict[str, set[str]] = {}
    by_label: dict[str, set[str]] = {}
    for key in truth:
        by_cluster.setdefault(found[key], set()).add(key)
        by_label.setdefault(truth[key], set()).add(key)
    precision = recall = 0.0
    for key in truth:
        cluster_keys = by_cluster[found[key]]
        label_keys = by_label[truth[key]]
        both = len(cluster_keys & label_keys)
        precision += both / len(cluster_keys)
        recall += both / len(label_keys)
    precision /= len(truth)
    recall /= len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def assignment(stories: Iterable) -> dict[str, str]:
    return {key: story.id for story in stories for key in story.keys}


def score(half: str) -> tuple[float, float, float]:
    return bcubed(load_labels(half), assignment(cluster(load_items(half))))


def _report(half: str) -> None:
    truth = load_labels(half)
    stories = cluster(load_items(half))
    found = assignment(stories)
    p, r, f = bcubed(truth, found)
    print(
        f"{half}: P {p:.3f} R {r:.3f} F1 {f:.3f}  ({len(stories)} stories, "
        f"{len(set(truth.values()))} labels)"
    )
    for story in stories:
        labels = sorted({truth[k] for k in story.keys})
        if len(labels) > 1:
            print("  WRONG MERGE", story.id, labels)
    for label in sorted(set(truth.values())):
        ids = sorted({found[k] for k, v in truth.items() if v == label})
        if len(ids) > 1:
            print(
                "  MISSED",
                label,
                [[k.split("/")[-1][:40] for k in s.keys] for s in stories if s.id in ids],
            )


if __name__ == "__main__":
    for name in sys.argv[1:] or ["dev"]:
        _report(name)
