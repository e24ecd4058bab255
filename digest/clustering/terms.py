"""Articles as bags of terms: words folded so that spellings, inflections and cognates of
five languages meet, with the names (capitalised words, numbers) marked as the evidence two
articles about one development share."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set
from typing import NamedTuple

from digest.clustering.items import StoryItem

# Chosen on tests/fixtures/stories/dev (see tests/stories/evaluation.py); the held-out half
# only checks them.
_PREFIX = 5
TITLE_WEIGHT = 2.0
TEXT_WORDS = 40
"""Words of the text read: the lead of a news text says what happened; the rest adds cost
(a quarter of the clustering time at 60 words) and no grouping on the labeled set."""
NAME_WEIGHT = 2.0
SOUND_WEIGHT = 0.5
"""Weight, relative to the name's, of a name's consonant skeleton (see ``_skeleton``)."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"\d[\d.,]*\d|\w+")
_DOUBLE = re.compile(r"(.)\1")
_STOP = _words(
    """
    a about above after again against all also although am an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers him his how i
    if in into is it its itself just may me might more most must my no nor not now of
    off on once only or other our ours out over own said same says she should so some
    such than that the their them then there these they this those through to too under
    until up upon very was we were what when where which while who whom why will with
    would you your new one two three told say according its week year years day days o
    os as um uma uns umas de do da dos das em no na nos nas por para pelo pela pelos
    pelas com sem sob sobre entre ate desde e ou mas que se nao mais muito ja foi ser
    sao esta estao ter tem teve seu sua seus suas ele ela eles elas isso isto aquele ao
    aos como quando onde tambem segundo apos disse diz vai der die das den dem des ein
    eine einen einem einer eines und oder aber auch nicht noch mit von zu zum zur im am
    an auf aus bei nach uber unter vor fur ist sind wird werden wurde wurden hat haben
    hatte sich sie er es wir ihr dass als wie so nur schon sein seine ihre ihren dieser
    diese dieses bis seit gegen el la los las un una unos unas del al y o pero que en
    con sin sobre entre hasta desde para por su sus es son fue ser ha han este esta
    estos estas ese esa lo le les se mas muy ya como cuando donde tras dijo segun
    tambien le les un une des du de et ou mais que qui en dans avec sans sur sous entre
    pour par au aux ce cette ces son sa ses est sont ete etre a ont il elle ils elles se
    ne pas plus tres deja comme quand apres selon lors
    """
)


