"""Serve: ``watch`` plus a local HTTP server over the output folder, with live reload.

The server shows the site as GitHub Pages would: under its base path (``/repo/``, with ``/``
redirecting there), ``404.html`` with status 404 for anything missing, and nothing outside
the output folder, whatever the URL (``..``, ``%2e%2e``, ``%2f``, symlinks leading out).

Live reload lives only here, never in the built files: each HTML response gets one
``<script src="/__digest/reload.js">`` before ``</body>``, telling the script which page it
is and which build it came from. The script listens on ``/__digest/events`` (Server-Sent
Events); after a rebuild the server tells each page whether *its* file, or a stylesheet or
image every page may use, changed, so only affected pages reload. While the last build
failed, every page (also one opened meanwhile) shows the errors in an overlay, which goes
away, or the page reloads, once the build succeeds again.

Files are looked up by path on every request, never through a held folder handle, because a
build may replace the output folder between two requests.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import os
import secrets
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from digest.build import BuildOptions, BuildResult
from digest.config import load_config
from digest.errors import Diagnostic, DigestError
from digest.watch import (
    EXIT_ERRORS,
    EXIT_USAGE,
    Watcher,
    drafts_output,
    interrupt_on_sigint,
    say_drafts_output,
    start_watching,
)

EVENTS_PATH = "/__digest/events"
SCRIPT_PATH = "/__digest/reload.js"
KEEPALIVE = 15.0
"""Seconds between comment lines on an idle event stream, so proxies and the browser keep
it open and a closed tab is noticed (its write fails)."""
_TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
}
_PAGE_LIKE = (".html", ".htm", ".xml", ".txt", "/")
"""Changed outputs that concern only themselves; any other (a stylesheet, a script, an
image) may be used by every page, so every page reloads."""
_SELF_CONTAINED_NAMES = {".nojekyll", ".digest-site", "CNAME"}


def content_type(path: str) -> str:
    """The Content-Type for an output file, utf-8 for text (the build writes utf-8)."""
    name = path.rsplit("/", 1)[-1]
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _TEXT_TYPES:
        return _TEXT_TYPES[suffix]
    if not suffix:
        return "text/plain; charset=utf-8"  # CNAME, .nojekyll, .digest-site
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def url_path(rel: str, base: str) -> str:
    """The URL path (percent-encoded) of an output file: ``2013/11/17/x/index.html`` under
    ``/news/`` is ``/news/2013/11/17/x/``."""
    if rel == "index.html":
        rel = ""
    elif rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return quote(unquote(base) + rel)


def needs_reload(changed: frozenset[str] | None, pages: Iterable[str]) -> bool:
    """Whether a page showing any of ``pages`` must reload after ``changed`` (None:
    unknown, so yes)."""
    if changed is None:
        return True
    if not changed.isdisjoint(pages):
        return True
    for path in changed:
        name = path.rsplit("/", 1)[-1]
        if not path.endswith(_PAGE_LIKE) and name not in _SELF_CONTAINED_NAMES:
            return True
    return False


def inject(body: bytes, tag: bytes) -> bytes:
    """``tag`` before the last ``</body>`` (any case), or at the end when there is none."""
    at = body.lower().rfind(b"</body>")
    if at < 0:
        return body + tag
    return body[:at] + tag + body[at:]


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path leads to."""

    status: int
    """200 a file, 301/302 a redirect, 400 malformed, 403 outside the output, 404 missing."""
    file: str = ""
    """For 200: the real path of the file to send."""
    rel: str = ""
    """For 200: the file's path relative to the output folder (posix)."""
    location: str = ""
    """For redirects."""
    page: str = ""
    """The normalised, percent-encoded URL path asked for (for a 404: the page to reload
    when it appears)."""


