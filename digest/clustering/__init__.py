"""Stories: the articles about one news development, from any sources, within a few days.

Pure (no I/O) and stdlib only, like ``digest.pipeline.related``; the loader, index and pages use it
through this API::

    items = [StoryItem(key=a.path, title=a.title, text=a.summary, source=a.source,
                       published=a.published, lang=a.lang, override=...) for a in articles]
    stories = cluster(items)                  # every item in exactly one Story
    by_key = {key: story for story in stories for key in story.keys}

``Story`` gives the ``id`` (a URL-safe ASCII slug, ``/stories/<id>/``), the ``keys`` in time
order, the ``lead`` (first article: it names the story), ``title``, ``sources``, ``days``.

The method
----------
Online clustering in time order (Miranda et al., EMNLP 2018, without the learned weights):

* Each article is a bag of terms from its title (weighted up) and text: words folded to
  lower-case ASCII-ish letters (accents dropped, ``ph``->``f``, ``y``->``i``, doubled letters
  single), cut to their first few letters (a language-agnostic stand-in for stemming that
  also joins cognates: *conference* / *conferência*, *delegation* / *delegação*), numbers
  without their separators (``3,600`` / ``3.600``); stop words of English, Portuguese,
  German, Spanish and French removed; capitalised words (names) weighted up, each with its
  consonant skeleton as one more, lighter, name (``~msk`` for *Moskau*, *Moscow*, *Moscou*;
  ``~ksn`` for *Kasan*, *Kazan*): transliterations of a place differ in vowels and spellings
  of one sound, which the prefix keeps apart.
* The weights are TF-IDF with the document frequencies of the articles of the window before
  it (not of the archive: a new day must not change the past), so the words that the whole
  week is about (*Syria*, *typhoon*) count less than the ones that tell its stories apart.
* Articles are taken in order of (published, key). Candidates are the stories begun in the
  last ``window`` days with an article sharing names (capitalised words other than at the
  start of a sentence, numbers) rare enough in the window -- a name of one of the two
  counts, for ``CROSS`` of its weight, when the other has the word capitalised at the
  start of a sentence or of the title -- found through
  two inverted indexes (names; other capitals), so an article meets only a few stories:
  look-alike headlines about two cities' metro strikes share common words but no name.
  The article joins the candidate whose centroid is nearest by cosine when that clears a
  threshold that rises with the days since the story began (follow-ups stay for up to
  ``window`` days; a later development must look much more alike), else it starts a
  story. The threshold is lower (``OTHER_LANGUAGE``) for a story with no article in the
  article's language (``StoryItem.lang``): across languages only names, numbers and
  cognates meet.
* A new development starts a new story even in a long saga: an article whose title
  reports a kind of decision (granting, bail, charges, a sentence, a signature, an
  approval, a release, an arrest, a resignation; in the five languages) that the story
  reported on an earlier day, made again -- for someone the story's articles do not name,
  or with a word saying so (*remaining*, *more*, *weitere*) -- does not join it: bail for
  the foreign crew on Tuesday is not a follow-up of Monday's bail for three Russians. A
  reaction to Monday's bail names whom Monday's articles named, and stays.

The editor has the last word: ``override`` is the front-matter ``story:``. ``False``: the
article is a story of its own, and no other article joins it. An id string: the article
belongs to the story of that id -- the automatic story that has it, else a story of the
articles that name it; such articles take no part in the similarity clustering (they
neither join nor attract others), so an override changes no other article's story.

Properties the callers can rely on (tests/stories/test_cluster.py holds them)
-----------------------------------------------------------------------------
* Deterministic: the result depends on the set of items only, not their order (nor the
  process, nor ``PYTHONHASHSEED``): items are sorted by (published instant, key).
* Prefix: the automatic assignment of the items published before an instant T depends only
  on those items. So adding articles after T changes no story except by adding members.
* Window: an item of day D (``published.date()``, in the timezone it carries: the site's
  for ``Article.published``) joins only a story whose first item is on day D - window or
  later, and compares itself only with the items of days D - window .. D. Hence adding
  the articles of day D (or of any days >= D) leaves every story whose first item is
  before day D - window exactly as it was, id included; it can only add members to stories
  begun on days D - window .. D and start new ones. Those are the stories whose pages a
  new day re-renders. (An override id names a story anywhere in time: the one exception.)
* Stable ids: a story's id comes from its first item (its date and title slug; ``-2``,
  ``-3``... when taken), so it does not change when later items join.
* Incremental: ``recluster(previous, items, since)`` gives the same result as
  ``cluster(items)`` when ``previous`` is the result for items that agree with ``items``
  before ``since``; it redoes only the items from ``since`` on (reading back up to two
  windows for the state), so its cost grows with the tail, not the archive. A change in a
  past day can cascade through later days (rarely beyond a window): compare the results to
  know which stories to re-render.
* Cost: linear in the number of items (each compares with the stories of its window
  only); about 1.0-1.4 s of CPU for the 10,000-article benchmark corpus
  (bench/stories_bench.py) on a loaded machine, a third of it feature extraction.
"""

from digest.clustering.items import MAX_ID_LENGTH, WINDOW_DAYS, Story, StoryItem, override_problem
from digest.clustering.online import cluster, recluster

__all__ = [
    "MAX_ID_LENGTH",
    "WINDOW_DAYS",
    "Story",
    "StoryItem",
    "cluster",
    "override_problem",
    "recluster",
]
