#!/usr/bin/env python3
"""Generate a deterministic "news digest" corpus of Markdown articles.

    python bench/gen_corpus.py --n 10000 --out DIR [--seed 1] [--force]

The project's copy of the benchmark corpus generator the issues were measured with, kept in
the repository so that a clone needs nothing beside it (bench/run.py and the tests generate
their corpora with it). Only reformatted for the project's linters: for the same arguments it
writes byte-identical files to the original's.

Writes DIR/YYYY/MM/DD/<slug>.md, each with YAML front matter:

    ---
    title: "Syria, Russia to Discuss Peace Conference on Monday"
    source: The Moscow Times
    date: 2013-11-17
    url: https://www.themoscowtimes.com/2013/11/17/<slug>-a29641
    topics: [Syria, Russia, Diplomacy]
    ---
    <6-20 paragraphs, ~300-900 words of Markdown>

Shape of the corpus (all from one seeded random.Random, stdlib only):
  * ~N/15 distinct consecutive dates starting 2013-01-01 (every date used;
    weekdays get twice the weight of weekend days), so ~15 articles a day;
  * 40 sources and 60 topics, both with Zipf-like (1/rank) popularity; each
    article has 1-4 distinct topics;
  * body: 6-20 paragraphs with a total of ~300-900 words drawn from an
    embedded list of ~2,000 English words and names with Zipf-like
    frequencies; ~30% of paragraphs carry 1-2 [links](https://example.org/..),
    some **bold** / *italic*, quoted speech; ~60% of articles have a
    blockquote, ~25% a bullet list, ~8% an ordered list, ~10% a small pipe
    table, ~20% a "## " sub-heading;
  * slugs are unique across the whole corpus (a -2, -3 suffix on collision).

The same (n, seed) gives byte-identical output on any CPython 3.8+ (no set or
dict-order or hash dependence).  Refuses a non-empty DIR unless --force (which
deletes DIR first).
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import os
import random
import re
import shutil
import sys
import time
import unicodedata

# --------------------------------------------------------------------------
# Vocabulary.  Function words in rough frequency order (highest first).
FUNCTION = """
the of and to a in that is was for on it with as he said by at his from be
have has had are were not but an they this which who their its will would
also been more after than one two over about into up out new last year
there could when other we all first she her some what can if so no just
said may should only most while against before under three between during
since because however where then both such those these many much any them
our government people told officials percent week month state country
including although through each four five several among still least
"""

CONTENT = """
minister president talks peace conference agreement deal ceasefire vote
election parliament opposition party leader leaders coalition reform
economy growth inflation budget deficit debt tax taxes spending bank banks
market markets shares stocks investors prices price oil gas energy pipeline
exports imports trade tariff sanctions embargo military army troops forces
soldiers war conflict attack attacks strike strikes bombing rebels fighters
militants security police arrest arrested court judge trial ruling law laws
bill legislation senate congress committee council ministry foreign defense
interior justice health education hospital hospitals doctors patients virus
vaccine outbreak disease cases deaths killed wounded injured victims
refugees migrants border borders crossing camp camps aid humanitarian relief
food water shortage shortages drought flood floods storm earthquake fire
fires disaster damage rescue workers union unions protest protests
demonstrators crowd rally march capital city cities region regions province
village villages town towns district neighborhood residents citizens voters
campaign candidate candidates poll polls survey support critics supporters
analysts experts report reports statement spokesman spokeswoman official
source sources document documents investigation inquiry probe scandal
corruption bribery fraud charges allegations accused prosecutors lawyers
defense sentence prison jail release released freed hostage hostages
negotiations negotiators envoy ambassador embassy summit meeting meetings
delegation delegations proposal plan plans strategy policy policies program
programme project projects company companies firm firms corporation chief
executive chairman board director directors employees jobs unemployment
wages salaries pension pensions retirement housing rent homes construction
infrastructure road roads railway rail airport airline flights flight
passengers ship ships port ports shipping cargo container fuel electricity
power plant plants nuclear reactor coal solar wind renewable emissions
climate carbon temperatures warming environment pollution forest forests
wildlife species ocean sea river rivers lake coast island islands mountain
technology internet online digital data software platform platforms users
social media network networks phone phones mobile device devices computer
hackers cyber privacy surveillance intelligence agency agencies spy spies
satellite space rocket launch mission scientists research study studies
university universities students schools teachers school children families
women men girls boys youth elderly population census immigrants workers
farmers farm farms crops harvest wheat grain rice coffee sugar cotton
exports tourism tourists hotel hotels travel visitors festival film films
music concert artist artists museum exhibition book books author novel
season team teams players player coach match matches game games tournament
championship league cup final goal goals victory defeat win won lost score
record records medal medals athletes olympic stadium fans club clubs
television channel newspaper journalist journalists reporter reporters
editor freedom press rights human activists activist movement opposition
church mosque religious faith bishop priest community communities culture
history historic anniversary memorial ceremony celebration holiday weekend
monday tuesday wednesday thursday friday saturday sunday morning evening
afternoon night today yesterday tomorrow decade century future past
announced announce says say expected expects expect plans planned planning
warned warns warning called calls urged urges demanded demands rejected
rejects denied denies confirmed confirms reported claimed claims signed
agreed agrees approved approves passed voted elected appointed resigned
dismissed fired hired launched opened closed built destroyed damaged
increased decreased rose fell dropped climbed jumped surged slumped grew
declined raised cut cuts boosted reduced lowered doubled tripled reached
hit remain remained remains continue continued continues began begin begins
ended ends finished completed started starts held hold holds met meet meets
discussed discuss discusses considered considers decided decides agreed
allowed allow allows blocked blocks banned bans imposed imposes lifted
lifts extended extends delayed delays postponed cancelled suspended
resumed restored returned returns arrived arrives left leaves visited
visits traveled hosted hosts joined joins signed signs withdrew withdraw
invaded occupied captured seized controlled controls defended defends
protected protects threatened threatens criticized criticizes praised
welcomed welcomes condemned condemns accused accuses blamed blames
investigated investigates charged charges convicted acquitted sentenced
pardoned deported detained detains questioned interviewed revealed reveals
published publishes released releases leaked disclosed showed shows found
finds suggested suggests indicated indicates estimated estimates predicted
forecast forecasts projected expected estimated recorded measured counted
major minor key main top senior junior former current previous next recent
latest early late long short high low large small big huge massive tiny
strong weak powerful important significant serious severe critical crucial
major national international global local regional federal foreign
domestic public private official independent political economic social
financial military diplomatic legal illegal constitutional presidential
parliamentary electoral democratic liberal conservative radical moderate
popular controversial historic unprecedented rare common typical unusual
difficult easy possible impossible likely unlikely clear unclear open
closed free fair full empty rich poor wealthy cheap expensive new old
young modern ancient traditional western eastern northern southern central
rural urban coastal remote nearby distant worldwide annual monthly weekly
daily quarterly overall total average additional further extra final
initial temporary permanent direct indirect official unofficial joint
separate bilateral multilateral regional state-owned long-term short-term
crisis crises issue issues problem problems question questions concern
concerns fear fears hope hopes risk risks threat threats challenge
challenges opportunity opportunities chance chances effort efforts attempt
attempts move moves step steps decision decisions change changes impact
effect effects result results outcome outcomes response reaction
reactions pressure tension tensions dispute disputes row clash clashes
violence unrest uprising revolution coup regime administration cabinet
government governments authority authorities institution institutions
organization organizations group groups alliance bloc partner partners
ally allies rival rivals enemy enemies neighbor neighbors member members
representative representatives delegate delegates lawmaker lawmakers
legislator legislators senator senators governor governors mayor mayors
prime deputy foreign finance economy general secretary commander
commanders general generals officer officers soldier spokesperson
president's minister's country's government's company's city's party's
agreement's billion million thousand hundred dozens hundreds thousands
millions billions percent rate rates level levels amount number numbers
figure figures share stake value cost costs revenue revenues profit
profits loss losses sales income investment investments fund funds
funding loan loans credit bonds currency dollar dollars euro euros rouble
roubles yuan yen pound pounds reserve reserves central interest
quarter quarters period periods term terms round rounds phase phases
stage stages session sessions hearing hearings case cases vote votes
ballot ballots referendum turnout seat seats majority minority mandate
constitution amendment treaty accord pact framework roadmap resolution
resolutions mandate veto council assembly chamber house commission
tribunal panel board body bodies office offices headquarters base bases
zone zones area areas territory territories land lands region corridor
frontier checkpoint highway bridge tunnel building buildings tower square
street streets center centre district quarter market suburb suburbs
block neighbourhood site sites facility facilities compound station
stations terminal depot warehouse factory factories mine mines field
fields well wells reservoir dam canal harbor harbour bay gulf strait
peninsula valley desert plain plateau steppe tundra glacier ice snow rain
heat cold winter spring summer autumn weather forecaster temperature
wind winds wave waves tide current currents smoke ash dust air sky
statement interview speech address remarks comments comment message
letter letters note notes email emails call calls visit trip tour journey
agenda priority priorities goal goals target targets deadline deadlines
timetable schedule calendar date dates day days week weeks month months
year years hour hours minute minutes moment time times history story
stories account accounts version versions detail details fact facts
evidence proof sign signs signal signals indication warning warnings
leader's spokesman's analyst economist economists strategist observers
observer critic commentators diplomat diplomats negotiator mediator
mediators broker investor traders trader banker bankers regulator
regulators watchdog watchdogs inspector inspectors monitor monitors
auditor auditors consultant consultants adviser advisers aide aides
staff staffer personnel crew crews pilot pilots driver drivers captain
engineer engineers scientist researcher researchers professor teacher
student doctor nurse nurses surgeon volunteer volunteers resident
neighbour owner owners tenant tenants buyer buyers seller sellers
consumer consumers customer customers shopper shoppers viewer viewers
reader readers audience audiences listener listeners follower followers
subscriber subscribers member fan spectators
reform reforms overhaul shake-up crackdown clampdown purge amnesty
pardon appeal appeals petition petitions complaint complaints lawsuit
lawsuits settlement settlements verdict verdicts sentence sentences fine
fines penalty penalties punishment compensation damages reparations
subsidy subsidies grant grants bailout rescue stimulus package packages
measure measures restriction restrictions limit limits quota quotas
ban curbs controls regulations rule rules standard standards guideline
guidelines requirement requirements condition conditions terms
obligation obligations commitment commitments promise promises pledge
pledges guarantee guarantees assurance assurances warning threat
ultimatum demand request requests offer offers bid bids tender tenders
contract contracts license licenses permit permits concession
concessions deal merger mergers acquisition acquisitions takeover
takeovers stake listing listings offering debut bankruptcy restructuring
layoffs redundancies hiring recruitment training skills education
degree degrees exam exams test tests result score grades curriculum
nation nations republic kingdom federation union empire state states
province provinces county counties municipality municipalities region
ethnic minority minorities majority tribal tribe tribes clan clans
language languages dialect religion religions tradition traditions
custom customs heritage identity citizenship passport passports visa
visas asylum residence permit deportation integration diaspora
"""

NAMES = """
Syria Russia Ukraine Moscow Kiev Kyiv Damascus Aleppo Homs Geneva Vienna
Paris London Berlin Brussels Washington Beijing Tokyo Delhi Mumbai Cairo
Tehran Baghdad Ankara Istanbul Jerusalem Gaza Beirut Amman Riyadh Doha
Dubai Kabul Islamabad Karachi Dhaka Jakarta Manila Hanoi Bangkok Seoul
Pyongyang Taipei Hong Kong Shanghai Sydney Canberra Wellington Ottawa
Toronto Montreal Mexico Havana Caracas Bogota Lima Santiago Brasilia
Buenos Aires Lagos Nairobi Addis Ababa Khartoum Tripoli Tunis Algiers
Rabat Dakar Accra Johannesburg Pretoria Kinshasa Luanda Harare Kampala
Warsaw Prague Budapest Bucharest Sofia Belgrade Zagreb Athens Rome Madrid
Lisbon Dublin Oslo Stockholm Helsinki Copenhagen Tallinn Riga Vilnius
Minsk Tbilisi Yerevan Baku Astana Tashkent Bishkek Dushanbe Ashgabat
Crimea Sevastopol Donetsk Luhansk Chechnya Grozny Siberia Novosibirsk
Vladivostok Murmansk Arctic Caucasus Balkans Baltic Europe Asia Africa
America Britain France Germany Italy Spain Poland Turkey Iran Iraq Israel
Egypt Libya Tunisia Lebanon Jordan Yemen Saudi Arabia Qatar Afghanistan
Pakistan India China Japan Korea Vietnam Indonesia Australia Canada
Brazil Argentina Venezuela Colombia Chile Peru Cuba Nigeria Kenya
Ethiopia Sudan Somalia Mali Congo Belarus Georgia Armenia Azerbaijan
Kazakhstan Uzbekistan Kyrgyzstan Moldova Serbia Kosovo Bosnia Greece
Cyprus Norway Sweden Finland Denmark Estonia Latvia Lithuania Hungary
Romania Bulgaria Austria Switzerland Netherlands Belgium Portugal Ireland
Putin Medvedev Lavrov Shoigu Navalny Obama Kerry Biden Clinton Merkel
Hollande Cameron Assad Rouhani Erdogan Netanyahu Abbas Morsi Sisi
Poroshenko Yanukovych Tymoshenko Lukashenko Nazarbayev Xi Abe Modi
Sharif Karzai Ban Brahimi Annan Ashton Juncker Tusk Draghi Lagarde
Sergei Vladimir Dmitry Alexei Andrei Mikhail Ivan Nikolai Pavel Boris
Olga Irina Natalia Tatiana Elena Anna Maria Svetlana Yulia Ekaterina
John Michael David James Robert William Richard Thomas Charles Daniel
Sarah Emily Laura Rachel Hannah Sophie Claire Julia Helen Catherine
Ahmed Mohammed Ali Hassan Hussein Omar Khaled Youssef Ibrahim Mustafa
Fatima Aisha Leila Amira Nour Zainab Mariam Salma Huda Rania
Wang Li Zhang Liu Chen Yang Huang Zhao Kim Park Lee Tanaka Suzuki Sato
Ivanov Petrov Smirnov Kuznetsov Popov Sokolov Volkov Morozov Novikov
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor
Gazprom Rosneft Lukoil Sberbank Aeroflot Kremlin Duma Pentagon NATO OPEC
UNESCO Interpol Europol Eurostat IMF WHO Nasdaq Boeing Airbus Google
Apple Microsoft Amazon Facebook Twitter Yandex Samsung Toyota Siemens
"""

TOPICS = [
    "Politics",
    "Economy",
    "Russia",
    "Diplomacy",
    "Syria",
    "Ukraine",
    "Europe",
    "Business",
    "Energy",
    "Security",
    "United States",
    "China",
    "Elections",
    "Markets",
    "Middle East",
    "Courts",
    "Oil",
    "Health",
    "Human Rights",
    "Technology",
    "Crime",
    "Sanctions",
    "Defense",
    "Protests",
    "Trade",
    "Banking",
    "Climate",
    "Migration",
    "Iran",
    "Culture",
    "Sports",
    "Science",
    "Media",
    "Corruption",
    "Environment",
    "Education",
    "Israel",
    "Transport",
    "Terrorism",
    "Africa",
    "Football",
    "Internet",
    "Nuclear",
    "Labor",
    "Housing",
    "Aviation",
    "Agriculture",
    "India",
    "Japan",
    "Latin America",
    "Religion",
    "Space",
    "Tourism",
    "Film",
    "Music",
    "Cybersecurity",
    "Weather",
    "Disasters",
    "Arctic",
    "Olympics",
]

SOURCES = [
    "The Moscow Times",
    "Reuters",
    "Associated Press",
    "BBC News",
    "The Guardian",
    "Al Jazeera",
    "Deutsche Welle",
    "France 24",
    "The New York Times",
    "The Washington Post",
    "Financial Times",
    "The Economist",
    "Bloomberg",
    "Le Monde",
    "Der Spiegel",
    "El País",
    "The Japan Times",
    "South China Morning Post",
    "The Times of India",
    "The Hindu",
    "Haaretz",
    "The Jerusalem Post",
    "Kyiv Post",
    "Meduza",
    "Novaya Gazeta",
    "Kommersant",
    "Vedomosti",
    "The Independent",
    "The Telegraph",
    "Euronews",
    "Politico",
    "The Atlantic",
    "Foreign Policy",
    "NPR",
    "CBC News",
    "ABC News",
    "The Irish Times",
    "Dawn",
    "Daily Nation",
    "Mail & Guardian",
]

SMALL = (
    "a",
    "an",
    "the",
    "to",
    "in",
    "on",
    "of",
    "for",
    "as",
    "at",
    "and",
    "by",
    "with",
    "from",
    "over",
    "after",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zipf_cum(n: int, s: float = 1.0, q: float = 2.7) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights 1/(rank+q)^s for ranks 0..n-1."""
    return list(itertools.accumulate(1.0 / (r + q) ** s for r in range(n)))


