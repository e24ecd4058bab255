"""``digest stories``: the stories the site's articles form, for an editor tuning them with
``story:`` in front-matter."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TextIO

from digest.commands.build import BuildOptions
from digest.config import load_config
from digest.errors import Diagnostic, DigestError
from digest.pipeline.stories import Story


def site_stories(options: BuildOptions) -> tuple[list[Story], list[Diagnostic]]:
    """Every story of the site (as a build would find them), and the warnings."""
    from digest.pipeline.index import build_index
    from digest.pipeline.load import load_articles
    from digest.pipeline.stories_delta import find_stories

    config = load_config(options.root)
    loaded = load_articles(options.root, config.tz, drafts=options.drafts, jobs=options.workers)
    warnings: list[Diagnostic] = list(loaded.warnings)
    if loaded.errors:
        if not options.keep_going:
            raise DigestError(loaded.errors)
        warnings.extend(loaded.errors)
    index, dropped = build_index(loaded.articles, config, keep_going=options.keep_going)
    warnings.extend(dropped)
    if not config.stories:
        message = "stories = false: the site does not group its articles; shown as they would be"
        warnings.append(Diagnostic(config.path, 0, message))
    return list(find_stories(index.articles).all), warnings


def print_stories(stories: list[Story], out: TextIO, day: dt.date | None, as_json: bool) -> None:
    """Text: the stories of several articles, day by day (under the day of their first
    article, or under ``day``), each article with its day, source and title. JSON: every
    story, singletons too, as ``[{"id", "title", "days", "articles"}]``."""
    chosen = [s for s in stories if day is None or day in s.days]
    if as_json:
        data: list[dict[str, Any]] = [
            {
                "id": story.id,
                "title": story.title,
                "days": [d.isoformat() for d in story.days],
                "articles": [article.path for article in story.articles],
            }
            for story in chosen
        ]
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    several = [story for story in chosen if len(story.articles) > 1]
    by_day: dict[dt.date, list[Story]] = {}
    for story in several:
        by_day.setdefault(day or story.days[0], []).append(story)
    for date in sorted(by_day, reverse=True):
        print(date.isoformat(), file=out)
        for story in by_day[date]:
            count = len(story.sources)
            print(f"  {story.id} ({count} source{'s' if count != 1 else ''})", file=out)
            for article in story.articles:
                print(
                    f"    {article.day.isoformat()}  {article.source}: {article.title}"
                    f"  [{article.path}]",
                    file=out,
                )
    singles = len(chosen) - len(several)
    print(
        f"{len(several)} {'story' if len(several) == 1 else 'stories'} of several articles, "
        f"{singles} of one" + (f" on {day.isoformat()}" if day else ""),
        file=out,
    )