def resolve(output: Path | str, base: str, raw: str) -> Target:
    """Map a request-target to a file of the output folder, refusing anything that could
    lead outside it. ``base`` is the site's base path (``/`` or ``/repo/``).

    The path is percent-decoded once; NUL, backslashes and ``..`` segments (also encoded
    ones) are refused outright, and whatever symlinks there are, the real path must stay
    inside the output folder's real path.
    """
    path = urlsplit(raw).path
    if not path.startswith("/"):
        return Target(400)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Target(400)
    if "\x00" in decoded or "\\" in decoded or ".." in decoded.split("/"):
        return Target(400)
    base = unquote(base)
    if decoded == "/" and base != "/":
        return Target(302, location=quote(base))
    if decoded + "/" == base:
        return Target(301, location=quote(base))
    if not decoded.startswith(base):
        return Target(404, page=quote(decoded))
    parts = [p for p in decoded[len(base) :].split("/") if p not in ("", ".")]
    page = quote(base + "/".join(parts) + ("/" if parts and decoded.endswith("/") else ""))
    root = os.path.realpath(output)
    real = os.path.realpath(os.path.join(root, *parts))
    if real != root and not real.startswith(root + os.sep):
        return Target(403)
    rel_parts = parts
    if os.path.isdir(real):
        if parts and not decoded.endswith("/"):
            return Target(301, location=quote(base + "/".join(parts) + "/"))
        rel_parts = [*parts, "index.html"]
        real = os.path.realpath(os.path.join(real, "index.html"))
        if not real.startswith(root + os.sep):
            return Target(403)
    if not os.path.isfile(real):
        return Target(404, page=page)
    return Target(200, file=real, rel="/".join(rel_parts), page=page)


class LiveState:
    """What the watcher tells the server's pages: a build ``version``, which URL paths
    each version changed, and the errors of the last build (empty once it succeeds).

    Shared by the watcher's thread and every request thread; event streams wait on its
    condition. ``epoch`` tells pages of an earlier server run that they cannot know what
    changed since (so they reload).
    """

    HISTORY = 256

    def __init__(self, base_path: str = "/") -> None:
        self.epoch = secrets.token_hex(4)
        self.base_path = base_path
        self.version = 0
        self.errors: list[str] = []
        self.closed = False
        self._cond = threading.Condition()
        self._history: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=self.HISTORY)

    def publish(self, changed: Iterable[str] | None, errors: list[str]) -> int:
        """Record a build: ``changed`` URL paths (None: unknown, all pages reload)."""
        with self._cond:
            self.version += 1
            self._history.append((self.version, None if changed is None else frozenset(changed)))
            self.errors = list(errors)
            self._cond.notify_all()
            return self.version

    def build_finished(
        self, result: BuildResult | None, errors: list[Diagnostic], base_path: str | None
    ) -> None:
        """The watcher's listener: publish what a build changed, or that it failed."""
        if result is None:
            lines = [d.format() for d in errors]
            if lines != self.errors:
                self.publish([], lines)
            return
        if base_path is not None and base_path != self.base_path:
            self.base_path = base_path
            self.publish(None, [])  # every URL moved
            return
        changed = [url_path(rel, self.base_path) for rel in (*result.written, *result.removed)]
        if changed or self.errors or self.version == 0:
            self.publish(changed, [])

    def since(self, epoch: str, version: int) -> tuple[int, frozenset[str] | None, list[str]]:
        """The current version, what changed after ``version`` (None: unknown) and the
        errors, for a page that was served at ``epoch:version``."""
        with self._cond:
            if not epoch:
                return self.version, frozenset(), list(self.errors)
            if epoch != self.epoch or not 0 <= version <= self.version:
                return self.version, None, list(self.errors)
            entries = [changed for v, changed in self._history if v > version]
            if len(entries) < self.version - version or any(c is None for c in entries):
                return self.version, None, list(self.errors)
            union: frozenset[str] = frozenset().union(*entries)  # type: ignore[arg-type]
            return self.version, union, list(self.errors)

    def wait(self, version: int, timeout: float) -> bool:
        """Block until a build after ``version`` (True), or ``timeout`` or close."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != version or self.closed, timeout)
            return self.version != version and not self.closed

    def close(self) -> None:
        """End every event stream: the server is stopping."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()


RELOAD_JS = """\
// digest serve: live reload and build errors. Injected by the dev server, never built.
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me || !window.EventSource) return;
  const query = new URLSearchParams();
  for (const page of (me.dataset.pages || "").split(" ")) if (page) query.append("page", page);
  query.set("epoch", me.dataset.epoch || "");
  query.set("since", me.dataset.version || "0");
  let overlay = null;
  let stale = false;
  const show = (errors) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "digest-error-overlay";
      const shadow = overlay.attachShadow({ mode: "open" });
      shadow.innerHTML = `<style>
        :host { all: initial; position: fixed; inset: 0; z-index: 2147483647;
          background: rgba(24, 0, 0, .9); color: #fff; overflow: auto;
          font: 15px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        div { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
        h2 { font-size: 1.2rem; color: #ff8a80; margin: 0 0 1rem; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 1rem; font: inherit; }
        p { color: #ddd; margin: 0; }
      </style><div role="alert"><h2>digest: the build failed</h2><pre></pre>
      <p>The last good version of the site is still served. Fix the file and save:
      this page updates by itself.</p></div>`;
      (document.body || document.documentElement).appendChild(overlay);
    }
    overlay.shadowRoot.querySelector("pre").textContent = errors.join("\\n");
  };
  const hide = () => {
    if (overlay) overlay.remove();
    overlay = null;
  };
  const events = new EventSource("/__digest/events?" + query.toString());
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    stale = stale || state.reload;
    if (state.errors.length) {
      show(state.errors);
    } else if (stale) {
      events.close();
      location.reload();
    } else {
      hide();
    }
  };
  addEventListener("pagehide", () => events.close());
})();
"""

