"""A build keeps the pages whose fingerprint an edit moved but whose templates read nothing
it changed (``incremental.unread``): it renders what shows the edit, and its output is a
clean build's."""

from __future__ import annotations

from conftest import REPO, article, differs_from_clean

from digest.commands.build import BuildOptions, build

EDITED = "content/2013/11/16/sao-paulo-rain.md"
DAY = "2013/11/16/index.html"


def _add_a_paragraph(root) -> None:
    path = root / EDITED
    path.write_text(path.read_text() + "\nA paragraph added at the end.\n")


def test_a_body_edit_renders_only_what_shows_the_body(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    first = build(options)
    _add_a_paragraph(fixture_site)
    result = build(options)
    # Its page, and the feeds that carry its body; not its day, topics, source or
    # neighbours, which show its title and summary.
    assert "2013/11/16/sao-paulo-rain/index.html" in result.written
    assert DAY not in result.written
    assert result.rendered == len(result.written) < first.rendered / 10
    assert differs_from_clean(fixture_site, tmp_path) == []
    # The kept pages have their new fingerprints and reads: the next build has nothing to do.
    again = build(options)
    assert (again.rendered, again.written) == (0, [])
    # And a second edit finds those reads under them.
    _add_a_paragraph(fixture_site)
    assert build(options).rendered == result.rendered
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_page_whose_template_reads_the_body_is_rendered(fixture_site, tmp_path):
    (fixture_site / "templates").mkdir()
    theme = (REPO / "digest/theme/templates/day.html").read_text()
    words = "{% for a in day.articles %}<!-- {{ a.body|wordcount }} -->{% endfor %}"
    (fixture_site / "templates/day.html").write_text(theme.replace("<header>", words + "<header>"))
    options = BuildOptions(root=fixture_site)
    build(options)
    _add_a_paragraph(fixture_site)
    assert DAY in build(options).written
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_a_kept_page_edited_by_hand_is_repaired(fixture_site, tmp_path):
    options = BuildOptions(root=fixture_site)
    build(options)
    page = fixture_site / "site" / DAY
    page.write_text("tampered")
    _add_a_paragraph(fixture_site)
    assert DAY in build(options).written
    assert differs_from_clean(fixture_site, tmp_path) == []


def test_an_edit_that_moves_the_article_renders_every_page_it_moved(fixture_site, tmp_path):
    # A new date, source or topic is read by the plan, not by the templates' lookups: the
    # pages it moved are rendered whatever they read (the sources page shows each source's
    # latest day, which follows from its articles' dates).
    newest = fixture_site / "content/2013/11/18/markets.md"  # the site's newest day stays
    newest.parent.mkdir()
    newest.write_text(article("Markets rally", date="2013-11-18", topics="[Economy]"))
    options = BuildOptions(root=fixture_site)
    build(options)
    path = fixture_site / "content/2013/11/16/sao-paulo-metro.md"  # its source's newest
    text = path.read_text()
    path.write_text(text.replace("date: 2013-11-16", "date: 2013-11-18", 1))
    assert "sources/index.html" in build(options).written
    assert differs_from_clean(fixture_site, tmp_path) == []
