"""What a question asks about beyond its topic: the thing it counts, the kind of amount, the names.

A trap question names a topic the documents cover and asks for a fact they do not state ("How many
employees does the cluster's management company have?" over a document that counts members and
guests). Its evidence is a sentence that holds the asked kind of answer *about the asked thing*: a
count next to the employees, an amount next to the fee. The concepts below are the things members ask
cluster documents to count or price, each named the ways German and English texts name it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.text import ENGLISH_STOP, GERMAN_STOP, passage_terms, query_terms, term_matches, words


@dataclass(frozen=True)
class Concept:
    """A thing a question may count or price, as a question or a sentence names it (either language)."""

    name: str
    pattern: re.Pattern[str]
    stated_as: re.Pattern[str] | None = None  # how an answer may name it, when wider than a question

    def named_in(self, text: str) -> bool:
        """True when the text names the concept."""
        return bool(self.pattern.search(text))

    @property
    def stated(self) -> re.Pattern[str]:
        """How a sentence that answers a question about the concept may name it."""
        return self.stated_as or self.pattern


def make_concept(name: str, stems: str, stated_as: str | None = None) -> Concept:
    def compiled(words: str) -> re.Pattern[str]:
        # letters only before a stem: "\w*" would also run over digits and "_" (quadratic on long runs)
        letters = words.replace(r"\w*", r"[^\W\d_]*")
        return re.compile(rf"(?<![^\W\d_])(?:{letters})", re.IGNORECASE)

    return Concept(name, compiled(stems), compiled(stated_as) if stated_as else None)


# Things counted. Each pattern matches at the start of a word (German compounds: at the start of the
# compound or, for the listed heads, anywhere in it: "Medizintechnikfirmen", "Vollzeitstellen").
COUNTED = (
    make_concept(
        "employees",
        r"employ|staff|workers?\b|workforce|jobs?\b|headcount|people (?:work|are employed)|"
        r"\w*arbeitsplätze|\w*arbeitsplatz|\w*beschäftigt|mitarbeit|personal\b|\w*stellen\b|fachkräfte|"
        r"(?:menschen|personen|leute) (?:arbeit|beschäftigt|tätig)|köpfe",
    ),
    make_concept("members", r"member|\w*mitglied"),
    make_concept(
        "companies",
        r"compan|firms?\b|business|enterprise|\w*unternehm|\w*firmen\b|\w*betriebe?\b|\w*hersteller|"
        r"manufacturer|supplier|zulieferer|smes?\b|kmu",
    ),
    make_concept("start-ups", r"start-?ups?|spin-?offs?|\w*gründung|ausgründ|founders?\b|gründer"),
    make_concept("partners", r"\w*partner"),
    make_concept("projects", r"\w*proje[ck]t|\w*vorhaben"),
    make_concept(
        "participants",
        r"participant|attendee|guests?\b|visitors?\b|\w*teilnehm|\w*gäste|\w*besucher|delegat|exhibitors?\b|exhibited\b|exhibiting\b|"
        r"aussteller|people (?:attend|came|took part|participat)",
    ),
    make_concept(
        "people",
        r"people|persons?\b|\w*personen\b|\w*menschen\b|leute|teams?\b|engineer|ingenieur|\w*kräfte|\w*kraft\b|"
        r"employ|staff|\w*beschäftigt|mitarbeit|"
        r"participant|attendee|guests?\b|visitors?\b|\w*teilnehm|\w*gäste|\w*besucher|inhabitant|\w*einwohner",
    ),
    make_concept(
        "events",
        r"events?\b|\w*veranstaltung|conference|\w*konferenz|workshop|\w*messen?\b|trade fair|\w*tagung|"
        r"meetings?\b|\w*treffen",
    ),
    make_concept(
        "students",
        r"student|\w*studierende|doctoral|doktorand|phd|\w*absolvent|graduates?\b|azubi|trainee|apprentice|"
        r"\w*lehrling|\w*auszubildende",
    ),
    make_concept("researchers", r"researchers?\b|scientist|\w*wissenschaftler|\w*forscher|professor"),
    make_concept("groups", r"\w*groups?\b|\w*gruppen?\b|teams?\b|labs?\b|\w*labore?\b"),
    make_concept("patents", r"\w*patent"),
    make_concept("drugs", r"drugs?\b|medicine|medicament|\w*arzneimittel|\w*medikament|\w*wirkstoff|therap"),
    make_concept("sites", r"\w*sites?\b|locations?\b|\w*standort|campus|\w*niederlassung|branch(?:es)?\b"),
    make_concept("countries", r"countr|nations?\b|\w*länder\b|\w*staaten\b"),
    make_concept(
        "institutions",
        r"institut|\w*hochschul|universit|college|facilit|\w*einrichtung|research (?:centre|center)|"
        r"\w*zentren\b|\w*zentrum\b|centres?\b|centers?\b",
    ),
    make_concept("shareholders", r"shareholder|\w*gesellschafter|owners?\b|\w*eigentümer|\w*anteilseigner"),
    make_concept("networks", r"\w*cluster|\w*netzwerk|network|initiative"),
    make_concept(
        "applications",
        r"application|\w*bewerbung|\w*anträge|\w*antrag|entries\b|entry\b|submission|\w*einreichung|eingereicht|"
        r"\w*beiträge\b|candidates?\b|\w*kandidat",
    ),
    make_concept("products", r"products?\b|\w*produkte?\b|innovation|\w*lösungen|solutions?\b"),
    make_concept("square metres", r"square met|m²|m2\b|quadratmeter|\w*fläche|space\b|floor"),
)

# Kinds of amount. A question asking for one of these needs an amount next to it; a question asking
# for money in general ("Wie viel Geld", "What does it cost") needs an amount in the closest sentences.
PRICED = (
    make_concept(
        "fee",
        # "What does a company pay to be a member?" asks for the fee; only a fee answers it
        r"fees?\b|\w*beitr[aä]g|\w*gebühr|subscription|dues\b|(?:pays?|zahl\w*)\b[^.?!]{0,40}\b(?:member|mitglied)",
        r"fees?\b|\w*beitr[aä]g|\w*gebühr|subscription|dues\b",
    ),
    make_concept(
        "turnover",
        r"turnover|turn(?:s|ed)? over|revenues?\b|\w*umsatz|\w*umsätze|\w*erlös|sales\b|erwirtschaft",
    ),
    make_concept("rent", r"rent\b|rents\b|rental|\w*miete\b|\w*mieten\b|lease|pacht"),
    make_concept("salary", r"salar|\w*gehalt|\w*gehälter|wages?\b|\w*lohn|\w*löhne|earns?\b|verdien"),
    make_concept("prize", r"prize|\w*preisgeld|dotiert|endowed"),
    make_concept("profit", r"profits?\b|\w*gewinn|earnings"),
    make_concept(
        "funding",
        r"\w*fördergeld|\w*fördersumme|\w*förderung|\w*förderbescheid|\w*bescheid|funding|fund(?:ed|s)\b|grants?\b|"
        r"\w*zuschuss|\w*zuschüsse|subsid|\bgefördert|\bfördert|bewilligt|approved",
    ),
    # what something costs, when the question names no kind above ("What does a desk cost per month?"):
    # the amount must stand next to a price, a charge or a period
    make_concept(
        "price",
        r"\w*kosten\b|kostet|costs?\b|\w*preise?\b|prices?\b|priced|charge",
        # an answer may name the price, a charge or the period it covers ("25,000 euros a year each")
        r"\w*kosten\b|kostet|costs?\b|\w*preise?\b|prices?\b|priced|charge|\w*beitr[aä]g|\w*gebühr|fees?\b|"
        r"\w*miete\b|rent\b|per (?:month|year|day|hour|person)|pro (?:monat|jahr|tag|stunde|person)|monatlich|"
        r"jährlich|monthly|yearly|annually|a (?:year|month)\b|each\b|\bje\b",
    ),
)

_COUNT_ASKED = re.compile(
    r"\b(?:how many|wie viele[nrs]?|number of|anzahl (?:der|an|von)|zahl der)\s+(?P<rest>[^?!.;:]*)",
    re.IGNORECASE,
)
# A number that is not a year, or a number word; not an amount of money or a share ("750,000 euros of
# start-up financing" counts no start-ups).
# A number that looks like a year but counts the word after it: "rund 2000 Mitglieder", "2000 members".
COUNTED_AFTER_YEAR = (
    r"\s+(?:mitglied|member|unternehm|firm|compan|beschäftigt|employ|mitarbeit|teilnehm|participant|besucher|"
    r"visitor|gäste|guests|people|menschen|personen|partner|start-?ups|studierende|students|arbeitsplätze|jobs)"
)
COUNT = re.compile(
    rf"(?:(?<![\w.,])(?!(?:19|20)\d\d\b(?!{COUNTED_AFTER_YEAR}))\d[\d.,']*(?<![.,'])(?![.,']?\d)(?!\w)|\b(?:zwei|drei|vier|fünf|sechs|sieben|"
    r"acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|hundert|tausend|"
    r"dutzend|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen)"
    r"(?:e|en|s)?\b)"
    r"(?!\s*(?:%|prozent\b|percent\b|per cent\b|euros?\b|eur\b|€|chf\b|franken\b|francs\b|dollars?\b|\$|mio\b|"
    r"millionen\b|million\b|mrd\b|milliarden\b|billion\b))",
    re.IGNORECASE,
)
# A share: "15 percent of patients" answers "how many patients".
SHARE = re.compile(
    r"\d[\d.,]*\s*(?:%|prozent|percent|per cent)|\b(?:half|third|quarter|hälfte|drittel|viertel)\b",
    re.IGNORECASE,
)
COUNT_OR_SHARE = re.compile(f"(?:{COUNT.pattern})|(?:{SHARE.pattern})", re.IGNORECASE)
# How many words may stand between a count and the thing it counts.
NEAR_WORDS = 3
_FILLER = frozenset(
    {"member", "mitglieds", "verschiedene", "different", "active", "aktive", "new", "neue", "neuen"}
)


@dataclass(frozen=True)
class Focus:
    """The thing a question asks to count or price: a known concept, or the question's own word."""

    label: str
    concept: Concept | None
    terms: tuple[frozenset[str], ...] = ()

    def counted_in(self, sentence: str) -> bool:
        """True when the sentence holds a count of the thing (next to the concept's words; for a word
        that is no concept, anywhere in a sentence with the word)."""
        if self.concept is not None:
            return near(COUNT_OR_SHARE, self.concept.pattern).search(sentence) is not None
        return COUNT_OR_SHARE.search(sentence) is not None and self.named_in(sentence)

    def named_in(self, sentence: str) -> bool:
        """True when the sentence names the thing (the concept's words, or the word's stem)."""
        if self.concept is not None:
            return self.concept.named_in(sentence)
        found = passage_terms(sentence)
        if any(term_matches(stem, found) for term in self.terms for stem in term):
            return True
        lowered = sentence.lower()  # the word inside a compound: "Busse" in "Brennstoffzellenbusse"
        return len(self.label) >= 4 and self.label in lowered