def uniq(words: list[str]) -> list[str]:
    seen, out = {}, []
    for w in words:
        if w not in seen:
            seen[w] = 1
            out.append(w)
    return out


def slugify(text: str, maxlen: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(s) > maxlen:
        s = s[:maxlen].rsplit("-", 1)[0]
    return s or "article"


def domain_of(source: str) -> str:
    s = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    return "www." + re.sub(r"[^a-z0-9]", "", s.lower()) + ".com"


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.func = uniq(FUNCTION.split())
        self.content = uniq(CONTENT.split())
        self.names = uniq(NAMES.split())
        self.func_cw = zipf_cum(len(self.func), s=0.9, q=1.5)
        self.content_cw = zipf_cum(len(self.content), s=1.0, q=8)
        self.names_cw = zipf_cum(len(self.names), s=0.8, q=4)
        self.topic_cw = zipf_cum(len(TOPICS), s=1.0, q=1.0)
        self.source_cw = zipf_cum(len(SOURCES), s=1.0, q=2.0)
        # one combined vocabulary: class share x within-class Zipf weight
        self.vocab, self.vocab_cw, acc = [], [], 0.0
        for words, cw, share in (
            (self.func, self.func_cw, 45.0),
            (self.content, self.content_cw, 48.0),
            (self.names, self.names_cw, 7.0),
        ):
            prev = 0.0
            for w, c in zip(words, cw, strict=True):
                acc += (c - prev) * share / cw[-1]
                prev = c
                self.vocab.append(w)
                self.vocab_cw.append(acc)

    # -- words --------------------------------------------------------------
    def words(self, k: int) -> list[str]:
        """k words of 'news prose': ~45% function words, ~7% names."""
        return self.r.choices(self.vocab, cum_weights=self.vocab_cw, k=k)

    def number(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.3:
            return f"{r.randint(1, 99)} percent"
        if x < 0.5:
            return f"${r.randint(1, 99)}.{r.randint(1, 9)} billion"
        if x < 0.7:
            return str(r.randint(1990, 2013))
        return f"{r.randint(2, 250000):,}"

    def sentence(self, lo: int = 8, hi: int = 26) -> str:
        r = self.r
        w = self.words(r.randint(lo, hi))
        if r.random() < 0.25:
            w.insert(r.randrange(1, len(w)), self.number())
        if len(w) > 10 and r.random() < 0.5:
            i = r.randrange(3, len(w) - 3)
            w[i] += ","
        w[0] = w[0][:1].upper() + w[0][1:]
        return " ".join(w) + "."

    def name(self) -> str:
        return " ".join(self.r.choices(self.names, cum_weights=self.names_cw, k=2))

    # -- inline markup ------------------------------------------------------
    def decorate(self, words: list[str]) -> list[str]:
        r = self.r
        n = len(words)
        if n < 8:
            return words
        if r.random() < 0.30:
            for _ in range(r.randint(1, 2)):
                i = r.randrange(0, n - 3)
                j = i + r.randint(1, 3)
                if "[" in "".join(words[i:j]) or "*" in "".join(words[i:j]):
                    continue
                tail = re.sub(r"[^a-z0-9]+", "-", words[j - 1].lower()).strip("-") or "x"
                url = f"https://example.org/{tail}/{r.randint(1, 99999)}"
                words[i] = "[" + words[i]
                last = words[j - 1]
                punct = ""
                while last and last[-1] in ".,":
                    punct = last[-1] + punct
                    last = last[:-1]
                words[j - 1] = last + "](" + url + ")" + punct
        if r.random() < 0.08:
            i = r.randrange(0, n - 3)
            if not any(c in words[i] + words[i + 1] for c in "[]*(),."):
                words[i] = "**" + words[i]
                words[i + 1] = words[i + 1] + "**"
        if r.random() < 0.05:
            i = r.randrange(0, n - 1)
            if not any(c in words[i] for c in "[]*(),."):
                words[i] = "*" + words[i] + "*"
        return words

    def paragraph(self, nwords: int) -> str:
        r = self.r
        parts, count = [], 0
        while count < nwords:
            hi = min(26, max(6, nwords - count))
            s = self.sentence(min(6, hi), hi)
            if r.random() < 0.12:
                s = f'"{s[:-1]}," {self.name()} said.'
            parts.append(s)
            count += s.count(" ") + 1
        return " ".join(self.decorate(" ".join(parts).split(" ")))

    def blockquote(self) -> str:
        s = self.sentence(10, 30)
        return f'> "{s[:-1]}," said {self.name()}.'

    def bullet_list(self, ordered: bool) -> str:
        r = self.r
        items = []
        for i in range(r.randint(3, 6)):
            s = self.sentence(4, 12)
            items.append((f"{i + 1}. " if ordered else "- ") + s)
        return "\n".join(items)

    def table(self) -> str:
        r = self.r
        cols = r.choice(
            (
                ("Region", "Votes", "Share"),
                ("Company", "Revenue", "Change"),
                ("Country", "Exports", "Imports"),
                ("City", "Population", "Growth"),
            )
        )
        rows = ["| {} | {} | {} |".format(*cols), "|---|---:|---:|"]
        for _ in range(r.randint(3, 5)):
            rows.append(
                "| {} | {} | {}% |".format(
                    r.choices(self.names, cum_weights=self.names_cw)[0],
                    f"{r.randint(1000, 9999999):,}",
                    f"{r.uniform(-20, 60):+.1f}",
                )
            )
        return "\n".join(rows)

    def title(self) -> str:
        r = self.r
        x = r.random()

        def nm() -> str:
            return r.choices(self.names, cum_weights=self.names_cw)[0]

        if x < 0.25:
            w = [nm() + ",", nm(), "to", *self.words(r.randint(2, 4)), "on", r.choice(WEEKDAYS)]
        elif x < 0.35:
            w = [nm() + ":", *self.words(r.randint(4, 8))]
        elif x < 0.45:
            w = [nm() + "'s", *self.words(r.randint(4, 7))]
        else:
            w = self.words(r.randint(5, 10))
        out = []
        for i, t in enumerate(w):
            if i == 0 or t not in SMALL:
                t = t[:1].upper() + t[1:]
            out.append(t)
        return " ".join(out)

    def body(self) -> str:
        r = self.r
        npar = r.randint(6, 20)
        target = r.randint(300, 900)
        blocks = []
        has_quote = r.random() < 0.6
        extras = []
        if r.random() < 0.25:
            extras.append(self.bullet_list(False))
        if r.random() < 0.08:
            extras.append(self.bullet_list(True))
        if r.random() < 0.10:
            extras.append(self.table())
        heading = r.random() < 0.2
        prose = npar - (1 if has_quote else 0)
        extra_words = sum(e.count(" ") + 1 for e in extras) + (20 if has_quote else 0)
        per = max(12, (target - extra_words) // max(1, prose))
        for _i in range(prose):
            blocks.append(self.paragraph(max(6, int(per * r.uniform(0.6, 1.4)))))
        if has_quote:
            blocks.insert(r.randrange(1, len(blocks) + 1), self.blockquote())
        for e in extras:
            blocks.insert(r.randrange(1, len(blocks) + 1), e)
        if heading and len(blocks) > 3:
            t = self.words(r.randint(2, 5))
            blocks.insert(r.randrange(2, len(blocks)), "## " + " ".join(t).capitalize())
        return "\n\n".join(blocks) + "\n"


def yaml_dq(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of articles")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2013-01-01", help="first date (YYYY-MM-DD)")
    ap.add_argument(
        "--per-day",
        type=float,
        default=15.0,
        help="average articles per date (dates = round(n/per_day))",
    )
    ap.add_argument("--force", action="store_true", help="delete a non-empty --out first")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    if os.path.isdir(a.out) and os.listdir(a.out):
        if not a.force:
            sys.exit(f"{a.out} is not empty (use --force to replace it)")
        shutil.rmtree(a.out)
    os.makedirs(a.out, exist_ok=True)

    g = Gen(a.seed)
    r = g.r
    ndays = max(1, round(a.n / a.per_day))
    start = datetime.date.fromisoformat(a.start)
    days = [start + datetime.timedelta(days=i) for i in range(ndays)]
    day_cw = list(itertools.accumulate(2.0 if d.weekday() < 5 else 1.0 for d in days))
    # every date gets at least one article; the rest are spread by weight
    day_of = list(range(min(ndays, a.n)))
    day_of += [
        bisect.bisect_left(day_cw, r.random() * day_cw[-1]) for _ in range(a.n - len(day_of))
    ]
    day_of.sort()  # article ids increase with date

    slugs = {}
    made_dirs = set()
    nbytes = 0
    for i in range(a.n):
        d = days[day_of[i]]
        title = g.title()
        base = slugify(title)
        slug = base
        k = slugs.get(base, 0)
        while slug in slugs:
            k += 1
            slug = f"{base}-{k}"
        slugs[base] = k
        slugs[slug] = 0
        source = r.choices(SOURCES, cum_weights=g.source_cw)[0]
        ntop = r.choices((1, 2, 3, 4), cum_weights=(20, 55, 85, 100))[0]
        topics = []
        while len(topics) < ntop:
            t = r.choices(TOPICS, cum_weights=g.topic_cw)[0]
            if t not in topics:
                topics.append(t)
        ymd = f"{d.year:04d}/{d.month:02d}/{d.day:02d}"
        url = f"https://{domain_of(source)}/{ymd}/{slug}-a{20000 + i}"
        text = ("---\ntitle: {}\nsource: {}\ndate: {}\nurl: {}\ntopics: [{}]\n---\n{}").format(
            yaml_dq(title), source, d.isoformat(), url, ", ".join(topics), g.body()
        )
        dpath = os.path.join(a.out, ymd)
        if dpath not in made_dirs:
            os.makedirs(dpath, exist_ok=True)
            made_dirs.add(dpath)
        data = text.encode("utf-8")
        with open(os.path.join(dpath, slug + ".md"), "wb") as f:
            f.write(data)
        nbytes += len(data)
    dt = time.perf_counter() - t0
    print(
        f"wrote {a.n} articles over {ndays} dates ({nbytes / 1e6:.1f} MB) to {a.out} in {dt:.2f}s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
