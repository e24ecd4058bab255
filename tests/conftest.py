"""Shared fixtures: throwaway site projects and a CLI runner."""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_SITE = REPO / "tests" / "fixtures" / "site"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz",
        nargs="?",
        const=50,
        default=None,
        type=int,
        metavar="N",
        help="long fuzz run: N times the property tests' examples (default 50; or DIGEST_FUZZ=N)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The "fuzz" profile scales the examples of tests/fuzz/test_fuzz.py (see FUZZ_SCALE there).
    from hypothesis import settings

    scale = config.getoption("--fuzz") or int(os.environ.get("DIGEST_FUZZ") or 0)
    if scale > 1:
        settings.register_profile("fuzz", max_examples=100 * scale, deadline=None)
        settings.load_profile("fuzz")
    elif "not slow" in (config.getoption("markexpr", "") or ""):
        # The inner loop: every property test still runs, on a fifth of its examples; the
        # whole suite (CI) runs them all.
        settings.register_profile("quick", max_examples=20)
        settings.load_profile("quick")


PROCESS_FIXTURES = {"watching", "served"}
"""Fixtures that start ``digest watch``/``serve`` in a subprocess: ~0.7 s each, so the tests
using them are ``slow`` (the pure parts of watch and serve stay in the inner loop)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked by what a test uses, so a new one cannot slip into the inner loop
    # (`-m "not slow and not browser"`) and fail there for want of a browser, or slow it.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in fixtures or "/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
        if fixtures & PROCESS_FIXTURES:
            item.add_marker(pytest.mark.slow)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_python(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run this Python with ``args`` in a subprocess, the working tree's package first on
    its path."""
    proc = subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run_digest(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run ``python -m digest`` as a user would, in a subprocess."""
    return run_python("-m", "digest", *args, cwd=cwd, timeout=timeout)


def article(
    title: str = "A title",
    source: str = "The Daily",
    date: str = "2013-11-17",
    url: str | None = None,
    body: str = "Some body text.",
    **extra: str,
) -> str:
    """Article file text; ``extra`` values are written as raw YAML."""
    lines = ["---", f"title: {title}", f"source: {source}", f"date: {date}"]
    lines.append(f"url: {url or 'https://example.com/' + title.lower().replace(' ', '-')}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["---", body]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright: skipped locally when missing, a
    failure in CI."""
    from tools import chromium_path, launch_chromium, require_tool

    require_tool(
        "playwright",
        importlib.util.find_spec("playwright") is not None,
        "the Python package playwright is not installed",
    )
    require_tool("chromium", chromium_path() is not None, "Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """A site project from ``{relative path: text or bytes}``."""

    def make(files: dict[str, str | bytes], name: str = "proj") -> Path:
        root = tmp_path / name
        root.mkdir(exist_ok=True)
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(textwrap.dedent(data) if rel.endswith(".toml") else data)
        return root

    return make


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A private copy of the golden fixture site."""
    root = tmp_path / "fixture"
    shutil.copytree(FIXTURE_SITE, root, ignore=shutil.ignore_patterns("site", ".digest-cache"))
    return root


class StubRenderer:
    """A renderer for tests of the publishing loop: records the pages it renders, reads
    nothing, keeps nothing; ``render`` gives ``data(page)``."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def take_reads(self) -> dict:
        return {}

    def take_new_bodies(self) -> list:
        return []

    def take_new_fragments(self) -> list:
        return []

    def data(self, page: Any) -> bytes:
        return page.path.encode()

    def render(self, page: Any) -> bytes:
        self.rendered.append(page.path)
        return self.data(page)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, by path relative to ``folder``: to compare two builds."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def differs_from_clean(root: Path, tmp: Path) -> list[str]:
    """The files in which ``root/site`` differs from a clean build of ``root`` (made in
    ``tmp/clean``): empty when an incremental build got everything right."""
    from digest.commands.build import BuildOptions, build

    clean = tmp / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(BuildOptions(root=root, output=clean, force=True))
    built, expected = tree(root / "site"), tree(clean)
    return sorted(k for k in built.keys() | expected.keys() if built.get(k) != expected.get(k))


def leftovers(root: Path, output: str = "site") -> list[str]:
    """What a build left beside its output but the spare (the site it swapped out, kept as
    the next build's staging folder): staging, scratch or set-aside folders."""
    spare = {f".{output}.spare", f".{output}.spare.json"}
    return sorted(
        p.name for p in root.iterdir() if p.name.startswith(f".{output}.") and p.name not in spare
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time, to prove a folder was left alone."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A plain static host (like GitHub Pages) on 127.0.0.1 over ``folder``: its URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static host over ``tmp_path/www``: (its URL, the folder)."""
    www = tmp_path / "www"
    www.mkdir()
    with serving(www) as url:
        yield url, www
