"""Dates at the edges (the supported range, local mean time offsets, odd spellings) and the
settings that shape every page (``language``, a ``digest.toml`` saved by Windows tools)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
from conftest import article, snapshot

from digest import model
from digest.cli import main
from digest.commands.new import new_article
from digest.errors import DigestError
from digest.pipeline.render import rfc3339

GOOD = {"content/2013/11/17/good.md": article("Good news", url="https://example.com/good")}
RANGE = "outside the supported range 1800-01-01 to 2199-12-31"


def _run(root: Path, *args: str) -> tuple[int, str]:
    import io
    from contextlib import redirect_stderr

    err = io.StringIO()
    # A published site (base_url given), so that a build's only warnings are about dates.
    published = ["--base-url", "https://example.org/"] if args[0] in ("build", "check") else []
    with redirect_stderr(err):
        code = main([*args, "--root", str(root), *published])
    return code, err.getvalue()


# --- 1. the supported range -------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "date", "message"),
    [
        (
            "Pacific/Kiritimati",
            "9999-12-31T23:00:00-10:00",
            f"date: '9999-12-31T23:00:00-10:00' is {RANGE}",
        ),
        ("UTC", "0001-01-01", f"date: '0001-01-01' is {RANGE}"),
        ("UTC", "1799-12-31", f"date: '1799-12-31' is {RANGE}"),
        ("UTC", "2200-01-01T00:00", f"date: '2200-01-01T00:00' is {RANGE}"),
        # In range as written, out of it in the site's timezone:
        (
            "Pacific/Kiritimati",
            "2199-12-31T23:00:00-10:00",
            "date: '2199-12-31T23:00:00-10:00' is 2200-01-01 in the site's timezone "
            f"(Pacific/Kiritimati), {RANGE}",
        ),
        (
            "Pacific/Niue",
            "1800-01-01T00:30:00+05:00",
            "date: '1800-01-01T00:30:00+05:00' is 1799-12-31 in the site's timezone "
            f"(Pacific/Niue), {RANGE}",
        ),
    ],
)
def test_dates_outside_the_range_are_located_errors(make_site, timezone, date, message):
    root = make_site({**GOOD, "digest.toml": f'timezone = "{timezone}"\n'})
    assert _run(root, "build")[0] == 0
    before = snapshot(root / "site")
    (root / "content/bad.md").write_text(article("Bad", date=date))
    for command in ("build", "check"):
        code, err = _run(root, command)
        assert code == 1
        assert f"content/bad.md:4: error: {message}\n" in err, err
        assert "Traceback" not in err
        assert snapshot(root / "site") == before
    code, err = _run(root, "build", "--keep-going")
    assert code == 0
    assert f"content/bad.md:4: warning: {message}\n" in err, err
    assert "Bad" not in (root / "site/index.html").read_text()


def test_digest_new_reports_a_date_outside_the_range_as_the_option(make_site):
    root = make_site({"digest.toml": 'title = "X"\n'})
    with pytest.raises(DigestError) as exc:
        new_article(root, "X", "S", "https://e.com/x", "0001-01-01T00:30:00+05:00", [])
    assert [d.format() for d in exc.value.diagnostics] == [
        f"--date: error: '0001-01-01T00:30:00+05:00' is {RANGE}"
    ]
    assert not (root / "content").exists()


# --- 2. four-digit years everywhere -----------------------------------------------------


def test_day_paths_always_have_four_digit_years():
    assert model.Day(dt.date(5, 1, 2), ()).permalink == "/0005/01/02/"
    assert model.day_path(dt.date(1, 1, 1)) == "/0001/01/01/"
    assert model.day_path(dt.datetime(987, 6, 5, 4, 3)) == "/0987/06/05/"


@pytest.mark.parametrize("date", ["1800-01-01", "2199-12-31T23:59:59"])
def test_the_range_boundaries_build_with_one_folder_per_year(make_site, date):
    root = make_site({"content/edge.md": article("Edge", date=date)})
    assert _run(root, "build")[0] == 0
    year, month, day = date[:10].split("-")
    site = root / "site"
    assert (site / year / month / day / "index.html").is_file()
    assert (site / year / month / day / "edge/index.html").is_file()
    assert (site / year / month / "index.html").is_file()
    assert (site / year / "index.html").is_file()
    folders = sorted(p.name for p in site.iterdir() if p.is_dir() and p.name.isdigit())
    assert folders == [year]
    home = (site / "index.html").read_text()
    assert f'href="/{year}/{month}/{day}/"' in home
    assert f'href="/{year}/{month}/{day}/edge/"' in home
    topics = (site / "sources/the-daily/index.html").read_text()
    assert f'href="/{year}/{month}/{day}/"' in topics


# --- 3. whole-minute offsets in output ---------------------------------------------------


def test_rfc3339_writes_offsets_with_seconds_in_utc():
    berlin = dt.timezone(dt.timedelta(minutes=53, seconds=28))
    assert rfc3339(dt.datetime(1880, 6, 1, 12, 0, tzinfo=berlin)) == "1880-06-01T11:06:32Z"
    plus_one = dt.timezone(dt.timedelta(hours=1))
    assert rfc3339(dt.datetime(2013, 11, 17, 9, 30, 5, 999, tzinfo=plus_one)) == (
        "2013-11-17T09:30:05+01:00"
    )
    assert rfc3339(dt.datetime(2013, 11, 17, tzinfo=dt.UTC)) == "2013-11-17T00:00:00Z"


DATETIME_ATTR = re.compile(r'datetime="([^"]*)"')
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?")


def test_local_mean_time_is_written_in_utc_in_feeds_and_pages(make_site):
    root = make_site(
        {
            "digest.toml": 'timezone = "Europe/Berlin"\nbase_url = "https://e.com/"\n',
            "content/old.md": article("Old", date="1880-06-01T12:00:00"),
            "content/day.md": article("Day only", date="1880-06-02"),
        }
    )
    assert _run(root, "build")[0] == 0
    site = root / "site"
    for feed in ("feed.xml", "digests.xml", "sources/the-daily/feed.xml"):
        text = (site / feed).read_text()
        assert "+00:53" not in text, feed
        parsed = feedparser.parse(text)
        assert not parsed.bozo, (feed, parsed.bozo_exception)
        for entry in parsed.entries:
            assert entry.published_parsed and entry.updated_parsed, feed
    atom = (site / "feed.xml").read_text()
    assert "<published>1880-06-01T11:06:32Z</published>" in atom
    assert "<published>1880-06-01T23:06:32Z</published>" in atom  # midnight of June 2
    page = (site / "1880/06/01/old/index.html").read_text()
    assert 'datetime="1880-06-01T11:06:32Z"' in page
    assert 'content="1880-06-01T11:06:32Z"' in page  # article:published_time
    for path in site.rglob("*.html"):
        for value in DATETIME_ATTR.findall(path.read_text()):
            assert RFC3339.fullmatch(value), (path, value)


# --- 4. language ------------------------------------------------------------------------


def test_language_setting_must_be_a_language_tag(make_site):
    root = make_site({**GOOD, "digest.toml": 'title = "X"\n\nlanguage = "English"\n'})
    code, err = _run(root, "build")
    assert code == 1
    assert err.startswith(
        "digest.toml:3: error: language: 'English' is not a language tag (e.g. 'en', 'pt-BR')\n"
    ), err


@pytest.mark.parametrize("tag", ["pt-BR", "zh-Hant-TW", "sr-Latn", "en", "de-CH-1996", "es-419"])
def test_language_tags_that_pass_in_settings_and_front_matter(make_site, tag):
    root = make_site(
        {
            "digest.toml": f'language = "{tag}"\nbase_url = "https://example.org/"\n',
            "content/a.md": article("A", lang=tag),
        }
    )
    code, err = _run(root, "build")
    # A language the theme has no words in is built with English words and says so, once.
    shipped = tag.split("-")[0] in {"en", "de", "es", "fr", "pt", "ru", "ar"}
    assert (code, err.count("warning:")) == (0, 0 if shipped else 1), err
    assert f'<html lang="{tag}"' in (root / "site/index.html").read_text()


@pytest.mark.parametrize("tag", ["English", "en_US", "xx", "eng", "en-", "e", "en--US"])
def test_tags_that_are_not_language_tags_are_refused_in_both_places(make_site, tag):
    root = make_site({"digest.toml": f'language = "{tag}"\n', **GOOD})
    code, err = _run(root, "check")
    assert code == 1
    assert err.splitlines() == [
        f"digest.toml:1: error: language: {tag!r} is not a language tag (e.g. 'en', 'pt-BR')",
        "1 error; nothing written",
    ]
    root = make_site({"content/a.md": article("A", lang=tag)}, name="second")
    code, err = _run(root, "check")
    assert code == 1
    assert f"content/a.md:6: error: lang: {tag!r} is not a language tag (e.g. 'en', 'pt-BR')" in err


# --- 5. rough edges ---------------------------------------------------------------------


def test_config_with_a_bom_and_crlf_line_endings_is_read(make_site):
    text = '\ufefftitle = "Windows"\r\ntimezone = "Europe/Berlin"\r\n'
    root = make_site({**GOOD, "digest.toml": text.encode("utf-8")})
    assert _run(root, "build") == (0, "")
    assert "<title>Windows</title>" in (root / "site/index.html").read_text()


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_config_line_numbers_count_crlf_and_cr_lines(make_site, newline):
    text = newline.join(["\ufeff# settings", 'title = "X"', "per_page = 0", ""])
    root = make_site({**GOOD, "digest.toml": text.encode("utf-8")})
    code, err = _run(root, "check")
    assert code == 1
    assert err.startswith("digest.toml:3: error: per_page: must be at least 1, got 0\n"), err


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (
            "2013-11-17T10:00+25:00",
            "'2013-11-17T10:00+25:00' has an offset of +25:00; offsets are between -23:59 "
            "and +23:59",
        ),
        (
            "2013-11-17T10:00-24:00",
            "'2013-11-17T10:00-24:00' has an offset of -24:00; offsets are between -23:59 "
            "and +23:59",
        ),
        (
            "2013-11-17T10:00+05:60",
            "'2013-11-17T10:00+05:60' has an offset of +05:60; offsets are between -23:59 "
            "and +23:59",
        ),
        (
            "1880-06-01T12:00:00+00:53:28",
            "'1880-06-01T12:00:00+00:53:28' has an offset of +00:53:28; offsets are whole "
            "minutes (e.g. +00:53)",
        ),
        ("2013-13-01", "'2013-13-01' is not a date (there is no month 13)"),
        ("2013-00-10", "'2013-00-10' is not a date (there is no month 00)"),
        ("2013-02-30", "'2013-02-30' is not a date (February 2013 has 28 days)"),
        ("2012-02-30", "'2012-02-30' is not a date (February 2012 has 29 days)"),
        ("2013-11-00", "'2013-11-00' is not a date (there is no day 00)"),
        (
            "2013-11-17T24:00",
            "'2013-11-17T24:00' is not a date (hours are 00 to 23: write 00:00 of the next day)",
        ),
        ("2013-11-17T10:60", "'2013-11-17T10:60' is not a date (minutes are 00 to 59)"),
        (
            "2013-11-17T10:00:60",
            "'2013-11-17T10:00:60' is not a date (seconds are 00 to 59; leap seconds are not "
            "supported)",
        ),
        (
            "2013-11-17T10",
            "'2013-11-17T10' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)",
        ),
    ],
)
def test_odd_dates_have_clear_messages(make_site, date, message):
    root = make_site({"content/bad.md": article("Bad", date=date)})
    code, err = _run(root, "check")
    assert code == 1
    assert err.startswith(f"content/bad.md:4: error: date: {message}\n"), err


@pytest.mark.parametrize(
    ("date", "published"),
    [
        ("2013-11-17t10:00z", "2013-11-17T10:00:00Z"),
        ("2013-11-17 10:00:00.5", "2013-11-17T10:00:00Z"),
        ("2013-11-17T10:00:00.123456789+01:00", "2013-11-17T09:00:00Z"),
        ("2013-11-17T10:00+0530", "2013-11-17T04:30:00Z"),
        ("2013-11-17T10:00-00:00", "2013-11-17T10:00:00Z"),
    ],
)
def test_accepted_spellings_of_a_date_time(make_site, date, published):
    root = make_site({"content/a.md": article("A", date=date)})
    assert _run(root, "build") == (0, "")
    assert f"<published>{published}</published>" in (root / "site/feed.xml").read_text()
