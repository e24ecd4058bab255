"""The spare: the site a build swapped out, kept beside the output as the next build's
staging folder. Whatever happens to it or around it, every build is the clean build's site,
and the spare is the site of the build before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import article, leftovers, tree

from digest.cli import main

SPARE, LISTING = ".site.spare", ".site.spare.json"


def _build(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, bytes]:
    assert main(["build", "--root", str(root)]) == 0
    clean = root.parent / f"{root.name}-clean"
    shutil.rmtree(clean, ignore_errors=True)
    args = ["build", "--root", str(root), "--output", str(clean), "--force"]
    assert main(args) == 0
    capsys.readouterr()
    site = tree(root / "site")
    assert site == tree(clean), "the incremental build differs from a clean one"
    assert leftovers(root) == []
    return site


def _day(n: int) -> str:
    return f"2013-11-{10 + n:02d}"


def _write(root: Path, n: int, **extra: str) -> Path:
    path = root / "content" / f"a{n}.md"
    path.parent.mkdir(exist_ok=True)
    fields = {"title": f"Story {n}", "date": _day(n % 5), "topics": f"[T{n % 3}]", **extra}
    path.write_text(article(**fields))
    return path


@pytest.fixture
def site(make_site):
    root = make_site({"digest.toml": 'title = "S"\nbase_url = "https://example.org/"\n'})
    for n in range(8):
        _write(root, n)
    return root


def test_each_build_keeps_the_site_before_as_the_spare(site, capsys):
    before = _build(site, capsys)
    assert not (site / SPARE).exists()  # a first build swaps nothing out
    steps = [
        lambda: _write(site, 20),  # a new article
        lambda: (site / "content/a3.md").unlink(),  # one deleted
        lambda: _write(site, 1, title="Story one, retitled"),
        lambda: _write(site, 3),  # the deleted one back
        lambda: (site / "content/a5.md").rename(site / "content/renamed.md"),
        lambda: _write(site, 2, topics="[Elsewhere]"),
        lambda: (site / "digest.toml").write_text(
            'title = "Other"\nbase_url = "https://example.org/"\n'
        ),
    ]
    for step in steps:
        step()
        after = _build(site, capsys)
        assert tree(site / SPARE) == before, "the spare is not the site of the build before"
        before = after


def test_a_spare_whose_list_is_damaged_or_missing_is_not_used(site, capsys):
    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    damages = ["not json", json.dumps({"format": 99, "changed": []}), '{"changed": [1]}', None]
    for n, damaged in enumerate(damages):
        if damaged is None:
            (site / LISTING).unlink()
        else:
            (site / LISTING).write_text(damaged)
        _write(site, 30 + n)  # a build the untrusted spare would get wrong
        _build(site, capsys)
        _write(site, 40 + n)
        _build(site, capsys)  # and the one after, with a spare made again


def test_a_site_replaced_by_a_copy_makes_the_spare_useless(site, capsys):
    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    # The site copied back (a restore, a hand-made copy): its files are not the spare's.
    copy = site / "copy"
    shutil.copytree(site / "site", copy)
    shutil.rmtree(site / "site")
    copy.rename(site / "site")
    (site / SPARE / "index.html").unlink()  # what a spare trusted here would publish
    (site / "content/a4.md").unlink()
    _build(site, capsys)
    assert (site / "site/index.html").is_file()


def test_a_file_added_to_the_site_by_hand_is_removed_and_stays_removed(site, capsys):
    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    (site / "site/mine.txt").write_text("added by hand")
    _write(site, 21)
    assert "mine.txt" not in _build(site, capsys)
    # Two builds later the spare is the tree that held it: it must not come back.
    _write(site, 22)
    assert "mine.txt" not in _build(site, capsys)
    _write(site, 23)
    assert "mine.txt" not in _build(site, capsys)


def test_a_file_added_by_hand_is_found_by_the_background_listing(site, capsys, monkeypatch):
    # A large site's output is listed in a process of its own while the build renders.
    monkeypatch.setattr("digest.commands.build.BACKGROUND_WALK", 0)
    monkeypatch.setattr("digest.commands.build.usable_cpus", lambda: 2)
    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    (site / "site/mine.txt").write_text("added by hand")
    (site / "site/2013/11/10/mine").mkdir()
    (site / "site/2013/11/10/mine/index.html").write_text("added by hand")
    _write(site, 21)
    built = _build(site, capsys)
    assert "mine.txt" not in built and "2013/11/10/mine/index.html" not in built
    _write(site, 22)
    assert "mine.txt" not in _build(site, capsys)


def test_a_page_edited_in_place_in_the_site_is_put_right(site, capsys):
    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    # A page the last build did not change is one file in the site and in the spare.
    shared = next(
        rel
        for rel in sorted(tree(site / "site"))
        if rel.endswith(".html")
        and (site / SPARE / rel).is_file()
        and (site / "site" / rel).stat().st_ino == (site / SPARE / rel).stat().st_ino
    )
    with (site / "site" / shared).open("ab") as handle:
        handle.write(b"<!-- edited -->")
    for n in (21, 22, 23):
        _write(site, n)
        assert b"edited" not in _build(site, capsys)[shared]


def _differing(root: Path) -> set[str]:
    """The files in which the spare and the output differ: by bytes, by being there or
    not, or by not being the same file (a later write through a shared link would change
    both)."""
    spare, output = root / SPARE, root / "site"
    paths = {p.relative_to(spare).as_posix() for p in spare.rglob("*") if p.is_file()}
    paths |= {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    differ = set()
    for rel in paths:
        a, b = spare / rel, output / rel
        if not (a.is_file() and b.is_file()) or a.stat().st_ino != b.stat().st_ino:
            differ.add(rel)
    return differ


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _listed(root: Path) -> set[str]:
    return set(json.loads((root / LISTING).read_text())["changed"])


def test_a_site_changed_in_place_by_watch_keeps_its_spare_list_true(site, capsys):
    from digest.commands.build import BuildOptions
    from digest.commands.patch import Session

    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)  # the spare and its list
    session = Session(BuildOptions(root=site))
    session.build(None, first=True)
    assert _differing(site) <= _listed(site)
    # Edited, created, renamed and deleted while watching: written into the site in place,
    # each file told to the spare's list before it changed.
    steps = [
        (
            {"content/a1.md": "changed"},
            lambda: _append(site / "content/a1.md", "\nA later paragraph.\n"),
        ),
        ({"content/a21.md": "created"}, lambda: _write(site, 21)),
        ({"content/a2.md": "changed"}, lambda: _write(site, 2, topics="[T9]")),
        (
            {"content/a5.md": "deleted", "content/moved.md": "created"},
            lambda: (site / "content/a5.md").rename(site / "content/moved.md"),
        ),
        ({"content/a4.md": "deleted"}, lambda: (site / "content/a4.md").unlink()),
    ]
    for changes, step in steps:
        step()
        session.build(changes)
        assert (site / LISTING).exists()
        assert _differing(site) <= _listed(site)
    assert session.replanned >= 3 and session.patched >= 1
    capsys.readouterr()
    _write(site, 22)
    _build(site, capsys)  # from the spare and its list: equal to a clean build
    _write(site, 23)
    _build(site, capsys)


def test_a_whole_build_in_place_drops_the_spare_list(site, capsys):
    from digest.commands.build import BuildOptions
    from digest.commands.patch import Session

    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    session = Session(BuildOptions(root=site))
    session.build(None, first=True)
    (site / "digest.toml").write_text(
        'title = "Another title"\nbase_url = "https://example.org/"\n'
    )
    session.build({"digest.toml": "changed"})  # a whole pass, in place
    assert not (site / LISTING).exists()
    capsys.readouterr()
    _write(site, 22)
    _build(site, capsys)  # equal to a clean build: nothing of the spare's is trusted


def test_a_file_that_becomes_a_folder_and_back(site, capsys):
    static = site / "static"
    static.mkdir()
    (static / "thing").write_text("a file")
    _build(site, capsys)
    for n in range(2):
        (static / "thing").unlink()
        (static / "thing").mkdir()
        (static / "thing" / "inner.txt").write_text("in a folder")
        _write(site, 20 + n)
        assert "thing/inner.txt" in _build(site, capsys)
        _write(site, 30 + n)
        _build(site, capsys)  # the spare has it as a file
        shutil.rmtree(static / "thing")
        (static / "thing").write_text("a file again")
        assert _build(site, capsys)["thing"] == b"a file again"
        _write(site, 40 + n)
        _build(site, capsys)  # the spare has it as a folder


def test_a_rebuild_in_place_that_fails_midway_leaves_a_true_list(site, capsys, monkeypatch):
    from digest.commands.build import BuildOptions
    from digest.commands.patch import Session
    from digest.errors import DigestError
    from digest.pipeline import replace, write

    _build(site, capsys)
    _write(site, 20)
    _build(site, capsys)
    session = Session(BuildOptions(root=site))
    session.build(None, first=True)
    session.replacer.gone = True  # written here, where the failure can be made
    real, calls = replace.replace_file, []

    def failing(target, data):
        calls.append(target)
        if len(calls) == 3:  # (the session dies here as a killed one would stop)
            raise OSError(28, "No space left on device", str(target))
        return real(target, data)

    monkeypatch.setattr(replace, "replace_file", failing)
    monkeypatch.setattr(write, "replace_file", failing)
    _write(site, 21)
    with pytest.raises(DigestError, match="No space left"):
        session.build({"content/a21.md": "created"})
    assert len(calls) == 3
    assert _differing(site) <= _listed(site)
    monkeypatch.undo()
    capsys.readouterr()
    _build(site, capsys)  # from the spare and its list: equal to a clean build
