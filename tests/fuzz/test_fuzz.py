"""Property tests over everything that reads user input: front-matter, config, slugs, the
importer, URL canonicalisation and whole builds. Any input gives articles or errors, never
an uncaught exception, a path outside the output folder, or script from content.

`python3 -m pytest tests/fuzz/test_fuzz.py --fuzz` (or `DIGEST_FUZZ=N`) runs 50 (N) times the
examples; `.ci/run` does not.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from anyascii import anyascii
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls
from sitecheck import html_files, unsafe_output, write

from digest.commands.build import BuildOptions, build
from digest.config import SiteConfig, parse_config
from digest.errors import Diagnostic, DigestError
from digest.formats.article import parse_article
from digest.formats.raw import RawArticle, parse_raw, parse_raw_bytes
from digest.incremental import records
from digest.slugs import name_key, slug_problem, slugify
from digest.urls import canonical_url, web_url_problem

pytestmark = pytest.mark.slow  # property tests over whole builds and every parser

# The "fuzz" profile (conftest: --fuzz / DIGEST_FUZZ) raises the default of 100 examples.
FUZZ_SCALE = max(1, settings.default.max_examples // 100)


def fuzz(examples: int, **kwargs) -> settings:
    return settings(
        max_examples=examples * FUZZ_SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        **kwargs,
    )


UTC = ZoneInfo("UTC")
REL = "content/x.md"

# Text that exercises what trips parsers: controls, bidi, combining marks, astral planes,
# YAML and Markdown punctuation, Windows device names.
weird_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from(
        list(":-#&*!|>'\"%@`{}[],?\\/.~ \t\n\r\x00\x1b\u200b\u202e\u0301\ufeffİßÆ𝔘🙂")
    ),
    max_size=40,
)
words = st.sampled_from(
    ["con", "NUL", "com1", "..", ".", "-", "index.html", "São Paulo", "ǅ", "ﬁ", "x" * 300, ""]
)
odd_urls = st.sampled_from(
    [
        "https://example.com/a",
        "HTTP://Example.COM:80/a/?utm_source=x#f",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "https://[::1]:99999/",
        "https://user:pw@host/",
        "http://",
        "ftp://x/",
        "https://ex ample.com/",
    ]
)
dates = st.one_of(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    # +05:41:16 (a local mean time): PyYAML dumps it as an explicit !!timestamp it cannot
    # load back, which must be an error, not a crash.
    st.datetimes(
        timezones=st.sampled_from(
            [
                None,
                dt.UTC,
                dt.timezone(dt.timedelta(hours=-3.5)),
                dt.timezone(dt.timedelta(hours=5, minutes=41, seconds=16)),
            ]
        )
    ),
    st.sampled_from(["2013-11-17", "2013-11-17T09:30:00+04:00", "Nov 17", "2013-02-30", "0"]),
)
scalars = st.one_of(
    weird_text,
    words,
    odd_urls,
    dates,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.text(max_size=5).map(lambda s: s * 2000),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(weird_text, inner, max_size=3),
    max_leaves=12,
)
KEYS = ["title", "source", "date", "url", "topics", "summary", "slug", "author", "image"]
KEYS += ["lang", "draft", "extra", "<<"]
raw_yaml_lines = st.sampled_from(
    [
        "base: &a {x: 1}",
        "alias: *a",
        "<<: *a",
        "tag: !!python/object/apply:os.system ['true']",
        "deep: " + "[" * 50 + "]" * 50,
        "title: [unclosed",
        "\t- tab",
        "? complex key\n: value",
        "---",
        "...",
        "%YAML 1.1",
        "dup: 1\ndup: 2",
    ]
)


@st.composite
def front_matter_files(draw) -> bytes:
    """A front-matter article: mostly-valid required keys, then random keys and values."""
    meta: dict = {}
    if draw(st.booleans()):
        meta = {
            "title": draw(st.one_of(st.just("A title"), weird_text)),
            "source": draw(st.one_of(st.just("The Daily"), weird_text)),
            "date": draw(st.one_of(st.just("2013-11-17"), dates)),
            "url": draw(st.one_of(st.just("https://example.com/a"), odd_urls)),
        }
    extra = draw(st.dictionaries(st.sampled_from(KEYS) | weird_text, values, max_size=5))
    meta.update(extra)
    try:
        fm = yaml.safe_dump(meta, allow_unicode=draw(st.booleans()), sort_keys=False)
    except yaml.YAMLError:
        fm = repr(meta)
    lines = fm.splitlines()
    for raw in draw(st.lists(raw_yaml_lines, max_size=2)):
        lines.insert(draw(st.integers(0, len(lines))), raw)
    body = draw(weird_text)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = bom + newline.join(["---", *lines, "---", body]) + newline
    return text.encode("utf-8", "surrogatepass")


def check_article(data: bytes) -> None:
    art, problems = parse_article(REL, data, UTC)
    # What the cache keeps of a parse is data only, and reads back as the same parse.
    record = records.encode((art, problems))
    if record is not None:
        assert records.decode(*record, UTC) == (art, problems)
    for problem in problems:
        assert isinstance(problem, Diagnostic)
        assert problem.path == REL
        assert problem.line >= 0
    if art is None:
        assert problems, "no article and no reason"
        return
    assert problems == []
    assert slug_problem(art.slug) is None, art.slug
    link = art.permalink
    assert link.startswith("/") and not link.startswith("//"), link
    assert ".." not in link.split("/"), link
    out = Path(tempfile.gettempdir()).resolve() / "out"
    assert (out / link.lstrip("/")).resolve().is_relative_to(out), link


@fuzz(200)
@given(st.binary(max_size=2000))
def test_front_matter_from_bytes(data):
    check_article(data)


@fuzz(200)
@given(weird_text.map(lambda body: "---\n" + body) | st.text(max_size=400))
def test_front_matter_from_text(text):
    check_article(text.encode("utf-8"))


@fuzz(200)
@given(front_matter_files())
def test_front_matter_from_generated_yaml(data):
    check_article(data)


# Found by test_front_matter_from_generated_yaml: an explicit YAML tag whose value does not
# fit it makes PyYAML raise ValueError/AttributeError/KeyError/IndexError rather than a
# YAMLError; each must be a located error, not a traceback.
@pytest.mark.parametrize(
    "value",
    [
        "!!timestamp 'x'",
        "!!timestamp '2013-02-30'",
        "!!timestamp '1919-01-01 00:00:00+05:41:16'",
        "!!int 'abc'",
        "!!int ''",
        "0x_",  # no tag: the implicit int resolver matches
        "!!float 'abc'",
        "!!bool 'maybe'",
        "!!binary 'a'",
        "!!set [1]",
        "!!python/name:os.system",
    ],
)
def test_explicit_yaml_tags_with_bad_values_are_errors(value):
    data = f"---\ntitle: x\nsource: {value}\ndate: 2013-11-17\nurl: https://e.com/x\n---\n"
    art, problems = parse_article(REL, data.encode(), UTC)
    assert art is None
    assert [p.line for p in problems] == [3]


@fuzz(20)
@given(st.sampled_from(["title", "source", "url", "summary", "slug", "topics"]), st.data())
def test_front_matter_with_a_very_long_value(key, data):
    long = data.draw(st.sampled_from(["a", "é ", "-", "a b ", "🙂"])) * data.draw(
        st.integers(1000, 200_000)
    )
    meta = {"title": "T", "source": "S", "date": "2013-11-17", "url": "https://e.com/x"}
    meta[key] = long if key != "url" else "https://e.com/" + long
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\nbody\n"
    check_article(text.encode())


# --- Config --------------------------------------------------------------------------------

toml_keys = st.sampled_from(
    [
        "title",
        "description",
        "base_url",
        "timezone",
        "language",
        "days_per_page",
        "per_page",
        "cname",
        "allow_html",
        "search",
        "nope",
        "topics",
    ]
)
toml_values = st.sampled_from(
    [
        '"x"',
        "0",
        "-1",
        "7",
        "1e400",
        "true",
        '"Mars/Olympus"',
        '"UTC"',
        '"https://e.com/r/"',
        '"javascript:alert(1)"',
        '"../.."',
        "[1, 2]",
        "{a = 1}",
        "1979-05-27",
        '"\\u0000"',
        "nan",
        "inf",
        '""',
        "'''\nmulti\n'''",
        "[[x]]",
    ]
)


@st.composite
def toml_texts(draw) -> str:
    lines = [f"{draw(toml_keys)} = {draw(toml_values)}" for _ in range(draw(st.integers(0, 6)))]
    if draw(st.booleans()):
        lines.append("[topics]")
        for _ in range(draw(st.integers(0, 3))):
            lines.append(f'"{draw(weird_text)}" = {draw(toml_values)}')
    return "\n".join(lines)


@fuzz(200)
@given(st.text(max_size=300) | toml_texts())
def test_config_is_a_config_or_an_error(text):
    try:
        config = parse_config(text)
    except DigestError as exc:
        assert exc.diagnostics
        assert all(d.line >= 0 for d in exc.diagnostics)
    else:
        assert isinstance(config, SiteConfig)


# --- Slugs ---------------------------------------------------------------------------------

_SLUG = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*)?_?$")


@fuzz(200)
@given(st.text(max_size=200) | weird_text | words)
def test_slugify_is_ascii_idempotent_and_valid(text):
    slug = slugify(text)
    assert _SLUG.match(slug), slug
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
    assert len(slug) <= 81  # MAX_SLUG plus the "_" of a device name
    assert slugify(slug) == slug
    if slug:
        assert slug_problem(slug) is None, slug


# --- Importer ------------------------------------------------------------------------------

raw_lines = st.sampled_from(
    [
        "Title",
        "By Jane Doe",
        "The Daily",
        "November 17, 2013",
        "https://example.com/a",
        "",
        "Topics: A, B",
        "---",
        "title: x",
        "\ufeff",
        "Source: X",
        "2013-11-17",
        "Published:",
    ]
)


@fuzz(200)
@given(st.lists(raw_lines | weird_text, max_size=12).map("\n".join) | st.text(max_size=300))
def test_importer_text_gives_an_article_or_an_error(text):
    try:
        raw = parse_raw(text, "raw.txt")
    except DigestError as exc:
        assert exc.diagnostics and all(d.path == "raw.txt" for d in exc.diagnostics)
    else:
        assert isinstance(raw, RawArticle)


@fuzz(200)
@given(st.binary(max_size=1000))
def test_importer_bytes_gives_an_article_or_an_error(data):
    try:
        raw = parse_raw_bytes(data, "raw.txt")
    except DigestError as exc:
        assert exc.diagnostics and all(d.path == "raw.txt" for d in exc.diagnostics)
    else:
        assert isinstance(raw, RawArticle)


# --- URLs ----------------------------------------------------------------------------------

url_chars = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(list("/?#&=%:@[].")),
    max_size=40,
)


@fuzz(200)
@given(
    st.sampled_from(["http://", "https://", "HTTP://", "hTTps://"]).flatmap(
        lambda scheme: url_chars.map(lambda rest: scheme + rest)
    )
    | urls()
    | st.text(max_size=60)
)
def test_canonical_url_is_total_and_idempotent(url):
    assume(web_url_problem(url) is None)
    once = canonical_url(url)
    assert canonical_url(once) == once


tracking = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "UTM_Medium", "utm_campaign", "fbclid", "gclid", "pk_x"]),
        st.text(string.ascii_letters + string.digits, max_size=8),
    ),
    min_size=1,
    max_size=3,
)


@fuzz(200)
@given(urls(), tracking, st.text(string.ascii_letters + "/-", max_size=10))
def test_tracking_parameters_and_fragments_do_not_change_the_canonical_url(url, params, frag):
    base = url.split("#", 1)[0]
    assume(web_url_problem(base) is None)
    query = "&".join(f"{k}={v}" for k, v in params)
    tracked = f"{base}{'&' if '?' in base else '?'}{query}#{frag}"
    assert canonical_url(tracked) == canonical_url(base)


# --- Whole builds --------------------------------------------------------------------------

hostile = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/svg+xml,<svg onload=alert(1)>)",
        "![x](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[r]\n\n[r]: javascript:alert(1)",
        '[q](/x" onmouseover="alert(1))',
        "<svg onload=alert(1)>",
        "`<script>`",
        "```html\n<script>alert(1)</script>\n```",
        "<!-- <script> -->",
        "[x](/../../../etc/passwd)",
        "[x](//evil.example/)",
        "\"'><b onclick=x>",
        "{{ 7*7 }} {% raw %}",
    ]
)
fragment = hostile | weird_text | words
yaml_str = fragment.map(lambda s: yaml.safe_dump(s, allow_unicode=True).split("\n...")[0].strip())


@st.composite
def fuzzed_sites(draw) -> dict[str, str]:
    files = {}
    for n in range(draw(st.integers(1, 4))):
        lines = [
            "---",
            f"title: {draw(yaml_str)}",
            f"source: {draw(yaml_str)}",
            f"date: 2013-11-{draw(st.integers(10, 12))}",
            f"url: https://example.com/{n}?q={draw(st.sampled_from(['x', '%22%3E%3Cscript%3E']))}",
        ]
        if draw(st.booleans()):
            lines.append(f"topics: [{', '.join(draw(st.lists(yaml_str, max_size=3)))}]")
        for key in draw(st.lists(st.sampled_from(["summary", "author", "image", "lang", "x"]))):
            lines.append(f"{key}: {draw(yaml_str)}")
        body = "\n\n".join(draw(st.lists(fragment, max_size=6)))
        files[f"content/2013/11/a{n}.md"] = "\n".join([*lines, "---", body]) + "\n"
    return files


@fuzz(15)
@given(fuzzed_sites(), st.sampled_from(["https://e.com/", "https://e.com/r/"]))
def test_fuzzed_sites_build_or_fail_cleanly_and_stay_safe(files, base_url):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "proj"
        write(root, {**files, "digest.toml": f'base_url = "{base_url}"\n'})
        out = root / "site"
        try:
            build(BuildOptions(root=root, jobs=1))
        except DigestError as exc:
            assert exc.diagnostics
            return
        resolved = out.resolve()
        for path in out.rglob("*"):
            assert path.resolve().is_relative_to(resolved), path
        assert html_files(out)
        assert unsafe_output(out) == []


# --- dates at the edges: the supported range, every offset, local mean times -------------

# Years around Python's limits (1, 9999), digest's range (1800-2199) and local mean times
# (Berlin's +00:53:28 until 1893), then any year at all.
EDGE_YEARS = [1, 2, 999, 1000, 1799, 1800, 1801, 1880, 1893, 1970, 2013, 2198, 2199, 2200, 9999]
# Zones whose offsets reach furthest (+14:00, -11:00), or had seconds (LMT), or have minutes.
EDGE_ZONES = [
    "UTC",
    "Pacific/Kiritimati",
    "Pacific/Niue",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Africa/Monrovia",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Asia/Riyadh",
]
RFC3339_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]([01]\d|2[0-3]):[0-5]\d)")


@st.composite
def edge_dates(draw) -> str:
    """A front-matter date: a day near an edge, maybe a time, maybe any offset from -23:59
    to +23:59, with seconds (as Python writes a local mean time) now and then."""
    if draw(st.integers(0, 4)) == 0:  # as Python writes an aware date-time, any zone
        zone = draw(st.sampled_from(EDGE_ZONES).map(ZoneInfo))
        moment = draw(st.datetimes(timezones=st.just(zone)))
        return moment.isoformat(sep=draw(st.sampled_from(["T", " "])))
    if draw(st.booleans()):  # a first or last day, where an offset crosses a year
        year = draw(st.sampled_from([1, 1799, 1800, 2199, 2200, 9999]))
        month, day = draw(st.sampled_from([(1, 1), (12, 31)]))
    else:
        year = draw(st.sampled_from(EDGE_YEARS) | st.integers(1, 9999))
        month = draw(st.sampled_from([1, 12]) | st.integers(1, 12))
        day = draw(st.sampled_from([1, 31]) | st.integers(1, 31))
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if draw(st.integers(0, 2)) == 0:
        return text
    hour = draw(st.sampled_from([0, 23]) | st.integers(0, 23))
    text += f"T{hour:02d}:{draw(st.integers(0, 59)):02d}:{draw(st.integers(0, 59)):02d}"
    kind = draw(st.sampled_from(["local", "Z", "minutes", "seconds"]))
    if kind == "local":
        return text
    if kind == "Z":
        return text + "Z"
    minutes = draw(st.sampled_from([-1439, -600, 0, 53, 840, 1439]) | st.integers(-1439, 1439))
    sign = "-" if minutes < 0 else "+"
    text += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if kind == "seconds":
        text += f":{draw(st.integers(1, 59)):02d}"
    return text


def _check_instant(value: str, where: str) -> None:
    assert RFC3339_INSTANT.fullmatch(value), (where, value)


@fuzz(300)
@given(edge_dates(), st.sampled_from(EDGE_ZONES))
def test_edge_dates_give_an_article_in_range_or_a_date_error(date, zone):
    from digest.model import FIRST_DAY, LAST_DAY, Day
    from digest.pipeline.render import rfc3339

    data = f"---\ntitle: T\nsource: S\ndate: {date}\nurl: https://e.com/x\n---\nx\n"
    art, problems = parse_article(REL, data.encode(), ZoneInfo(zone))
    if art is None:
        assert [(p.line, p.message[:6]) for p in problems] == [(4, "date: ")], problems
        assert "timedelta" not in problems[0].message, problems
        return
    assert FIRST_DAY <= art.day <= LAST_DAY, (date, zone, art.published)
    art.published.timestamp()
    _check_instant(rfc3339(art.published), date)
    year = f"{art.day.year:04d}"
    assert art.permalink.startswith(f"/{year}/"), art.permalink
    assert Day(art.day, (art,)).permalink == art.permalink[: len("/YYYY/MM/DD/")]


_DATETIME_ATTR = re.compile(r'(?:datetime|content)="(\d{4}-[^"]*)"')
_FEED_DATE = re.compile(r"<(?:published|updated)>([^<]*)</")


@fuzz(20)
@given(st.lists(edge_dates(), min_size=1, max_size=3), st.sampled_from(EDGE_ZONES))
def test_sites_with_edge_dates_write_valid_dates_or_fail_at_the_date(dates, zone):
    import feedparser

    files = {
        f"content/a{n}.md": (
            f"---\ntitle: Story {n}\nsource: S\ndate: {date}\nurl: https://e.com/{n}\n---\nx\n"
        )
        for n, date in enumerate(dates)
    }
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "proj"
        write(root, {**files, "digest.toml": f'timezone = "{zone}"\n'})
        out = root / "site"
        try:
            build(BuildOptions(root=root, jobs=1))
        except DigestError as exc:
            for problem in exc.diagnostics:
                assert problem.path in files and problem.line == 4, problem
                assert problem.message.startswith("date: "), problem
            return
        for path in out.iterdir():  # year folders: four digits, like every link to them
            assert not path.name.isdigit() or len(path.name) == 4, path.name
        for path in html_files(out):
            for value in _DATETIME_ATTR.findall(path.read_text("utf-8")):
                if "T" in value:
                    _check_instant(value, str(path))
                else:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (path, value)
        for path in out.rglob("*.xml"):
            text = path.read_text("utf-8")
            for value in _FEED_DATE.findall(text):
                _check_instant(value, str(path))
            if "<feed" in text:
                assert not feedparser.parse(text).bozo, path


# --- Names from the whole world (docs/reliability.md, "Hardening round 2") ----------------

SCRIPTS = {
    "Cyrillic": (0x0400, 0x04FF),
    "Greek": (0x0370, 0x03FF),
    "Arabic": (0x0600, 0x06FF),
    "Hebrew": (0x0590, 0x05FF),
    "CJK": (0x4E00, 0x9FFF),
    "kana": (0x3040, 0x30FF),
}
script_letters = st.one_of(
    st.characters(min_codepoint=low, max_codepoint=high, categories=["Lu", "Ll", "Lo"])
    for low, high in SCRIPTS.values()
).filter(lambda c: any(a.isalnum() for a in anyascii(c)))  # not ъ, ь, alef: no sound alone
script_names = st.lists(script_letters, min_size=1, max_size=8).map("".join) | st.lists(
    st.lists(script_letters, min_size=1, max_size=6).map("".join), min_size=2, max_size=3
).map(" ".join)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML flow scalars


def _build_or_errors(files: dict[str, str]) -> tuple[set[str] | None, list[Diagnostic]]:
    """Build ``files`` in a throwaway project: (the output's paths, None) or (None, the
    errors). Anything else raised, an OSError say, fails the test."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "proj"
        write(root, files)
        try:
            build(BuildOptions(root=root, jobs=1))
        except DigestError as exc:
            assert exc.diagnostics
            return None, exc.diagnostics
        out = root / "site"
        return {p.relative_to(out).as_posix() for p in out.rglob("*")}, []