def _focus(rest: str, concepts: Sequence[Concept]) -> Focus | None:
    """The first of the next few content words that names a concept, else the first content word."""
    following = words(rest)[:5]
    for i in range(len(following)):
        pair = " ".join(following[i : i + 2])
        for concept in concepts:
            if concept.pattern.match(pair):
                return Focus(concept.name, concept)
    candidates = [w for w in following if w not in GERMAN_STOP and w not in ENGLISH_STOP and not w.isdigit()]
    content = [w for w in candidates if w not in _FILLER]
    if not content:
        return None
    return Focus(content[0], None, tuple(query_terms(content[0], "de") + query_terms(content[0], "en")))


def together(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern that finds a text holding all the patterns, anywhere and in any order."""
    ahead = "".join(rf"(?=[\s\S]*?(?:{p.pattern}))" for p in patterns)
    return re.compile(rf"\A{ahead}", re.IGNORECASE)


def near(first: re.Pattern[str], second: re.Pattern[str], between: int = NEAR_WORDS) -> re.Pattern[str]:
    """A pattern that finds the two patterns at most `between` words apart, in either order: "rund
    600 direkte Arbeitsplätze", "employing close to 20,000 people"."""
    # one way only to split the gap into words, so a failing search stays linear ("Mitglieder ----...")
    gap = rf"(?:\W+\w+(?:[.,'’-]\w+)*){{0,{between}}}?\W+"
    a, b = first.pattern, second.pattern
    a, b = rf"(?:{a})\w*(?:[-'’]\w+)*", rf"(?:{b})\w*(?:[-'’]\w+)*"  # to the end of the word
    return re.compile(rf"{a}{gap}{b}|{b}{gap}{a}", re.IGNORECASE)


def counted(question: str) -> Focus | None:
    """What a "how many" question counts, if it is one."""
    match = _COUNT_ASKED.search(question)
    return _focus(match["rest"], COUNTED) if match else None


def priced(question: str) -> Concept | None:
    """The kind of amount a question asks for, when it names one (a fee, the turnover, the rent)."""
    return next((c for c in PRICED if c.named_in(question)), None)


# Relations a question asks about, and how a sentence that states one reads (either language): the
# quote ranking favours such sentences ("Who funds BioAlps?" is answered by "financed by seven cantons",
# not by the sentence that repeats the question's words).
RELATIONS = tuple(
    (re.compile(asked, re.IGNORECASE), re.compile(stated, re.IGNORECASE))
    for asked, stated in (
        (  # who leads it
            r"\bwer (?:leitet|führt|managt|steht an der spitze)|\bwho (?:manages|runs|leads|heads|directs|is in charge)|"
            r"\bleitung\b|\bleads?\b|\bmanages?\b|\bmanaged\b|\bheads?\b",
            r"\bleit|geleitet|manag|director|\bhead|\bchef|geschäftsführ|vorstand|vorsitz|sprecher|\bführt|\bled\b",
        ),
        (  # who pays for it
            r"finanzier|financ|\bfunds?\b|\bfunded\b|\bpays? for\b|\bpaid for\b|bezahlt|geldgeber|\bfunders?\b|trägt die kosten",
            r"finanzier|financ|\bfund|förder|\bzahl|\bpaid\b|\bpays\b|getragen|\bträger|geldgeber|zuschuss|\bgrants?\b",
        ),
        (  # what it is called
            r"\bnamen?\b|\bheißt\b|\bcalled\b|bezeichnung|\bnamed\b",
            r"\bnamen?\b|\bheißt|\bhieß|\bcalled\b|renamed|umbenannt|bezeichn|trägt (?:die|der|das)?\s*\w* ?den namen",
        ),
        (  # when it began (STARTED below)
            r"gegründet|gründung|\bfounded\b|\bfounding\b|established|set up|launched|\bstart|startschuss|auftakt|"
            r"eröffn|\bopened\b|\bopening (?:date|ceremony)|ins leben|seit wann (?:gibt es|existiert|besteht)|"
            r"wie lange (?:gibt es|existiert|besteht)|(?:since when|how long) (?:has|have|does|do|did)\b[^?]{0,60}"
            r"(?:existed|exist|been around)",
            r"gegründet|gründung|\bfounded\b|established|set up|launched|\bstart|startschuss|auftakt|eröffn|"
            r"\bopened\b|ins leben|inaugurat|kick-?off|\bbegann|\bbegan\b|\bbegonnen|\bbeginnt|\bentstand|gestartet|"
            r"\bseit\b|\bsince\b",
        ),
        (  # who owns it
            r"wem gehört|who owns|\bowners?\b|eigentümer|gesellschafter|shareholder|\banteile",
            r"gesellschafter|shareholder|eigentümer|\bowners?\b|\bowned\b|\bhalten\b|\bhold\b|anteil|prozent|percent|%",
        ),
    )
)


def stated_relations(question: str) -> list[re.Pattern[str]]:
    """How sentences that state what the question asks about read (see RELATIONS)."""
    return [stated for asked, stated in RELATIONS if asked.search(question)]


# Who leads it, for the evidence check: only a question that asks for the leader ("Who is the lead
# partner?", "Which region leads in hydrogen?" do not), and the ways a sentence names one.
LEADS = (
    re.compile(
        r"\bwer (?:leitet|führt|managt|steht an der spitze)|\bwho (?:manages|runs|leads|heads|directs|is in charge)|"
        r"\bleitung\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"{RELATIONS[0][1].pattern}|\blead|run by|\bruns\b|administ|verwalt|verantwort",
        re.IGNORECASE,
    ),
)
STARTED = RELATIONS[3]  # (asked, stated): a founding, a launch, an opening
