"""The progress bar: on a terminal only, after a delay, and fed by the build."""

from __future__ import annotations

import io

from conftest import article

from digest.commands.build import BuildOptions, build
from digest.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_draws_on_a_terminal_and_clears():
    term = Terminal()
    bar = Progress(term, 0)
    bar.update(5, 10)
    assert term.getvalue().endswith("] 5/10")
    assert "[" + "#" * 15 + "." * 15 + "]" in term.getvalue()
    bar.clear()
    assert term.getvalue().endswith("\r\x1b[K")


def test_no_bar_when_not_a_terminal_or_before_the_delay():
    plain = io.StringIO()
    Progress(plain, 10).update(5)
    assert plain.getvalue() == ""
    term = Terminal()
    Progress(term, 10, delay=60).update(5)
    assert term.getvalue() == ""


def test_build_reports_rendering_progress(make_site):
    root = make_site({f"content/a{i}.md": article(f"Story {i}") for i in range(3)})
    calls: list[tuple[int, int]] = []
    build(BuildOptions(root=root, jobs=1, progress=lambda done, total: calls.append((done, total))))
    total = calls[-1][1]
    assert calls == [(n, total) for n in range(1, total + 1)]
