"""``digest serve`` under load: 200 keep-alive clients for a few seconds while rebuilds
replace the files being served, and meanwhile clients that vanish mid-response or send
malformed requests. Every response must be whole, and the server must keep answering."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time

import pytest
from conftest import article
from processes import DEADLINE, NEWS_TOML, DigestProcess, Served

pytestmark = pytest.mark.slow  # 200 clients against a rebuilding server

CLIENTS = 200
SECONDS = 3.0
PAGES = ["/news/2013/11/17/alpha/", "/news/2013/11/17/beta/", "/news/"]
BIG = "/news/2013/11/17/big/"


class CountingConnection(http.client.HTTPConnection):
    """Counts its TCP connects, to prove keep-alive reuses them."""

    connects = 0

    def connect(self) -> None:
        self.connects += 1
        super().connect()


def check_page(status: int, length: str | None, body: bytes) -> str:
    """'' for a whole page with the live-reload script, else what is wrong."""
    if status != 200:
        return f"status {status}"
    if length is None or int(length) != len(body):
        return f"Content-Length {length} but {len(body)} bytes"
    if not body.rstrip().endswith(b"</html>"):
        return f"truncated: ...{body[-80:]!r}"
    if b'<script src="/__digest/reload.js" ' not in body:
        return "no reload script"
    return ""


def client(port: int, stop: float, index: int, results: list, errors: list) -> None:  # type: ignore[type-arg]
    conn = CountingConnection("127.0.0.1", port, timeout=DEADLINE)
    requests, latencies = 0, []
    try:
        while time.monotonic() < stop:
            path = PAGES[(index + requests) % len(PAGES)]
            started = time.monotonic()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            latencies.append(time.monotonic() - started)
            if problem := check_page(response.status, response.getheader("Content-Length"), body):
                errors.append(f"{path}: {problem}")
            if response.will_close:
                errors.append(f"{path}: server closed a keep-alive connection")
            requests += 1
    except Exception as exc:  # every failure is a finding, reported below
        errors.append(f"client {index}: {type(exc).__name__}: {exc}")
    finally:
        conn.close()
        results.append((requests, conn.connects, latencies))


def rst_close(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed client would."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def faults(port: int) -> list[str]:
    """Vanishing and malformed clients; what each got back, for the report."""
    done = []

    def connect() -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)

    def reply(data: bytes) -> bytes:
        with connect() as sock:
            sock.sendall(data)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    # a client that reads a few bytes of a ~1 MB page, then resets the connection
    for _ in range(5):
        sock = connect()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET {BIG} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        rst_close(sock)
        done.append("reset mid-response")
    # the same, closing normally with most of the page unread
    sock = connect()
    sock.sendall(f"GET {BIG} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    sock.recv(100)
    sock.close()
    for data, expect in [
        (b"\x00\xff\x13garbage\x80\r\n\r\n", b"400"),
        (b"GET /news/\r\n\r\n", b""),  # HTTP/0.9-style: no version (answered or closed)
        (b"GET /news/ HTTP/1.1\r\nHost: x\r\nno colon here\r\nX: y\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET /news/ HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 200 + b"\r\n", b"431"),
    ]:
        answer = reply(data)
        # an unparseable request line is answered HTTP/0.9-style by the stdlib: a bare body
        assert expect in answer[:300], (data[:40], answer[:300])
        done.append(answer.split(b"\n", 1)[0].decode(errors="replace")[:40] or "closed")
    # half-sent requests, then close or reset
    for close in (socket.socket.close, rst_close):
        sock = connect()
        sock.sendall(b"GET /news/ HTTP/1.1\r\nHo")
        time.sleep(0.05)
        close(sock)
        done.append("half-sent")
    # two pipelined requests on one connection, both answered in order
    answer = reply(
        b"GET /news/ HTTP/1.1\r\nHost: x\r\n\r\nGET /news/ HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert answer.count(b"HTTP/1.1 200 OK") == 2, answer[:300]
    done.append("pipelined")
    return done


def plain_get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def test_200_keep_alive_clients_during_rebuilds_and_faults(make_site):
    big_body = "\n\n".join(f"Paragraph {i}: " + "lorem ipsum dolor " * 60 for i in range(1000))
    root = make_site(
        {
            "digest.toml": NEWS_TOML,
            "content/2013/11/17/alpha.md": article("Alpha story", topics="[Syria]"),
            "content/2013/11/17/beta.md": article("Beta story", topics="[Syria]"),
            "content/2013/11/17/big.md": article("Big story", body=big_body),
        }
    )
    with DigestProcess("serve", "--root", root, "--port", "0") as proc:
        served = Served(proc, root)
        status, _, body = plain_get(served.port, BIG)
        assert status == 200 and len(body) > 1_000_000

        started = time.monotonic()
        stop = started + SECONDS
        results: list = []  # type: ignore[type-arg]
        errors: list[str] = []
        threads = [
            threading.Thread(
                target=client, args=(served.port, stop, i, results, errors), daemon=True
            )
            for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()

        mark = proc.mark()
        fault_log: list[str] = []

        def run_faults() -> None:
            try:
                fault_log.extend(faults(served.port))
            except Exception as exc:  # reported by the assertion below
                fault_log.append(f"{type(exc).__name__}: {exc}")

        fault_thread = threading.Thread(target=run_faults, daemon=True)
        fault_thread.start()
        beta = root / "content/2013/11/17/beta.md"
        edits = 0
        while time.monotonic() < stop - 0.3:
            edits += 1
            beta.write_text(article("Beta story", topics="[Syria]", body=f"Edit {edits}. " * 50))
            time.sleep(0.3)

        for thread in [*threads, fault_thread]:
            thread.join(timeout=stop + DEADLINE - time.monotonic())
        elapsed = time.monotonic() - started
        assert not [t for t in threads if t.is_alive()], "clients hung"
        assert not fault_thread.is_alive(), "fault client hung"
        assert len(fault_log) == 13 and fault_log[-1] == "pipelined", fault_log

        assert errors == [], f"{len(errors)} errors, first: {errors[:5]}"
        total = sum(r[0] for r in results)
        connects = sum(r[1] for r in results)
        latencies = sorted(x for r in results for x in r[2][1:])
        first = sorted(r[2][0] for r in results if r[2])
        rebuilds = len([ln for ln in proc.lines_since(mark) if ln.startswith("rebuilt in ")])
        print(
            f"\n{CLIENTS} clients, {total} requests in {elapsed:.2f} s "
            f"({total / SECONDS:.0f}/s), {connects} connects, {edits} edits, "
            f"{rebuilds} rebuilds, p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms (first request, with "
            f"connect: p50 {first[len(first) // 2] * 1000:.0f} ms, max {first[-1] * 1000:.0f} ms)"
            f"; faults: {fault_log}"
        )
        assert len(results) == CLIENTS
        assert total > 1000
        assert connects == CLIENTS  # each client kept its one connection
        assert rebuilds >= 1  # edits every 0.3 s; the watcher batches some under load

        # still alive, answering, serving the last edit, and no traceback
        assert proc.proc.poll() is None
        deadline = time.monotonic() + DEADLINE
        while True:
            status, headers, body = plain_get(served.port, "/news/2013/11/17/beta/")
            assert check_page(status, headers.get("content-length"), body) == ""
            if f"Edit {edits}.".encode() in body or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert f"Edit {edits}.".encode() in body
        time.sleep(0.2)
        assert "Traceback" not in "\n".join(proc.err), "\n".join(proc.err)