def _plain(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _fold(word: str) -> str:
    """``word`` (lower-case) as a matching key: accents dropped, a few spellings merged."""
    word = _plain(word)
    if word[0].isdigit():
        return word.replace(",", "").replace(".", "")
    word = word.replace("ph", "f").replace("th", "t").replace("y", "i")
    return _single(word)[:_PREFIX]


def _single(word: str) -> str:
    """``word`` with doubled letters single. (A substitution with a template costs several
    times a search, and most words have no doubled letter.)"""
    return _DOUBLE.sub(r"\1", word) if _DOUBLE.search(word) else word


_SOUNDS = (("sch", "s"), ("sh", "s"), ("ph", "f"), ("th", "t"), ("c", "k"), ("q", "k"))
_SOUNDS += (("z", "s"), ("w", "v"), ("y", "i"))
_VOWELS = str.maketrans("", "", "aeiouh")


def _skeleton(word: str) -> str | None:
    """A name's first letter and next two consonant sounds, marked ``~`` (no word has it):
    ``Moskau``, ``Moscow`` and ``Moscou`` meet, and so do ``Kasan`` and ``Kazan``,
    ``Warschau`` and ``Warsaw``, which the five-letter prefix of ``_fold`` keeps apart, as
    transliterations of one name differ in vowels and in how a sound is spelled. None for a
    short word (``word`` is lower-case, without accents)."""
    if len(word) < 4 or not word.isalpha():
        return None
    for spelling, sound in _SOUNDS:
        word = word.replace(spelling, sound)
    rest = _single(word[1:].translate(_VOWELS))
    if len(rest) < 2:
        return None
    return "~" + word[0] + rest[:2]


# Capitalised but not names: in English and German headlines and datelines.
_CALENDAR = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march
    april june july august september october november december montag dienstag mittwoch
    donnerstag freitag samstag sonntag januar februar märz juni juli oktober dezember
    """
)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’»)\]]*$")
_END_CHARACTERS = frozenset(".!?:;\"'”’»)]")
_SINGLE_CAPITAL = re.compile(r"(?:^|\W)[A-Z]\.$")  # U.S. Senate, John F. Kennedy
_NEVER, _UNLESS_INITIAL, _ALWAYS = 0, 1, 2


_DECISIONS = {
    kind: _words(words)
    for kind, words in {
        "grant": """grant grants granted concede concedes concedeu concedida concedido concedio
            otorga otorgo accorde accordee accorde gewahrt gewahren""",
        "bail": "bail bailed fianca fianza caution kaution",
        "charge": """charge charges charged indicted indicts acusa acusados acusadas denuncia
            denunciados inculpe inculpes angeklagt anklage""",
        "sentence": """sentenced sentences convicted jailed condena condenado condenados
            condenada condamne condamnes verurteilt""",
        "sign": "signs signed assina assinou firma firmo signe unterzeichnet unterschreibt",
        "approve": """approves approved aprova aprovou aprueba aprobo approuve adopte billigt
            verabschiedet""",
        "release": """freed frees released releases libera libertados liberados libere
            liberes freigelassen""",
        "arrest": "arrested arrests detido detidos detenido detenidos arrete arretes festgenommen",
        "resign": "resigns resigned renuncia renuncio dimite demissionne rucktritt",
    }.items()
}
"""Decisions, in the five languages (without accents): a title reporting one of a kind its story
already reported on an earlier day is a new development (bail for more of a crew, the next
batch of charges), not a follow-up; see ``online``."""
AGAIN = "+"
"""The kind of the words that say a decision is made again (``_AGAIN``)."""
_AGAIN = _words(
    """
    remaining more another further rest last latest second mais outros outras restantes
    demais segunda segundo mas otros otras resto autres restants restantes encore deuxieme
    seconde weitere weiteren ubrigen restlichen letzten zweite
    """
)
"""Words of a title that say a decision is made again, for more people (*remaining*,
*ten more*, *weitere*)."""
_KIND_OF = {word: kind for kind, words in _DECISIONS.items() for word in words}
_KIND_OF.update(dict.fromkeys(_AGAIN, AGAIN))


def _decision(chunk: str) -> str:
    """The kind of decision a title's chunk names, ``AGAIN``, or ""."""
    word = chunk.strip(".,;:!?\"'()[]«»“”‘’").casefold()
    return _KIND_OF.get(_plain(word), "")


_NONE: frozenset[str] = frozenset()


class Bag(NamedTuple):
    """An article as clustering sees it."""

    terms: dict[str, float]
    """Term -> weight (title terms and names weighted up), before TF-IDF."""
    names: set[str]
    """Names: capitalised words other than at a sentence's start, numbers; and their sounds."""
    capitals: set[str]
    """The first words of its sentences (and title) that are capitalised but not names, and
    their sounds: they count as shared names with an article that has them as names."""
    decisions: Set[str]
    """The kinds of decision its title reports (``_DECISIONS``), and ``AGAIN`` when its
    title has a word saying it is made again."""
    subjects: Set[str]
    """The capitalised terms of its title: who or what the title is about."""


MAX_KEPT = 50_000
"""Bags a ``Terms(keep_bags=True)`` keeps at most (a few kilobytes each)."""


class Terms:
    """Tokenising with a cache: a corpus has far fewer distinct words than words.

    The text is split at white space, and each chunk (``Tripoli,``, ``al-Qaeda``) mapped
    once to its terms and to whether it ends a sentence. A term is a name (weighted up,
    and the evidence two articles must share) where it is capitalised other than at the
    start of a sentence, or a number of two or more digits; in a title only when the title
    is not in title case (*Navy SEALs Raid Stronghold*), where capitals say nothing.
    """

    def __init__(self, keep_bags: bool = False) -> None:
        # chunk -> (its term, None or, rarely, a tuple of them; the name rule; ends a sentence;
        # the skeleton of its first term's word)
        self._cache: dict[str, tuple[str | tuple | None, int, bool, str | None]] = {}
        self._decisions: dict[str, str] = {}  # a title's chunk -> its kind of decision, or ""
        self._bags: dict[tuple[str, str], Bag] | None = {} if keep_bags else None
        """With ``keep_bags``, each (title, text)'s bag, for a ``Terms`` that clusters the
        same articles again and again (``watch``'s regrouping): a bag is a function of the
        two, and is only read once made."""

    def bag(self, item: StoryItem) -> Bag:
        """The item's terms and their weights, and what candidates are found by (``Bag``)."""
        bags = self._bags
        if bags is None:
            return self._bag(item)
        key = (item.title, item.text)
        found = bags.get(key)
        if found is None:
            if len(bags) >= MAX_KEPT:  # a long session's: start again rather than grow
                bags.clear()
                self._cache.clear()
            found = bags[key] = self._bag(item)
        return found

    def _bag(self, item: StoryItem) -> Bag:
        names: set[str] = set()
        capitals: set[str] = set()
        sounds: dict[str, float] = {}
        bag: dict[str, float] = {}
        self._add(
            bag, names, capitals, sounds, item.text.split(None, TEXT_WORDS)[:TEXT_WORDS], 1.0, True
        )
        title = item.title.split()
        long_words = [raw for raw in title if len(raw) > 3 and raw[0].isalpha()]
        upper = len([raw for raw in long_words if raw[0].isupper()])
        title_case = upper * 3 > len(long_words) * 2 and len(long_words) > 2
        self._add(bag, names, capitals, sounds, title, TITLE_WEIGHT, not title_case)
        for term in names:
            bag[term] *= NAME_WEIGHT
        # At least 0.8 (a name once in the text): the tf of the weighing must stay above 1/e.
        scale = NAME_WEIGHT * SOUND_WEIGHT
        for sound, weight in sounds.items():
            bag[sound] = bag.get(sound, 0.0) + weight * scale
            names.add(sound)
        capitals -= names
        decisions = self._decisions
        kinds = None
        for chunk in title:
            kind = decisions.get(chunk)
            if kind is None:
                kind = decisions[chunk] = _decision(chunk)
            if kind:
                if kinds is None:
                    kinds = set()
                kinds.add(kind)
        if kinds is None:  # most titles
            return Bag(bag, names, capitals, _NONE, _NONE)
        subjects = set()
        for chunk in title:
            term, rule = self._cache[chunk][:2]
            if rule:
                subjects.add(term if term.__class__ is str else term[0])
        return Bag(bag, names, capitals, kinds, subjects)

    def _add(
        self,
        bag: dict[str, float],
        names: set[str],
        capitals: set[str],
        sounds: dict[str, float],
        chunks: list[str],
        weight: float,
        capitals_tell: bool,
    ) -> None:
        # The hot loop of feature extraction: one dict look-up per word, most of the time.
        cache = self._cache
        get = bag.get
        initial = True
        for chunk in chunks:
            known = cache.get(chunk)
            if known is None:
                known = cache[chunk] = self._chunk(chunk)
            term, rule, ends, sound = known
            if term is not None:
                if term.__class__ is str:
                    bag[term] = get(term, 0.0) + weight
                else:  # several terms (al-Qaeda, U.S.-Russian): the rule is the first's
                    for part in term:
                        bag[part] = get(part, 0.0) + weight
                    term = term[0]
                if rule:
                    if rule == _ALWAYS or (capitals_tell and not initial):
                        names.add(term)
                        if sound is not None:
                            sounds[sound] = sounds.get(sound, 0.0) + weight
                    elif initial:
                        # A sentence's first word: a name only if the other article has it
                        # as one. (The other words of a title in title case are left out:
                        # mostly plain words, and their names are in the text as well.)
                        capitals.add(term)
                        if sound is not None:
                            capitals.add(sound)
            initial = ends

    @staticmethod
    def _chunk(chunk: str) -> tuple[str | tuple | None, int, bool, str | None]:
        terms = []
        rule = _NEVER
        sound = None
        for raw in _TOKEN.findall(chunk):
            low = raw.casefold()
            if len(low) < 2 and not low.isdigit():
                continue
            folded = _fold(low)
            if low in _STOP or folded in _STOP or not folded:
                continue
            if not terms:
                if raw[0].isdigit():
                    rule = _ALWAYS if len(folded) > 1 else _NEVER
                elif raw[0].isupper() and low not in _CALENDAR:
                    rule = _UNLESS_INITIAL
                    sound = _skeleton(_plain(low))
            terms.append(folded)
        # Most chunks end in a letter or a comma: no need to ask the regular expressions
        # (a match of _SENTENCE_END ends in one of _END_CHARACTERS).
        ends = (
            chunk[-1] in _END_CHARACTERS
            and bool(_SENTENCE_END.search(chunk))
            and not _SINGLE_CAPITAL.search(chunk)
        )
        if not terms:
            return None, _NEVER, ends, None
        return (terms[0] if len(terms) == 1 else tuple(terms)), rule, ends, sound
