"""Command line: ``digest build|check|stories|watch|serve|new|import|init``.

Exit status: 0 done, 1 content or build errors, 2 bad usage, 141 the reader of the output
went away (a closed pipe). Every error of a run is printed as ``path:line: error: message``;
bad input never shows a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from digest import __version__
from digest.errors import Diagnostic, DigestError

EXIT_OK = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a tool that a closed pipe stopped."""


def print_diagnostics(
    diagnostics: Sequence[Diagnostic], stream: TextIO, severity: str = "error"
) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(severity), file=stream)


def _options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from digest.commands.build import BuildOptions

    return BuildOptions(
        root=args.root,
        output=Path(args.output) if getattr(args, "output", None) else None,
        base_url=getattr(args, "base_url", None),
        drafts=getattr(args, "drafts", False),
        keep_going=getattr(args, "keep_going", False),
        force=getattr(args, "force", False),
        jobs=getattr(args, "jobs", None),
        search=getattr(args, "search", False),
    )


def _summary(result, verb: str) -> str:  # type: ignore[no-untyped-def]
    parts = [
        f"{result.articles} articles",
        f"{result.days} days",
        f"{result.topics} topics",
        f"{result.sources} sources",
    ]
    return f"{verb} {', '.join(parts)}: {result.pages} files"


def _build_command(args: argparse.Namespace) -> int:
    import dataclasses

    from digest.commands.build import build
    from digest.progress import Progress

    # A bar only for builds that take a while, and only on a terminal.
    progress = Progress(sys.stderr, 0, delay=2.0)
    options = dataclasses.replace(_options(args), progress=progress.update)
    try:
        result = build(options)
    finally:
        progress.clear()
    print_diagnostics([*result.warnings, *_default_base_url(options)], sys.stderr, "warning")
    output = options.output_dir
    print(
        f"{_summary(result, 'built')} ({len(result.written)} written, {result.unchanged} "
        f"unchanged, {len(result.removed)} removed; {result.rendered} pages rendered) "
        f"in {result.seconds:.2f}s -> {output}"
    )
    return EXIT_OK


def _default_base_url(options) -> list[Diagnostic]:  # type: ignore[no-untyped-def]
    """A build to publish with the default base_url links every canonical URL, feed and
    sitemap entry to localhost; say so (``watch`` and ``serve`` are local: not there)."""
    from digest.config import load_config

    if options.base_url is not None:
        return []
    try:
        config = load_config(options.root)
    except DigestError:  # changed since the build read it; the next build reports it
        return []
    if config.base_url_set:
        return []
    return [
        Diagnostic(
            config.path,
            0,
            f"base_url is not set: canonical links, feeds and the sitemap point to "
            f"{config.base_url}; set base_url (or pass --base-url)",
        )
    ]


def _check_command(args: argparse.Namespace) -> int:
    from digest.commands.build import check

    result = check(_options(args))
    print_diagnostics(result.warnings, sys.stderr, "warning")
    print(f"{_summary(result, 'checked')}; no errors ({result.seconds:.2f}s)")
    return EXIT_OK


def _stories_command(args: argparse.Namespace) -> int:
    from digest.commands.stories import print_stories, site_stories

    stories, warnings = site_stories(_options(args))
    print_diagnostics(warnings, sys.stderr, "warning")
    print_stories(stories, sys.stdout, args.day, args.json)
    return EXIT_OK


def _watch_command(args: argparse.Namespace) -> int:
    from digest.commands.watch import run_watch

    return run_watch(_options(args))


def _serve_command(args: argparse.Namespace) -> int:
    from digest.commands.serve import run_serve

    return run_serve(_options(args), host=args.host, port=args.port)


def _import_command(args: argparse.Namespace) -> int:
    from digest.commands.importing import run_import

    return run_import(
        [Path(p) for p in args.paths],
        content_dir=Path(args.content) if args.content else args.root / "content",
        dry_run=args.dry_run,
        topics=args.topics or [],
        root=args.root,
    )


def _new_command(args: argparse.Namespace) -> int:
    from digest.commands.new import new_article

    path = new_article(
        args.root, args.title, args.source, args.url, args.date, args.topics or [], slug=args.slug
    )
    print(path)
    return EXIT_OK


def _init_command(args: argparse.Namespace) -> int:
    from digest.commands.init import init_site, next_steps

    target = Path(args.dir)
    for path in init_site(target, force=args.force):
        print(f"created {path}")
    print(next_steps(target))
    return EXIT_OK


