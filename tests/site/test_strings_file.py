"""A site's own theme words from a file, ``strings/<language>.toml``: a language the theme
does not ship, translated whole or in part, under ``[strings]``, every problem located."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURE_SITE

from digest.cli import main
from digest.commands.changes import is_source_path
from digest.l10n import STRINGS_DIR, shipped_table


def _project(tmp_path: Path, language: str, words: str, extra: str = "") -> Path:
    root = tmp_path / "site-project"
    shutil.copytree(FIXTURE_SITE, root, ignore=shutil.ignore_patterns("site", ".digest-cache"))
    config = root / "digest.toml"
    config.write_text(
        config.read_text().replace('language = "en"', f'language = "{language}"') + extra
    )
    (root / "strings").mkdir()
    (root / "strings" / f"{language.split('-')[0]}.toml").write_text(words, encoding="utf-8")
    return root


def _language_line(root: Path) -> int:
    lines = (root / "digest.toml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("language"))


def test_a_whole_translation_in_a_file_is_used_without_a_warning(tmp_path, capsys):
    # Italian is not shipped: the site brings all of its words (here the Portuguese table,
    # so the test can tell them from the English ones).
    words = (STRINGS_DIR / "pt.toml").read_text(encoding="utf-8")
    root = _project(tmp_path, "it", words, '\n[strings]\n"nav.latest" = "Ultime notizie"\n')
    assert main(["build", "--root", str(root)]) == 0
    assert "warning:" not in capsys.readouterr().err
    day = (root / "site/2013/11/17/index.html").read_text()
    pt = shipped_table("pt")
    assert pt["nav.topics"] in day and pt["skip"] in day
    # [strings] in digest.toml wins over the file, key by key; dates are CLDR's Italian.
    assert ">Ultime notizie</a>" in day and pt["nav.latest"] not in day
    assert "domenica 17 novembre 2013" in day
    assert '<html lang="it">' in day


def test_a_partial_file_warns_once_with_the_count_of_english_words(tmp_path, capsys):
    root = _project(tmp_path, "it", '"nav.latest" = "Ultime"\n[nav]\ntopics = "Argomenti"\n')
    assert main(["build", "--root", str(root)]) == 0
    err = capsys.readouterr().err
    total = len(shipped_table("en"))
    line = _language_line(root)
    assert err.count("warning:") == 1, err
    assert (
        f"digest.toml:{line}: warning: language: the theme has no words in Italian ('it'): "
        f"pages use English for {total - 2} of the theme's {total} words"
    ) in err, err
    home = (root / "site/index.html").read_text()
    assert ">Ultime</a>" in home and ">Argomenti</a>" in home


def test_a_region_tag_reads_its_language_file(tmp_path, capsys):
    root = _project(tmp_path, "de-CH", '"nav.latest" = "Neuste Meldungen"\n')
    assert main(["build", "--root", str(root)]) == 0
    assert "warning:" not in capsys.readouterr().err  # German words are shipped
    assert ">Neuste Meldungen</a>" in (root / "site/index.html").read_text()


def test_problems_in_the_file_are_located_in_it(tmp_path, capsys):
    root = _project(tmp_path, "it", "")
    words = root / "strings/it.toml"
    for text, line, message in [
        ('"nav.latest" = "a"\n"nav.lates" = "x"\n', 2, "strings: unknown key 'nav.lates'"),
        ('[nav]\nlatest = 3\n', 2, "strings.nav.latest: expected a string"),
        ('"day.meta" = "{artcles}"\n', 1, "strings.day.meta: unknown placeholder {artcles}"),
        ('"nav.latest" = "a\n', 1, "invalid TOML"),
    ]:
        words.write_text(text, encoding="utf-8")
        assert main(["build", "--root", str(root)]) == 1
        err = capsys.readouterr().err
        assert f"strings/it.toml:{line}: error: {message}" in err, err
        assert "Traceback" not in err
    words.write_bytes(b'"nav.latest" = "\xff"\n')
    assert main(["build", "--root", str(root)]) == 1
    assert "strings/it.toml:1: error: not valid UTF-8" in capsys.readouterr().err


def test_an_edit_of_the_file_renders_the_pages_again_and_watch_sees_it(tmp_path):
    root = _project(tmp_path, "it", '"nav.latest" = "Ultime"\n')
    assert main(["build", "--root", str(root)]) == 0
    (root / "strings/it.toml").write_text('"nav.latest" = "Notizie"\n', encoding="utf-8")
    assert main(["build", "--root", str(root)]) == 0
    incremental = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    shutil.rmtree(root / "site")
    shutil.rmtree(root / ".digest-cache", ignore_errors=True)
    assert main(["build", "--root", str(root)]) == 0
    clean = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    assert incremental == clean
    assert ">Notizie</a>" in (root / "site/index.html").read_text()
    assert is_source_path("strings/it.toml")
    assert not is_source_path("strings/.it.toml.swp")


def test_a_build_with_nothing_else_to_do_sees_an_edit_of_the_file(tmp_path, capsys):
    # A shipped language and no warning: the build after it may return at once when no
    # input changed, and the words file is one of its inputs.
    root = _project(tmp_path, "fr", '[nav]\narchive = "Les archives"\n')
    assert main(["build", "--root", str(root)]) == 0
    assert "warning:" not in capsys.readouterr().err
    assert main(["build", "--root", str(root)]) == 0
    assert "0 pages rendered" in capsys.readouterr().out  # nothing to do
    (root / "strings/fr.toml").write_text('[nav]\narchive = "Vieilles nouvelles"\n')
    assert main(["build", "--root", str(root)]) == 0
    assert ">Vieilles nouvelles</a>" in (root / "site/index.html").read_text()
