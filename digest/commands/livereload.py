"""Live reload for ``digest serve``: which pages a rebuild changed,
the event stream's state and the script injected into served pages (never built).
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Iterable
from urllib.parse import quote, unquote

from digest.commands.build import BuildResult
from digest.errors import Diagnostic

EVENTS_PATH = "/__digest/events"
SCRIPT_PATH = "/__digest/reload.js"
KEEPALIVE = 15.0
"""Seconds between comment lines on an idle event stream, so proxies and the browser keep
it open and a closed tab is noticed (its write fails)."""

_PAGE_LIKE = (".html", ".htm", ".xml", ".txt", "/")
"""Changed outputs that concern only themselves; any other (a stylesheet, a script, an
image) may be used by every page, so every page reloads."""
_SELF_CONTAINED_NAMES = {".nojekyll", ".digest-site", "CNAME", "feed.json", "digests.json"}
"""Files no page uses: the markers, and the JSON feeds (a ``.json`` in ``static/`` may be
read by a page's script, so it is not page-like)."""


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