def _topic_list(text: str) -> list[str]:
    """``--topics a,b``: names separated by commas, each with a letter or digit."""
    from digest.slugs import slugify

    names = [" ".join(t.split()) for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected topic names separated by commas")
    for name in names:
        if not slugify(name):
            raise argparse.ArgumentTypeError(f"{name!r} has no letters or digits")
    return names


def _day(text: str):  # type: ignore[no-untyped-def]
    """``--day YYYY-MM-DD``: exactly that form (``fromisoformat`` also takes ``20131117``)."""
    import datetime as dt
    import re

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _needs_project(args: argparse.Namespace) -> bool:
    """Every command works on a site project but ``init``, which makes one, and ``import
    --content DIR``, which writes to DIR and reads nothing of the project."""
    if args.command == "init":
        return False
    return not (args.command == "import" and args.content)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the site project folder (default: the current folder)",
    )
    parser = argparse.ArgumentParser(
        prog="digest", description="Build a static news-digest site from Markdown articles."
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str):  # type: ignore[no-untyped-def]
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def content_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--base-url", metavar="URL", help="override base_url of digest.toml")
        p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
        p.add_argument(
            "--keep-going",
            action="store_true",
            help="leave bad articles out with a warning instead of failing",
        )
        p.add_argument(
            "--jobs",
            type=_positive_int,
            metavar="N",
            help="processes for parsing and rendering (default: the usable CPUs)",
        )

    def search_option(p: argparse.ArgumentParser) -> None:  # search: --search
        p.add_argument(
            "--search",
            action="store_true",
            help="build /search/ and its Pagefind index (as search = true; needs the search extra)",
        )

    p = command("build", _build_command, "build the site")
    p.add_argument("--output", metavar="DIR", help="output folder (default: ROOT/site)")
    search_option(p)
    p.add_argument("--force", action="store_true", help="ignore the cache; render every page")
    content_options(p)

    p = command("check", _check_command, "validate content, config and templates; write nothing")
    content_options(p)

    p = command("stories", _stories_command, "print the stories the articles form")
    p.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="only the stories of that day")
    p.add_argument(
        "--json",
        action="store_true",
        help="every story, singletons too, as JSON: id, title, days, articles",
    )
    p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="leave bad articles out with a warning instead of failing",
    )

    p = command("watch", _watch_command, "build, then rebuild on every change until Ctrl-C")
    p.add_argument("--output", metavar="DIR", help="output folder (default: ROOT/site)")
    search_option(p)
    content_options(p)

    p = command("serve", _serve_command, "watch, and serve the site locally with live reload")
    p.add_argument("--output", metavar="DIR", help="output folder (default: ROOT/site)")
    search_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free one)"
    )
    content_options(p)

    p = command("new", _new_command, "write a new article file and print its path")
    p.add_argument("title", metavar="TITLE", help="the article's title (quote it)")
    p.add_argument("--source", required=True, metavar="S", help="the publication's name")
    p.add_argument("--url", required=True, metavar="U", help="the original article's URL")
    p.add_argument(
        "--date",
        metavar="D",
        help="YYYY-MM-DD or an ISO 8601 date-time (default: today in the site's timezone)",
    )
    p.add_argument("--topics", type=_topic_list, metavar="A,B", help="topics, separated by commas")
    p.add_argument(
        "--slug",
        metavar="S",
        help="the file name and permalink's last part (default: made from the title)",
    )

    p = command("init", _init_command, "create a site project with a GitHub Pages workflow")
    p.add_argument("dir", metavar="DIR", help="the new project's folder (missing or empty)")
    p.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty folder: replace the files init writes, keep the others",
    )

    p = command("import", _import_command, "turn raw article text files into articles")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (*.txt, *.md)")
    p.add_argument("--content", metavar="DIR", help="where to write (default: ROOT/content)")
    p.add_argument("--dry-run", action="store_true", help="report what would be written")
    p.add_argument(
        "--topics",
        type=_topic_list,
        metavar="A,B",
        help="topics to give every imported article",
    )
    return parser


GC_THRESHOLD = (100_000, 50, 100)
"""A build makes millions of small objects that live until it ends (articles, pages,
contexts) and almost no cycles: with Python's default 700 allocations between youngest
collections, the collector walks them again and again for nothing (about a tenth of an
incremental build on a 10,000-article site). Cycles are still collected, less often."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    threshold = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        code = _run(args)
        sys.stdout.flush()  # here, not at exit, where a closed pipe could not be caught
        return code
    except BrokenPipeError:
        # The reader went away (``digest check | head -0``): stop quietly, as a tool killed
        # by SIGPIPE does. Python would still flush its buffers into the pipe at exit and
        # report that error, so point both streams at devnull first (see the note on
        # SIGPIPE in the documentation of the signal module).
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
        return EXIT_BROKEN_PIPE
    finally:
        gc.set_threshold(*threshold)


def _run(args: argparse.Namespace) -> int:
    try:
        if _needs_project(args):
            from digest.config import project_problem

            if problem := project_problem(args.root):
                raise DigestError(problem)
        return int(args.handler(args))
    except DigestError as exc:
        print_diagnostics(exc.diagnostics, sys.stderr)
        count = len(exc.diagnostics)
        print(f"{count} error{'s' if count != 1 else ''}; nothing written", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
