"""The theme in the site's language: its words, CLDR dates, numbers and plurals, right-to-left
pages, per-article ``lang:``, a site's ``[strings]`` and the fallback for other languages."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURE_SITE

from digest.cli import main
from digest.l10n import SHIPPED, STRINGS_DIR, shipped_table
from digest.words import words_for

SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
UNTRANSLATABLE = {"atom", "javascript", "markdown", "pagefind", "pip", "install", "digest", "ssg"}
"""Names a translation keeps: formats, tools, the install command."""


class _Shown(HTMLParser):
    """The text a reader sees or hears: text nodes outside script/style, the shown
    attributes, the title and the meta description."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if tag == "meta" and values.get("name") == "description":
            self.parts.append(values.get("content") or "")
        self.parts += [v or "" for k, v in attrs if k in SHOWN_ATTRIBUTES]
        if values.get("data-strings"):  # the search page script's words (JSON values)
            self.parts += _values(json.loads(values["data-strings"] or "{}"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _values(data: object) -> list[str]:
    if isinstance(data, dict):
        return [v for value in data.values() for v in _values(value)]
    return [str(data)]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}


def _table_words(language: str) -> set[str]:
    words: set[str] = set()
    for value in shipped_table(language).values():
        for text in value.values() if isinstance(value, dict) else [value]:
            words |= _words(re.sub(r"\{\w+\}", " ", text))
    return words


def _content_words(root: Path) -> set[str]:
    found = _words((root / "digest.toml").read_text())
    for path in (root / "content").rglob("*.md"):
        found |= _words(path.read_text())
    return found


def _site(tmp_path: Path, language: str, extra: str = "", settings: str = "") -> Path:
    """The fixture site in ``language``: ``settings`` are top-level lines, ``extra`` tables."""
    root = tmp_path / language
    shutil.copytree(FIXTURE_SITE, root, ignore=shutil.ignore_patterns("site", ".digest-cache"))
    config = root / "digest.toml"
    text = config.read_text().replace('language = "en"', f'language = "{language}"\n{settings}')
    config.write_text(text + extra)
    assert main(["build", "--root", str(root)]) == 0
    return root


def _shown(page: Path) -> str:
    parser = _Shown()
    parser.feed(page.read_text())
    return " ".join(parser.parts)


PAGE_KINDS = [
    "index.html",
    "page/1/index.html",
    "2013/11/17/index.html",
    "2013/11/17/syria-talks/index.html",
    "topics/index.html",
    "topics/diplomacy/index.html",
    "sources/index.html",
    "sources/reuters/index.html",
    "sources/reuters/page/1/index.html",
    "archive/index.html",
    "2013/index.html",
    "2013/11/index.html",
    "404.html",
    "search/index.html",
]


@pytest.mark.parametrize("language", ["pt", "de", "ru", "ar"])
def test_no_english_word_of_the_theme_on_any_page(tmp_path, language):
    root = _site(tmp_path, language, settings="search = true")
    english = _table_words("en") - _table_words(language) - _content_words(root)
    english -= UNTRANSLATABLE
    site = root / "site"
    pages = [site / rel for rel in PAGE_KINDS] + sorted((site / "stories").rglob("index.html"))
    assert len(pages) > len(PAGE_KINDS)  # the story pages too
    left = {}
    for page in pages:
        if found := _words(_shown(page)) & english:
            left[page.relative_to(site).as_posix()] = sorted(found)
    assert left == {}


def test_the_english_vocabulary_check_can_fail(tmp_path):
    """Guards the test above: an English site's pages are full of the theme's words."""
    root = _site(tmp_path, "en")
    english = _table_words("en") - _table_words("pt") - _content_words(root) - UNTRANSLATABLE
    assert {"latest", "skip", "articles"} <= _words(_shown(root / "site/index.html")) & english


def test_every_shipped_language_has_every_key_and_no_other_placeholder():
    english = shipped_table("en")
    assert sorted(p.stem for p in STRINGS_DIR.glob("*.toml")) == sorted(SHIPPED)
    for language in SHIPPED:
        table = shipped_table(language)
        assert set(table) == set(english), language
        for key, value in table.items():
            known = set(re.findall(r"\{(\w+)\}", str(english[key])))
            assert set(re.findall(r"\{(\w+)\}", str(value))) <= known, (language, key)


def test_russian_plurals_follow_cldr():
    words = words_for("ru")
    shown = [str(words.count("count.articles", n)) for n in (1, 2, 5, 21, 11, 22)]
    assert shown == ["1 статья", "2 статьи", "5 статей", "21 статья", "11 статей", "22 статьи"]
    assert str(words.count("count.from_sources", 21)) == "21 источника"


def test_built_pages_in_portuguese_russian_and_arabic(tmp_path):
    pt = _site(tmp_path, "pt") / "site"
    day = (pt / "2013/11/17/index.html").read_text()
    assert "domingo, 17 de novembro de 2013" in day
    assert '<html lang="pt">' in day
    assert "4 artigos de 3 fontes em 3 temas" in day
    ru = _site(tmp_path, "ru") / "site"
    assert "4 статьи из 3 источников в 3 темах" in (ru / "2013/11/17/index.html").read_text()
    archive = (ru / "archive/index.html").read_text()
    assert re.search(r"\(\d+ (статья|статьи|статей)\)", archive)
    ar = _site(tmp_path, "ar") / "site"
    for page in ("index.html", "2013/11/17/index.html", "404.html"):
        assert '<html lang="ar" dir="rtl">' in (ar / page).read_text()
    # Feeds keep RFC 3339 dates; only their human titles are translated.
    digests = (ar / "digests.xml").read_text()
    assert "<updated>2013-11-17T" in digests and "الملخصات اليومية" in digests


def test_an_arabic_article_in_an_english_site(tmp_path):
    root = _site(tmp_path, "en")
    article = root / "content/2013/11/17/syria-talks.md"
    text = article.read_text()
    article.write_text(re.sub(r"^lang: .*\n", "", text, flags=re.M).replace("---\n", "---\nlang: ar\n", 1))
    assert main(["build", "--root", str(root)]) == 0
    site = root / "site"
    page = (site / "2013/11/17/syria-talks/index.html").read_text()
    assert '<html lang="ar" dir="rtl">' in page
    for listing in ("2013/11/17/index.html", "index.html"):
        html = (site / listing).read_text()
        assert re.search(r'lang="ar" dir="rtl"><a href="/news/2013/11/17/syria-talks/"', html) or (
            re.search(r'href="/news/2013/11/17/syria-talks/" lang="ar" dir="rtl"', html)
        ), listing


def test_strings_override_and_its_errors(tmp_path, capsys):
    extra = '\n[strings]\n"nav.latest" = "Front page"\n[strings.count.articles]\none = "{count} story"\nother = "{count} stories"\n'
    site = _site(tmp_path, "en", extra) / "site"
    day = (site / "2013/11/17/index.html").read_text()
    assert ">Front page</a>" in day and "4 stories from 3 sources" in day
    root = tmp_path / "en"
    config = root / "digest.toml"
    base = config.read_text().split("[strings]")[0]
    for bad, line, message in [
        ('"nav.lates" = "x"', 12, "strings: unknown key 'nav.lates' (did you mean 'nav.latest'?)"),
        ('"nav.latest" = 3', 12, "strings.nav.latest: expected a string"),
        ('"day.meta" = "{artcles}"', 12, "strings.day.meta: unknown placeholder {artcles}"),
        ('"count.days" = "x"', 12, "strings: unknown key 'count.days'"),
    ]:
        config.write_text(base + "[strings]\n" + bad + "\n")
        lines = config.read_text().splitlines()
        assert main(["build", "--root", str(root)]) == 1
        err = capsys.readouterr().err
        at = lines.index(bad) + 1
        assert f"digest.toml:{at}: error: {message}" in err, err
        del line


def test_a_language_without_theme_words_warns_once_and_keeps_cldr_dates(tmp_path, capsys):
    site = _site(tmp_path, "nl") / "site"
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "Dutch" in err and "'nl'" in err
    day = (site / "2013/11/17/index.html").read_text()
    assert "zondag 17 november 2013" in day and "4 articles from 3 sources" in day


def test_a_region_uses_its_language_words_and_its_own_dates(tmp_path):
    site = _site(tmp_path, "de-AT") / "site"
    day = (site / "2013/11/17/index.html").read_text()
    assert "Sonntag, 17. November 2013" in day and "Themen des Tages" in day
    assert '<html lang="de-AT">' in day
    month = (site / "2014/01/index.html") if (site / "2014/01").exists() else None
    del month
    assert tomllib.loads((tmp_path / "de-AT/digest.toml").read_text())["language"] == "de-AT"


def test_an_edit_of_language_or_strings_renders_the_pages_again(tmp_path):
    """Every setting is part of a page's key (SiteConfig.fingerprint_data): an incremental
    build after the edit equals a clean one."""
    root = _site(tmp_path, "en")
    config = root / "digest.toml"
    for edit in ('\n[strings]\n"nav.latest" = "Front page"\n', None):
        if edit:
            config.write_text(config.read_text() + edit)
        else:
            config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
        assert main(["build", "--root", str(root)]) == 0
        incremental = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
        shutil.rmtree(root / "site")
        shutil.rmtree(root / ".digest-cache", ignore_errors=True)
        assert main(["build", "--root", str(root)]) == 0
        clean = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
        assert incremental == clean
    home = (root / "site/index.html").read_text()
    assert ">Front page</a>" in home and "Aller au contenu" in home