def _name_clash(diagnostic: Diagnostic) -> bool:
    return "are different names with one slug" in diagnostic.message and diagnostic.line > 0


@fuzz(10)
@given(
    st.lists(
        st.tuples(script_names, script_names, st.lists(script_names, max_size=3)),
        min_size=1,
        max_size=3,
    )
)
def test_names_in_any_script_build_with_ascii_paths(articles):
    files = {}
    for n, (title, source, topics) in enumerate(articles):
        files[f"content/2013/11/1{n}/{title}.md"] = (
            f"---\ntitle: {_quoted(title)}\nsource: {_quoted(source)}\ndate: 2013-11-1{n}\n"
            f"url: https://e.com/{n}\ntopics: [{', '.join(map(_quoted, topics))}]\n---\nBody.\n"
        )
    paths, errors = _build_or_errors(files)
    if paths is None:
        # Two readings alike (北 and 被 are both "bei"): refused, naming both, never merged.
        assert all(_name_clash(d) for d in errors), errors
        return
    assert all(p.isascii() for p in paths), sorted(p for p in paths if not p.isascii())
    for _title, source, topics in articles:
        assert f"sources/{slugify(source)}/index.html" in paths
        for topic in topics:
            assert f"topics/{slugify(topic)}/index.html" in paths


