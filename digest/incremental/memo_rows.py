"""The cache's memos as rows: what a stage keeps of the last build (text, checked by its
reader), stored as the bytes of the text and written a piece at a time, and told apart from
the next build's by a digest instead of being held. Memos of 100,000 articles are 20-30 MB
of text each, so how they are stored is the peak of a build's memory."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from typing import Any

_MEMO_CHUNK = 1 << 20
"""Characters of a memo encoded and written at a time."""


def write_memo(db: sqlite3.Connection, name: str, text: str) -> None:
    """Store a memo as the bytes of its text, written into the row a piece at a time:
    bound whole as a parameter, SQLite copied a memo of 26 MB twice over (the parameter and
    the record), and that was the peak of a 100,000-article build."""
    if text.isascii():  # as JSON mostly is: a character is a byte, so the size is known
        size, pieces = len(text), _ascii_pieces(text)
    else:
        data = text.encode("utf-8", "surrogatepass")
        size, pieces = len(data), iter((data,))
    row = db.execute("INSERT OR REPLACE INTO memos VALUES (?, zeroblob(?))", (name, size))
    if size == 0:
        return
    with db.blobopen("memos", "value", row.lastrowid) as blob:
        for piece in pieces:
            blob.write(piece)


def _ascii_pieces(text: str) -> Iterator[bytes]:
    for at in range(0, len(text), _MEMO_CHUNK):
        yield text[at : at + _MEMO_CHUNK].encode("ascii")


def memo_text(value: Any) -> str | None:
    """A memo as stored: the bytes of its text (``write_memo``), or the text itself (an
    older cache's). Anything else, or bytes that are no text, is no memo."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None
    return None


def memo_digest(text: str) -> bytes:
    """What tells a memo's text from another of its length. Memos of 100,000 articles are
    20-30 MB each, and the text read was held to the end of the build only to be compared
    with the new one (50 MB of the build's peak). SHA-1 for its speed (the processor's own
    instructions; BLAKE2 took twice as long): nothing rests on it but whether an unchanged
    memo is written again, and a memo is checked by its reader whatever it holds."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
