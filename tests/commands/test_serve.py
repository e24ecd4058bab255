"""``digest serve``: the request mapping and live-reload state in-process, then the server
as a user runs it: responses, base path, 404s, traversal attempts, the event stream."""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import article, run_digest
from processes import (
    DEADLINE,
    DigestProcess,
    Served,
    serve_site,
    text,
    wait_until,
)

from digest.commands.build import BuildResult
from digest.commands.livereload import LiveState, inject, needs_reload, url_path
from digest.commands.serve_paths import content_type, resolve
from digest.errors import Diagnostic


@pytest.fixture
def served(make_site):  # type: ignore[no-untyped-def]
    root = serve_site(make_site)
    with DigestProcess("serve", "--root", root, "--port", "0") as proc:
        yield Served(proc, root)


def script_attrs(body: bytes) -> dict[str, str]:
    m = re.search(rb'<script src="/__digest/reload\.js" ([^>]*)></script>\n</body>', body)
    assert m, body[-300:]
    return {k.decode(): v.decode() for k, v in re.findall(rb'data-(\w+)="([^"]*)"', m.group(1))}


def test_pages_assets_and_feeds(served):
    assert served.base == "/news/"
    status, headers, body = served.get("/news/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert int(headers["content-length"]) == len(body)
    assert b"Alpha story" in body
    assert script_attrs(body)["pages"] == "/news/"

    status, headers, body = served.get("/news/2013/11/17/alpha/")
    assert status == 200 and b"Alpha story" in body
    assert script_attrs(body)["pages"] == "/news/2013/11/17/alpha/"
    status, _, body2 = served.get("/news/2013/11/17/alpha/index.html")
    assert status == 200 and script_attrs(body2)["pages"] == "/news/2013/11/17/alpha/"

    status, headers, body = served.get("/news/assets/style.css")
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    assert body == (served.root / "site/assets/style.css").read_bytes()  # nothing injected
    status, headers, body = served.get("/news/feed.xml")
    assert status == 200 and headers["content-type"] == "application/xml; charset=utf-8"
    assert b"__digest" not in body
    status, headers, body = served.get("/news/robots.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")

    status, headers, body = served.get("/news/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0

    status, headers, body = served.get("/__digest/reload.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in body

    # the script is the server's: never in the built files
    for path in (served.root / "site").rglob("*"):
        if path.is_file():
            assert b"__digest" not in path.read_bytes(), path


def test_base_path_redirects_and_404(served):
    status, headers, _ = served.get("/")
    assert status in (301, 302) and headers["location"] == "/news/"
    status, headers, _ = served.get("/news")
    assert status == 301 and headers["location"] == "/news/"
    status, headers, _ = served.get("/news/2013/11/17?x=1")
    assert status == 301 and headers["location"] == "/news/2013/11/17/"

    expected_404 = (served.root / "site/404.html").read_bytes()
    for missing in ("/news/no/such/page/", "/news/missing.html", "/elsewhere/", "/favicon.ico"):
        status, headers, body = served.get(missing)
        assert status == 404, missing
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert b"Page not found" in body
        assert body.startswith(expected_404[: expected_404.lower().rfind(b"</body>")])
        assert "/news/404.html" in script_attrs(body)["pages"].split()
    status, _, _ = served.get("/news/no/such/page/", method="HEAD")
    assert status == 404


@pytest.mark.slow  # a digest serve process
def test_site_at_the_domain_root(make_site):
    root = serve_site(make_site, toml='title = "Root"\n')
    with DigestProcess("serve", "--root", root, "--port", "0") as proc:
        served = Served(proc, root)
        assert served.base == "/"
        status, _, body = served.get("/")
        assert status == 200 and b"Alpha story" in body
        status, _, body = served.get("/2013/11/17/beta/")
        assert status == 200 and b"Beta story" in body
        status, _, body = served.get("/nothing/")
        assert status == 404 and b"Page not found" in body


TRAVERSALS = [
    "/../etc/passwd",
    "/news/../../etc/passwd",
    "/news/../../../../../../etc/passwd",
    "/news/%2e%2e/%2e%2e/etc/passwd",
    "/news/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/news/..%2f..%2f..%2fetc%2fpasswd",
    "/news/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/news/%252e%252e/%252e%252e/etc/passwd",
    "/news/..\\..\\..\\etc\\passwd",
    "/news/%5c..%5c..%5cetc%5cpasswd",
    "/news/index.html%00.css",
    "/news/%ff%fe",
    "//etc/passwd",
    "/news//etc/passwd",
    "/news/./../../etc/passwd",
    "/news/etc/passwd",  # a symlink in the output leading to /etc
    "/news/passwd.txt",  # a symlink in the output leading to /etc/passwd
    "/news/etc/",
]


def test_nothing_outside_the_output_is_served(served):
    site = served.root / "site"
    os.symlink("/etc", site / "etc")
    os.symlink("/etc/passwd", site / "passwd.txt")
    secret = served.root / "secret.txt"
    secret.write_text("root:secret-outside-the-output\n")
    os.symlink(secret, site / "secret.txt")
    for path in [*TRAVERSALS, "/news/secret.txt", "/news/../secret.txt"]:
        status, _, body = served.get(path)
        assert status in (400, 403, 404), (path, status)
        assert b"root:" not in body, path
    (site / "404.html").unlink()
    os.symlink(secret, site / "404.html")  # not even the not-found page may lead out
    status, _, body = served.get("/news/missing/")
    assert status == 404 and b"root:" not in body and b"404 Not found" in body
    assert "Traceback" not in "\n".join(served.proc.err)


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_malformed_and_other_requests(served):
    assert b"400" in raw_request(served.port, b"GARBAGE\r\n\r\n")
    assert b"400" in raw_request(served.port, b"GET /news/ NOT-HTTP\r\n\r\n")
    assert b"505" in raw_request(served.port, b"GET /news/ HTTP/9.9\r\n\r\n")
    status, _, _ = served.get("/news/", method="POST")
    assert status in (405, 501)
    status, _, _ = served.get("/news/", method="GET")
    assert status == 200
    assert "Traceback" not in "\n".join(served.proc.err)


def test_event_stream_tells_a_page_when_it_changed(served):
    _, _, body = served.get("/news/2013/11/17/alpha/")
    attrs = script_attrs(body)
    query = f"page={attrs['pages']}&epoch={attrs['epoch']}&since={attrs['version']}"
    alpha = served.events(query)
    _, _, body = served.get("/news/2013/11/17/beta/")
    beta = served.events(
        f"page=/news/2013/11/17/beta/&epoch={attrs['epoch']}&since={attrs['version']}"
    )
    try:
        event_id, first = alpha.next()
        assert event_id == f"{attrs['epoch']}:{attrs['version']}"
        assert first == {
            "version": int(attrs["version"]),
            "reload": False,
            "changed": [],
            "errors": [],
        }
        assert beta.next()[1]["reload"] is False

        # beta's body changes: beta's page reloads, alpha's does not
        mark = served.proc.mark()
        source = served.root / "content/2013/11/17/beta.md"
        source.write_text(article("Beta story", topics="[Syria]", body="A new body."))
        served.proc.wait_line(r"^rebuilt in ", mark)
        _, message = beta.next()
        assert message["reload"] is True
        assert "/news/2013/11/17/beta/" in message["changed"]
        assert message["errors"] == []
        _, message = alpha.next()
        assert message["reload"] is False
        assert "/news/2013/11/17/alpha/" not in message["changed"]

        # a page served before a change that connects after it still learns of it
        late = served.events(query)
        try:
            assert late.next()[1]["reload"] is False  # beta's change did not touch alpha
            source = served.root / "content/2013/11/17/alpha.md"
            mark = served.proc.mark()
            source.write_text(article("Alpha story, retitled", topics="[Syria]"))
            served.proc.wait_line(r"^rebuilt in ", mark)
            assert late.next()[1]["reload"] is True
            stale = served.events(query)  # since the version the page was served at
            try:
                assert stale.next()[1]["reload"] is True
            finally:
                stale.close()
        finally:
            late.close()
    finally:
        alpha.close()
        beta.close()


def test_event_stream_carries_build_errors_until_fixed(served):
    _, _, body = served.get("/news/2013/11/17/alpha/")
    attrs = script_attrs(body)
    stream = served.events(f"page={attrs['pages']}&epoch={attrs['epoch']}&since={attrs['version']}")
    try:
        assert stream.next()[1]["errors"] == []
        source = served.root / "content/2013/11/17/alpha.md"
        source.write_text(article("Alpha <b>story</b>", date="<b>Nov</b> 17"))
        _, message = stream.next()
        assert message["errors"] == [
            "content/2013/11/17/alpha.md:4: error: date: '<b>Nov</b> 17' is not a date "
            "(expected YYYY-MM-DD or an ISO 8601 date-time)"
        ]

        # a page opened while the error persists hears of it at once
        opened = served.events(
            f"page={attrs['pages']}&epoch={attrs['epoch']}&since={attrs['version']}"
        )
        try:
            assert opened.next()[1]["errors"][0].startswith("content/2013/11/17/alpha.md:4:")
        finally:
            opened.close()
        status, _, body = served.get("/news/2013/11/17/alpha/")
        assert status == 200 and b"Alpha story" in body  # the last good output

        source.write_text(article("Alpha story, fixed", topics="[Syria]"))
        _, message = stream.next()
        assert message["errors"] == []
        assert message["reload"] is True
        wait_until(lambda: "fixed" in text(served.root / "site/2013/11/17/alpha/index.html"))
    finally:
        stream.close()


def test_client_disconnects_are_quiet(served):
    streams = [served.events() for _ in range(5)]
    for stream in streams:
        stream.next()
        stream.close()  # the browser went away
    (served.root / "content/2013/11/17/beta.md").write_text(article("Beta, again"))
    served.proc.wait_line(r"^rebuilt in ")
    status, _, _ = served.get("/news/")
    assert status == 200
    time.sleep(0.3)
    assert "Traceback" not in "\n".join(served.proc.err)
    assert not [ln for ln in served.proc.err if "Broken" in ln or "reset" in ln]


def test_ctrl_c_stops_the_server_promptly(served):
    stream = served.events()
    stream.next()
    try:
        code, seconds = served.proc.interrupt()
    finally:
        stream.close()
    assert code == 0
    assert seconds < 2.0
    assert "Traceback" not in "\n".join(served.proc.err)


@pytest.mark.slow  # a digest serve process
def test_a_busy_port_is_a_clear_error(make_site):
    root = serve_site(make_site)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with DigestProcess("serve", "--root", root, "--port", str(port)) as proc:
            assert proc.proc.wait(timeout=DEADLINE) == 2
            proc.wait_line(rf"cannot listen on 127\.0\.0\.1:{port}", stream="err")


@pytest.mark.slow  # a digest serve process
def test_bad_port_is_bad_usage_and_a_missing_root_an_error(make_site, tmp_path):
    root = serve_site(make_site)
    result = run_digest("serve", "--root", root, "--port", "70000", timeout=DEADLINE)
    assert (result.code, result.err) == (2, "digest: error: --port 70000: not a port (0-65535)\n")
    result = run_digest("serve", "--root", tmp_path / "nowhere", "--port", "0", timeout=DEADLINE)
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith(f"{tmp_path / 'nowhere'}: error: not a site project")


# -- the parts, in-process ----------------------------------------------------------------


@pytest.fixture
def output(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "2013/11/17/x").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>home</body></html>")
    (site / "2013/11/17/x/index.html").write_text("x")
    (site / "feed.xml").write_text("<feed/>")
    (site / "dir-no-index").mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", site / "link-out.txt")
    os.symlink(site / "feed.xml", site / "link-in.xml")
    os.symlink("/etc", site / "etc")
    return site


@pytest.mark.parametrize(
    ("base", "raw", "status", "rel", "location"),
    [
        ("/", "/", 200, "index.html", ""),
        ("/", "/index.html", 200, "index.html", ""),
        ("/", "/feed.xml?x=1", 200, "feed.xml", ""),
        ("/", "/2013/11/17/x/", 200, "2013/11/17/x/index.html", ""),
        ("/", "/2013/11/17/x", 301, "", "/2013/11/17/x/"),
        ("/", "/2013//11/./17/x/", 200, "2013/11/17/x/index.html", ""),
        ("/", "/%32%30%31%33/11/17/x/", 200, "2013/11/17/x/index.html", ""),
        ("/", "/dir-no-index/", 404, "", ""),
        ("/", "/missing", 404, "", ""),
        ("/", "/link-in.xml", 200, "link-in.xml", ""),
        ("/", "/link-out.txt", 403, "", ""),
        ("/", "/etc/passwd", 403, "", ""),
        ("/", "/etc", 403, "", ""),
        ("/", "/../outside.txt", 400, "", ""),
        ("/", "/%2e%2e/outside.txt", 400, "", ""),
        ("/", "/x/..%2F..%2Foutside.txt", 400, "", ""),
        ("/", "/..\\outside.txt", 400, "", ""),
        ("/", "/a%00b", 400, "", ""),
        ("/", "/%c3%28", 400, "", ""),
        ("/", "relative", 400, "", ""),
        ("/", "http://example.org/feed.xml", 200, "feed.xml", ""),
        ("/news/", "/", 302, "", "/news/"),
        ("/news/", "/news", 301, "", "/news/"),
        ("/news/", "/news/", 200, "index.html", ""),
        ("/news/", "/news/2013/11/17/x", 301, "", "/news/2013/11/17/x/"),
        ("/news/", "/newsroom/", 404, "", ""),
        ("/news/", "/feed.xml", 404, "", ""),
        ("/news/", "/news/../feed.xml", 400, "", ""),
        ("/my%20site/", "/my%20site/feed.xml", 200, "feed.xml", ""),
        ("/my%20site/", "/", 302, "", "/my%20site/"),
    ],
)
def test_resolve(output, base, raw, status, rel, location):
    target = resolve(output, base, raw)
    assert (target.status, target.rel, target.location) == (status, rel, location)
    if status == 200:
        assert Path(target.file).is_file()
        assert Path(target.file).resolve().is_relative_to(output.resolve())


def test_resolve_looks_up_the_output_by_path_every_time(output, tmp_path):
    assert resolve(output, "/", "/feed.xml").status == 200
    other = tmp_path / "other"
    other.mkdir()
    (other / "new.xml").write_text("<new/>")
    os.rename(output, tmp_path / "old")
    os.rename(other, output)  # a build swapped the folder
    assert resolve(output, "/", "/new.xml").status == 200
    assert resolve(output, "/", "/feed.xml").status == 404


def test_url_path_and_content_type():
    assert url_path("index.html", "/news/") == "/news/"
    assert url_path("2013/11/17/x/index.html", "/news/") == "/news/2013/11/17/x/"
    assert url_path("404.html", "/") == "/404.html"
    assert url_path("topics/são/index.html", "/") == "/topics/s%C3%A3o/"
    assert content_type("a/index.html") == "text/html; charset=utf-8"
    assert content_type("assets/style.css") == "text/css; charset=utf-8"
    assert content_type("feed.xml") == "application/xml; charset=utf-8"
    assert content_type("CNAME") == "text/plain; charset=utf-8"
    assert content_type("img/a.png") == "image/png"
    assert content_type("blob.unknownext") == "application/octet-stream"


def test_inject_before_the_last_body_end_tag():
    tag = b"<script></script>"
    assert inject(b"<p>x</p></BODY></html>", tag) == b"<p>x</p><script></script></BODY></html>"
    assert inject(b"<p>x</body></p></body>", tag) == b"<p>x</body></p><script></script></body>"
    assert inject(b"<p>no body</p>", tag) == b"<p>no body</p><script></script>"


def test_needs_reload():
    me = ["/news/a/"]
    assert needs_reload(None, me)
    assert needs_reload(frozenset({"/news/a/", "/news/"}), me)
    assert not needs_reload(frozenset(), me)
    assert not needs_reload(frozenset({"/news/b/", "/news/feed.xml", "/news/robots.txt"}), me)
    assert not needs_reload(frozenset({"/news/.nojekyll", "/news/404.html"}), me)
    assert needs_reload(frozenset({"/news/assets/style.css"}), me)
    assert needs_reload(frozenset({"/news/img/logo.png"}), me)


def test_live_state_history():
    state = LiveState("/news/")
    result = BuildResult(written=["index.html", "a/index.html"], removed=["old/index.html"])
    state.build_finished(result, [], "/news/")
    assert state.version == 1
    epoch = state.epoch
    assert state.since(epoch, 0) == (1, frozenset({"/news/", "/news/a/", "/news/old/"}), [])
    assert state.since(epoch, 1) == (1, frozenset(), [])

    state.build_finished(BuildResult(), [], "/news/")  # nothing changed: nothing to tell
    assert state.version == 1

    error = Diagnostic("content/a.md", 4, "date: bad")
    state.build_finished(None, [error], None)
    assert state.since(epoch, 1) == (2, frozenset(), ["content/a.md:4: error: date: bad"])
    state.build_finished(None, [error], None)  # the same errors again: nothing new
    assert state.version == 2

    state.build_finished(BuildResult(written=["b/index.html"]), [], "/news/")
    assert state.since(epoch, 1) == (3, frozenset({"/news/b/"}), [])
    assert state.since(epoch, 0)[1] == frozenset({"/news/", "/news/a/", "/news/old/", "/news/b/"})
    assert state.since("another-run", 3)[1] is None  # pages of an earlier server run
    assert state.since(epoch, 99)[1] is None
    assert state.since("", 0)[1] == frozenset()  # no page identity: nothing to reload

    state.build_finished(BuildResult(written=["b/index.html"]), [], "/")  # base path moved
    assert state.base_path == "/" and state.since(epoch, 3)[1] is None


def test_live_state_wait_and_close():
    state = LiveState()
    started = time.monotonic()
    assert state.wait(0, 0.1) is False
    assert time.monotonic() - started >= 0.09
    state.publish(["/x/"], [])
    assert state.wait(0, 5) is True
    state.close()
    started = time.monotonic()
    assert state.wait(1, 5) is False
    assert time.monotonic() - started < 1


def test_served_url_is_parseable(served):
    parts = urlsplit(served.url)
    assert parts.scheme == "http" and parts.hostname == "127.0.0.1" and parts.path == "/news/"