_ALIKE = [
    lambda x: x,
    lambda x: x + "+",
    lambda x: x + "++",
    lambda x: x + "#",
    lambda x: x.upper(),
    lambda x: x.lower(),
    lambda x: f" {x} ",
    lambda x: x + ".",
    lambda x: f"{x[:1]}.{x[1:]}",
    lambda x: f"{x[:1]}-{x[1:]}",
    lambda x: f"{x[:1]} {x[1:]}",
    lambda x: f"{x[:1]}&{x[1:]}",
    lambda x: x.replace("a", "á").replace("o", "ø"),
    lambda x: "#" + x,
]


@fuzz(15)
@given(
    st.text(string.ascii_letters, min_size=2, max_size=5),
    st.lists(
        st.lists(st.sampled_from(range(len(_ALIKE))), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
    st.booleans(),
)
def test_slug_alike_names_are_kept_apart_or_refused(base, choices, as_source):
    per_article = [[_ALIKE[i](base) for i in picks] for picks in choices]
    files = {}
    for n, names in enumerate(per_article):
        source = _quoted(names[0]) if as_source else "S"
        topics = ", ".join(map(_quoted, names))
        files[f"content/a{n}.md"] = (
            f"---\ntitle: T{n}\nsource: {source}\ndate: 2013-11-17\nurl: https://e.com/{n}\n"
            f"topics: [{topics}]\n---\nBody.\n"
        )
    paths, errors = _build_or_errors(files)
    used = {" ".join(name.split()) for names in per_article for name in names}
    by_slug: dict[str, set[str]] = {}
    for name in used:
        by_slug.setdefault(slugify(name), set()).add(name_key(name))
    if paths is None:
        assert all(_name_clash(d) for d in errors), errors
        assert any(len(keys) > 1 for keys in by_slug.values())
        return
    # Built: no page stands for two names.
    assert all(len(keys) == 1 for keys in by_slug.values()), by_slug
    for slug in by_slug:
        assert f"topics/{slug}/index.html" in paths


slug_chars = st.sampled_from([*string.ascii_lowercase, *string.digits, *"-._~", "é", "北", "🙂"])


@fuzz(15)
@given(
    st.text(slug_chars, min_size=1, max_size=20),
    st.integers(1, 40),
    st.sampled_from(["slug", "stem", "title"]),
)
def test_long_slugs_are_a_located_error_or_a_build(text, times, where):
    # Up to 400 bytes; a file name up to 250 (file systems take 255).
    limit = 250 if where == "stem" else 400
    slug = (text * times).encode()[:limit].decode("utf-8", "ignore")
    assume(slug.strip())
    lines = ["---", f"title: {_quoted(slug if where == 'title' else 'T')}", "source: S"]
    lines += ["date: 2013-11-17", "url: https://e.com/x"]
    if where == "slug":
        lines.append(f"slug: {_quoted(slug)}")
    stem = slug if where == "stem" else "x"
    paths, errors = _build_or_errors({f"content/{stem}.md": "\n".join([*lines, "---", "B\n"])})
    if paths is None:
        assert all(d.path == f"content/{stem}.md" for d in errors), errors
        return
    assert all(len(part.encode()) <= 210 for p in paths for part in p.split("/")), paths