_NOT_FOUND = (
    b"<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n<title>Not found</title>\n"
    b"<body>\n<h1>404 Not found</h1>\n<p>There is no such page, and the site has no "
    b"404.html (yet).</p>\n</body>\n</html>\n"
)


class Handler(BaseHTTPRequestHandler):
    """One request: a file of the output, a redirect, the event stream or the script."""

    server: DevServer
    server_version = "digest-serve"
    protocol_version = "HTTP/1.1"
    """Keep-alive: a page's stylesheet, script and images come over one connection. Every
    response therefore carries its Content-Length (``_send``; ``send_error`` does too),
    and the event stream, which has none, says ``Connection: close``."""
    timeout = 30
    """Seconds a connection may sit idle (or half-sent) before it is dropped, so idle
    keep-alive clients do not hold a thread forever. The event stream writes a comment
    every ``KEEPALIVE`` seconds, well within it."""

    # -- quiet, one-line logging -------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """The default logs every request with a timestamp; we log only failures."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = int(code) if str(code).isdigit() else 0
        path = getattr(self, "path", "")  # unset when the request line was malformed
        if status >= 400 and not path.startswith("/__digest/"):
            print(f"{status} {self.command or '-'} {path}", file=sys.stderr, flush=True)

    def handle(self) -> None:
        """A browser closing a tab or a stream mid-response is normal, not an error."""
        with contextlib.suppress(ConnectionError, TimeoutError):
            super().handle()

    # -- requests ----------------------------------------------------------------------

    def parse_request(self) -> bool:
        """The stdlib takes a header line without a colon for the start of a body and drops
        the headers after it (``Connection: close`` among them): refuse such a request."""
        if not super().parse_request():
            return False
        if self.headers.defects or self.headers.get_payload():
            self.send_error(400, "Malformed header line")
            return False
        return True

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or self.headers.get(
            "Transfer-Encoding"
        ):
            self.close_connection = True  # a body we do not read: the next request is lost in it
        path = urlsplit(self.path)
        if path.path == EVENTS_PATH and not head:
            self._events(path.query)
            return
        if path.path == SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", RELOAD_JS.encode(), head)
            return
        state = self.server.state
        for attempt in (1, 2):
            version = state.version  # before reading: a page newer than it reloads once more
            target = resolve(self.server.output, state.base_path, self.path)
            try:
                self._send_target(target, version, head)
                return
            except FileNotFoundError:  # a build replaced the file or folder; look again
                if attempt == 2:
                    self._send(404, "text/plain; charset=utf-8", b"not found\n", head)
                time.sleep(0.05)
            except OSError:  # unreadable: not ours to show
                self._send(403, "text/plain; charset=utf-8", b"forbidden\n", head)
                return

    def _send_target(self, target: Target, version: int, head: bool) -> None:
        if target.status == 200:
            with open(target.file, "rb") as handle:
                body = handle.read()
            kind = content_type(target.rel)
            if kind.startswith("text/html"):
                page = url_path(target.rel, self.server.state.base_path)
                body = self._with_script(body, [page], version)
            self._send(200, kind, body, head)
        elif target.status in (301, 302):
            self._send(target.status, "text/plain; charset=utf-8", b"", head, target.location)
        elif target.status == 404:
            self._not_found(target, version, head)
        else:
            reason = b"forbidden\n" if target.status == 403 else b"bad request\n"
            self._send(target.status, "text/plain; charset=utf-8", reason, head)

    def _not_found(self, target: Target, version: int, head: bool) -> None:
        base = self.server.state.base_path
        pages = [url_path("404.html", base)]
        if target.page:
            pages += [target.page, target.page.rstrip("/") + "/"]
        page = resolve(self.server.output, "/", "/404.html")  # checked like any other file
        try:
            with open(page.file, "rb") as handle:
                body = handle.read()
        except OSError:
            body = _NOT_FOUND
        body = self._with_script(body, pages, version)
        self._send(404, "text/html; charset=utf-8", body, head)

    def _with_script(self, body: bytes, pages: list[str], version: int) -> bytes:
        """The live-reload script, told which page this is and which build it shows."""
        attrs = (
            f'src="{SCRIPT_PATH}" data-pages="{html.escape(" ".join(pages))}" '
            f'data-epoch="{self.server.state.epoch}" data-version="{version}"'
        )
        return inject(body, f"<script {attrs}></script>\n".encode())

    def _send(
        self, status: int, kind: str, body: bytes, head: bool, location: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if location is not None:
            self.send_header("Location", location)
        if self.close_connection:  # an HTTP/1.0 client, or a request body left unread
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self, query: str) -> None:
        """Server-Sent Events: one message now (errors, and whether this page is already
        stale), then one per build, and a comment every ``KEEPALIVE`` seconds."""
        state = self.server.state
        params = parse_qs(query)
        pages = params.get("page", [])
        resume = self.headers.get("Last-Event-ID") or ""
        if ":" in resume:
            epoch, _, since_text = resume.partition(":")
        else:
            epoch = params.get("epoch", [""])[0]
            since_text = params.get("since", ["0"])[0]
        since = int(since_text) if since_text.isdigit() else -1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")  # no length: the stream ends the connection
        self.close_connection = True
        self.end_headers()
        self.wfile.write(b"retry: 1000\n\n")
        first = True
        while not state.closed:
            version, changed, errors = state.since(epoch, since)
            if first or version != since:
                message = {
                    "version": version,
                    "reload": needs_reload(changed, pages),
                    "changed": None if changed is None else sorted(changed),
                    "errors": errors,
                }
                data = json.dumps(message, ensure_ascii=False)
                self.wfile.write(f"id: {state.epoch}:{version}\ndata: {data}\n\n".encode())
                epoch, since, first = state.epoch, version, False
            if not state.wait(since, KEEPALIVE) and not state.closed:
                self.wfile.write(b": keep-alive\n\n")


