"""The site's word list (``shards.vocabulary``) kept from one staged build to the next.

Every shard indexes the word list of the whole site (see ``shards.words_page``), so a build
with search needs it each time, and working it out splits the text of every article: about
a second for 10,000 articles. The list is a union over the articles, so a build whose
articles are the last build's plus new ones (the daily update) takes the last list and adds
the words of the new articles only. Any other change (an article edited, removed, or moved
to another day by a new time zone) works it out again from all of them, so the list is
always the one a clean build makes.

Kept in the cache folder as JSON (data only): the list, and for each article its path and
what its words are made from (the file's content hash, its date and time in the site's
zone, and its names as the index spells them), with the identity of the code that made it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from digest.incremental.cache import tool_identity
from digest.model import Article
from digest.search.shards import vocabulary

FORMAT = 1


def _made_from(article: Article) -> str:
    # The names as shown, not only the file's hash: the index gives every article one
    # spelling of a topic or source, chosen among all the articles, so a new article can
    # change what an old one shows.
    names = json.dumps([article.title, article.source, article.author, *article.topics])
    return f"{article.content_hash} {article.published.isoformat()} {article.has_time} {names}"


class SiteWords:
    """The word list of the last staged build of ``output`` (``cache_dir`` None: none kept)."""

    def __init__(self, cache_dir: Path | None, output: Path) -> None:
        key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=8).hexdigest()
        self.path = None if cache_dir is None else cache_dir / f"search-words-{key}.json"

    def _read(self) -> tuple[dict[str, str], list[str]] | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") != FORMAT or data.get("tool") != tool_identity():
                return None
            articles, words = data["articles"], data["words"]
            if not (isinstance(articles, dict) and isinstance(words, list)):
                return None
            if not all(type(v) is str for v in articles.values()):
                return None
            if not all(type(w) is str for w in words):
                return None
            return articles, words
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def words(self, articles: Sequence[Article]) -> list[str]:
        """``vocabulary(articles)``, from the last build's list when it only gained articles."""
        now = {article.path: _made_from(article) for article in articles}
        last = self._read()
        if last is not None and all(now.get(rel) == made for rel, made in last[0].items()):
            added = [article for article in articles if article.path not in last[0]]
            if not added:
                return last[1]
            words = sorted(set(last[1]).union(vocabulary(added)))
        else:
            words = vocabulary(articles)
        self._write(now, words)
        return words

    def _write(self, articles: dict[str, str], words: list[str]) -> None:
        """Kept for the next build; a cache that cannot be written only costs it the time."""
        if self.path is None:
            return
        data = {"format": FORMAT, "tool": tool_identity(), "articles": articles, "words": words}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
