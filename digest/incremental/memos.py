"""A memo's text made only when it is asked for.

A stage's memo (the related lists', the stories') is megabytes of JSON for the next build to
start from. ``digest build`` keeps it in the cache, so it is written every time; ``watch``
plans again from the values it was made from, held in memory (each stage's ``_written``),
and keeps none in the cache: its replans take the memo as a ``LazyText`` that is never
encoded unless something reads the text.
"""

from __future__ import annotations

from collections.abc import Callable


class LazyText:
    """The text ``make()`` returns, made once, on the first ``text``. Two are the same
    memo only if they are one object: a reader compares a memo with the one it wrote by
    identity and reads the text of any other."""

    __slots__ = ("_make", "_text")

    def __init__(self, make: Callable[[], str]) -> None:
        self._make: Callable[[], str] | None = make
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._make is not None
            self._text, self._make = self._make(), None
        return self._text


Memo = str | LazyText
"""What a stage takes and gives as its memo."""


def text_of(memo: Memo | None) -> str | None:
    """The memo's text (made now if it was not), or None for none."""
    return memo.text if isinstance(memo, LazyText) else memo


def same_memo(memo: Memo | None, written: Memo) -> bool:
    """Whether ``memo`` is the memo a stage wrote as ``written``: the same object, or equal
    text when both are text (a lazy memo's text is not made to compare it)."""
    if memo is written:
        return True
    return type(memo) is str and type(written) is str and memo == written