class DevServer(ThreadingHTTPServer):
    """The dev server: one daemon thread per request, so open event streams never keep
    the process from exiting."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
    """The listen backlog (socketserver's default is 5): a browser, or a load test, opening
    many connections at once must not see refused or retried connects."""

    def __init__(self, address: tuple[str, int], output: Path, state: LiveState) -> None:
        self.output = str(output)
        self.state = state
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """No traceback for a client that went away; one for a bug."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        print(f"digest: error serving a request from {client_address[0]}:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)


class DevServer6(DevServer):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, output: Path, state: LiveState) -> DevServer:
    """Bind now, so a busy port fails before the first build rather than after it."""
    cls = DevServer6 if ":" in host else DevServer
    return cls((host, port), output, state)


def site_base_path(options: BuildOptions) -> str | None:
    """The base path the site is built for, or None while ``digest.toml`` is broken."""
    try:
        config = load_config(options.root)
        if options.base_url is not None:
            config = config.with_base_url(options.base_url)
    except DigestError:
        return None
    return config.base_path


def server_url(host: str, port: int, base: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}{base}"


def run_serve(options: BuildOptions, host: str = "127.0.0.1", port: int = 8000) -> int:
    """``digest serve``: watch, and serve the output with live reload until Ctrl-C."""
    interrupt_on_sigint()
    options = drafts_output(options)
    if not 0 <= port <= 65535:
        print(f"digest: error: --port {port}: not a port (0-65535)", file=sys.stderr)
        return EXIT_USAGE
    state = LiveState(site_base_path(options) or "/")
    try:
        server = make_server(host, port, options.output_dir, state)
    except OSError as exc:
        print(
            f"digest: error: cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "choose another --port",
            file=sys.stderr,
        )
        return EXIT_USAGE

    def listener(result: BuildResult | None, errors: list[Diagnostic]) -> None:
        state.build_finished(
            result, errors, site_base_path(options) if result is not None else None
        )

    watcher = Watcher(options, on_build=listener)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
    )
    try:
        if not start_watching(watcher):
            return EXIT_ERRORS
        say_drafts_output(options)
        watcher.first_build()
        thread.start()
        url = server_url(host, server.server_address[1], state.base_path)
        print(f"serving {options.output_dir} at {url}  (Ctrl-C to stop)", flush=True)
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            state.close()
            watcher.close()
            watcher.flush()
            if thread.is_alive():
                server.shutdown()
            server.server_close()
    return 0
