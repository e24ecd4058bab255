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
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.commands.build import BuildOptions, BuildResult
from digest.commands.livereload import (
    EVENTS_PATH,
    KEEPALIVE,
    RELOAD_JS,
    SCRIPT_PATH,
    LiveState,
    inject,
    needs_reload,
    url_path,
)
from digest.commands.serve_paths import NOT_FOUND_PAGE, Target, content_type, resolve
from digest.commands.watch import (
    EXIT_ERRORS,
    EXIT_USAGE,
    Watcher,
    drafts_output,
    interrupt_on_sigint,
    say_drafts_output,
    start_watching,
)
from digest.config import load_config
from digest.errors import Diagnostic, DigestError


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
            body = NOT_FOUND_PAGE
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
