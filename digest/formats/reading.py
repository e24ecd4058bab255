"""Reading time: how many minutes an article's body takes to read, shown on its page and on
its day's page.

The rule (README, "Reading time"): 230 words a minute, a word being a run of letters or
digits; Chinese and Japanese are written without spaces between words, so their characters
count one by one at 500 a minute; the two added and rounded to the nearest minute, never
less than 1. Counted on the Markdown source with what a reader never reads taken out (link
and image targets, HTML tags, reference definitions), once per article as it loads.
"""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 230
CJK_CHARACTERS_PER_MINUTE = 500

# Han (with its extensions and compatibility forms), Hiragana and Katakana. Korean puts
# spaces between its words, so Hangul is counted in words like any other script.
_CJK_RANGES = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_WORD = re.compile(f"[^\\W_{_CJK_RANGES}]+")
_UNREAD = re.compile(
    r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"  # a link's or an image's target
    r"|^ {0,3}\[[^\]]+\]:.*$"  # a reference definition
    r"|<[^>\n]*>",  # an HTML tag or an autolink
    re.MULTILINE,
)


def reading_minutes(markdown: str) -> int:
    """Minutes to read ``markdown``, by the rule above (at least 1)."""
    text = _UNREAD.sub(" ", markdown)
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text))
    minutes = words / WORDS_PER_MINUTE + cjk / CJK_CHARACTERS_PER_MINUTE
    return max(1, int(minutes + 0.5))
