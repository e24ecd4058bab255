"""A day's pages whose signature is the last build's keep their fingerprints without being
fingerprinted again: these hold that the shortcut never keeps a page a clean build would
make differently (the signature misses nothing the pages show, and is never trusted beside
fingerprints it did not come with)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article, differs_from_clean
from test_incremental import full_disk

from digest.commands.build import BuildOptions, build
from digest.commands.patch import Session

METRO = "content/2013/11/16/sao-paulo-metro.md"
METRO_PAGE = "2013/11/16/metro-line/index.html"


def _retitled(text: str) -> str:
    head, rest = text.split("\ntitle: ", 1)
    return f"{head}\ntitle: Metro strike called off\n{rest.split(chr(10), 1)[1]}"


def _fares(root: Path) -> None:
    """A new day whose article shares the metro article's topics: it joins the metro
    article's related list, and nothing else of the metro article's day changes."""
    text = article("Metro fares rise again", date="2013-11-18", topics="[São Paulo, Transport]")
    (root / "content/2013/11/18").mkdir(parents=True)
    (root / "content/2013/11/18/metro-fares.md").write_text(text)


def test_a_related_list_reached_from_another_day_is_shown(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    build(options)
    assert "Metro fares rise again" not in (fixture_site / "site" / METRO_PAGE).read_text()
    _fares(fixture_site)
    result = build(options)
    assert METRO_PAGE in result.written
    assert "Metro fares rise again" in (fixture_site / "site" / METRO_PAGE).read_text()
    assert "2013/11/15/pipeline/index.html" not in result.written  # its day's pages were kept
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_an_edit_undone_after_watch_patched_it_is_undone_in_the_site(fixture_site, tmp_path):
    # watch rewrites the manifest's rows for the pages it patched: the signatures of the
    # build before must not vouch for those rows once the edit is undone.
    options = BuildOptions(root=fixture_site)
    session = Session(options)
    session.build(None)
    path = fixture_site / METRO
    before = path.read_text()
    path.write_text(_retitled(before))
    session.build({METRO: "changed"})
    session.flush()
    assert "Metro strike called off" in (fixture_site / "site" / METRO_PAGE).read_text()
    path.write_text(before)
    build(options)
    assert "Metro strike called off" not in (fixture_site / "site" / METRO_PAGE).read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_build_that_could_not_save_its_manifest_leaves_no_stale_page(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    build(options)
    path = fixture_site / METRO
    before = path.read_text()
    path.write_text(_retitled(before))
    with full_disk():
        result = build(options)
    assert any("cannot write the cache" in w.message for w in result.warnings)
    path.write_text(before)  # back to the build whose manifest and signatures were saved
    build(options)
    assert "Metro strike called off" not in (fixture_site / "site" / METRO_PAGE).read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []


@pytest.mark.parametrize("damage", ["[]", '{"/2013/11/16/": 1}', "not json"])
def test_damaged_signatures_mean_pages_fingerprinted_again(fixture_site, tmp_path, damage):
    import sqlite3

    options = BuildOptions(root=fixture_site)
    build(options)
    _fares(fixture_site)
    manifest = next((fixture_site / ".digest-cache").glob("manifest-*.sqlite"))
    with sqlite3.connect(manifest) as db:
        db.execute("UPDATE build SET value=? WHERE name='signatures'", (damage,))
    db.close()
    build(options)
    assert "Metro fares rise again" in (fixture_site / "site" / METRO_PAGE).read_text()
    assert differs_from_clean(fixture_site, tmp_path) == []
