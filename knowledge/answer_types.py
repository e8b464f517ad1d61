"""What an answer to a question looks like: the kinds of fact a question asks for (an amount of money, a
phone number, a date, ...) and how a sentence that states one reads, the roles it asks about, and the
patterns the quote ranking favours. The evidence check (knowledge/evidence.py) wants them in the
sentences closest to the question; the quote ranking (knowledge/answer.py) puts such sentences first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.asked import COUNT, counted, near, priced, stated_relations

_NUMBER_WORD = (
    r"(?:eine?|one|a|zwei|two|drei|three|vier|four|fünf|five|sechs|six|sieben|seven|acht|eight|neun|nine|"
    r"zehn|ten|zwölf|twelve|zwanzig|twenty|fünfzig|fifty|hundert|hundred)"
)
_AMOUNT = (
    r"\d[\d.,']*(?:[,.][-–])?\s*(?:€|euros?\b|eur\b|mio\b|mio\.|millionen|million|mrd\b|mrd\.|milliarden|billion|chf|franken|"
    rf"francs|dollar)|\b{_NUMBER_WORD}\s+(?:millionen|million|milliarden|billion)"
)
_CURRENCY_FIRST = r"(?:€|chf|\$|eur)\s*\d"


@dataclass(frozen=True)
class AnswerType:
    """A kind of fact a question asks for: how to recognise the question, and the answer."""

    name: str
    asked: re.Pattern[str]
    answer: re.Pattern[str]


ANSWER_TYPES = (
    AnswerType(
        "money",
        re.compile(
            r"mitgliedsbeitr|jahresbeitr|beitragshöhe|gebühr|kosten|kostet|preisgeld|budget|fördergeld|fördersumme|"
            r"wie viel geld|wie viele euro|how much (?:money|does|did|is|was|will)|\bcosts?\b|\bfees?\b|"
            r"prize money|\bprice\b|turnover|revenue|umsatz|umsätze|\brent\b|\bmiete|salar|gehalt|gehälter|"
            r"preisgeld|dotiert|\bearns?\b|wie ?viel\w*(?:\s+\w+){0,4}\s+verdien",
            re.IGNORECASE,
        ),
        re.compile(f"{_AMOUNT}|{_CURRENCY_FIRST}", re.IGNORECASE),
    ),
    AnswerType(
        "phone",
        re.compile(r"telefon|\bphone\b|anrufen", re.IGNORECASE),
        # +49 40 ..., 040 ..., (040) ...: not a year range such as 2016-2020.
        re.compile(r"(?:\+\d|\(0|(?<![\w.,])0)[\d /()-]{6,}\d"),
    ),
    AnswerType("email", re.compile(r"e-?mail", re.IGNORECASE), re.compile(r"[\w.+-]+@[\w-]+\.\w")),
    AnswerType(
        "address",
        re.compile(r"(?<!mail-)(?<!mail )(?:adresse|\baddress\b)|anschrift|postal", re.IGNORECASE),
        # a street and number, or a postcode before a town: "Hafenstraße 7", "20457 Hamburg", "Rue du Lac 3"
        re.compile(
            r"\w(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)\s+\d|"
            r"\b(?:street|road|avenue|lane|square|rue|via|place)\b[^.;]{0,30}\d|\d+[a-z]?,?\s+\w+ (?:street|road|avenue)|"
            r"\b\d{4,5}\s+(?-i:[A-ZÄÖÜ][a-zäöüß]+)|postfach|p\.\s?o\.\s?box",
            re.IGNORECASE,
        ),
    ),
    AnswerType(
        "reason",
        # "Why did X change its name?" needs a sentence that gives a cause or a purpose
        re.compile(
            r"\b(?:why|warum|weshalb|wieso)\b|\bwhat (?:was|were) the reasons?\b|\baus welchem grund\b|"
            r"\bwhat prompted\b|\bwas war der anlass\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\bbecause\b|\bdue to\b|\bowing to\b|\bso that\b|\bin order to\b|\bto (?:signal|reflect|show|"
            r"emphasi[sz]e|make|strengthen|better|give|bring|create|meet|pool|bundle|combine)\b|\breasons?\b|"
            r"\bprompt|\bweil\b|\bdenn\b|\bum\b[^.]{0,80}\bzu\b|\baufgrund\b|\bwegen\b|\bdeshalb\b|"
            r"\bdaher\b|\bdamit\b|\bgrund\b|\banlass\b",
            re.IGNORECASE,
        ),
    ),
    AnswerType(
        "time",
        re.compile(
            r"uhrzeit|öffnungszeit|geöffnet|opening (?:hours|times)|what time|open(?:ed)? (?:from|until)",
            re.IGNORECASE,
        ),
        re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*uhr\b|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE),
    ),
    AnswerType(
        "date",
        re.compile(
            r"\bwhat date\b|\bwhich date\b|\bon what day\b|\bwelche[mn]? (?:datum|tag)\b|\ban welchem tag\b|\bdatum\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b\d{1,2}\.\s*(?:\d{1,2}\.|januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember)|"
            r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:january|february|march|april|may|june|july|august|september|october|november|december)|"
            r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}"
            r"(?:st|nd|rd|th)?\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
            r"\b(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|"
            r"thursday|friday|saturday|sunday)s?\b",
            re.IGNORECASE,
        ),
    ),
)

MONEY = ANSWER_TYPES[0]

# A role the question asks about (who holds it) must be named in the passages, in either language:
# (how the question names it, how a passage may name it).
ROLES = tuple(
    (re.compile(asked, re.IGNORECASE), re.compile(named, re.IGNORECASE))
    for asked, named in (
        (r"cluster[- ]?manager", r"cluster[- ]?manager"),
        (
            r"geschäftsführ|managing director|\bceo\b|chief executive",
            r"geschäftsführ|managing director|\bceo\b|chief executive",
        ),
        (r"vorsitz|\bchair|präsident|\bpresident", r"vorsitz|\bchair|präsident|president"),
        (r"sprecher|spokes(?:person|man|woman)", r"sprecher|spokes(?:person|man|woman)"),
        (r"ansprechpartner|contact person", r"ansprechpartner|kontakt|contact|@"),
        (
            r"\bchef|\bhead of\b|\bleiter",
            r"chef|\bhead|leiter|leitet|geleitet|geschäftsführ|director|\bceo\b|manager|vorstand|vorsitz",
        ),
    )
)
# For ranking quotes only (too common in passages to be evidence): a date for "when".
DATE_ASKED = re.compile(
    r"\bwann\b|\bwhen\b|which year|what year|welchem jahr|founding date|\bhow long\b|\bwie lange\b",
    re.IGNORECASE,
)
DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|"
    r"november|dezember|january|february|march|june|july|october|december)\b",
    re.IGNORECASE,
)


# For ranking quotes only (phrased too many ways to be evidence): where an organisation sits.
SEAT_ASKED = re.compile(
    r"\bin (?:which|what) (?:city|town)\b|\bwhere (?:is|are)\b[^?]{0,60}\b(?:based|located|headquartered|office|"
    r"offices|seat|coordinated)\b|\bheadquarters\b|\bin welcher stadt\b|\bwo (?:sitzt|sitzen)\b|"
    r"\bwo (?:hat|haben|ist|befindet sich)\b[^?]{0,60}\b(?:sitz|geschäftsstelle|büro|hauptsitz)\b|"
    r"\b(?:hauptsitz|firmensitz|vereinssitz)\b",
    re.IGNORECASE,
)
SEAT = re.compile(
    r"\bsitz\b|\bsitzt\b|hauptsitz|ansässig|\bbased (?:in|at)\b|headquarter|\blocated (?:in|at)\b|"
    r"\boffices? (?:in|at)\b|geschäftsstelle (?:in|im|am)\b|\bbüros? (?:in|im|am)\b|\bseat\b|domicil|"
    r"\bvon \w+ aus\b",
    re.IGNORECASE,
)


def answer_patterns(question: str) -> list[re.Pattern[str]]:
    """What a sentence that answers the question would contain (an amount, a date, the asked role's
    name, ...), as far as the question says: the quote ranking favours sentences with them."""
    patterns = [t.answer for t in asked_types(question)]
    patterns += [named for asked, named in ROLES if asked.search(question)]
    patterns += stated_relations(question)
    if DATE_ASKED.search(question):
        patterns.append(DATE)
    if SEAT_ASKED.search(question):
        patterns.append(SEAT)
    focus = counted(question)
    if focus is not None:
        patterns.append(COUNT)
        if focus.concept is not None:  # a count of the asked thing
            patterns.append(near(COUNT, focus.concept.pattern))
    kind = priced(question) if MONEY in asked_types(question) else None
    if kind is not None:  # an amount of the asked kind
        patterns.append(near(MONEY.answer, kind.stated, between=6))
    return patterns


def asked_types(question: str) -> list[AnswerType]:
    """The kinds of fact the question asks for that we can recognise in an answer."""
    found = [t for t in ANSWER_TYPES if t.asked.search(question)]
    if MONEY not in found and _HOW_MUCH.search(question) and priced(question) is not None:
        found.insert(0, MONEY)  # "How much EU funding ...", "Wie viel Miete ..."
    if _SHARE_ASKED.search(question):  # "how much of the costs": a share answers it, not an amount
        found = [t for t in found if t is not MONEY]
    return found


_SHARE_ASKED = re.compile(
    r"\bhow much of\b|\bwhat (?:share|proportion|percentage)\b|\bwie viel(?:e)? prozent\b|\bwelche[nr]? anteil\b|"
    r"\bwie (?:hoch|groß) (?:ist|war) der anteil\b",
    re.IGNORECASE,
)
_HOW_MUCH = re.compile(r"\bhow much\b|\bwie ?viel\b", re.IGNORECASE)  # not "wie viele" (how many)
