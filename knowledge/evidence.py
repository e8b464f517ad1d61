"""Evidence that the retrieved passages hold the asked fact, not only its topic.

Abstention decides from what the question asks for, checked against the sentences closest to it:
a number the question names must occur in the passages, and so must a role it asks about (who is
the cluster manager, the chair) and a place it names (in either language); a question that asks for
an amount of money, a phone number, an e-mail address or a time of day needs one among the few
sentences the local model finds closest to the question. Used in both modes (with an LLM, the model's NO_ANSWER
comes on top). Tuned on bench/questions.yaml and the held-out tune half.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.models import Hit
from knowledge.text import words

# How many of the sentences closest to the question must hold the asked kind of answer.
CLOSEST_SENTENCES = 3
MAX_PASSAGES = 5

_AMOUNT = r"\d[\d.,']*\s*(?:€|euro\b|eur\b|mio\b|mio\.|millionen|million|mrd\b|mrd\.|milliarden|billion|chf|franken|francs|dollar)"
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
            r"prize money|\bprice\b",
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
        "time",
        re.compile(
            r"uhrzeit|öffnungszeit|geöffnet|opening (?:hours|times)|what time|open(?:ed)? (?:from|until)",
            re.IGNORECASE,
        ),
        re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*uhr\b|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE),
    ),
)


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
        (r"vorsitz|\bchair", r"vorsitz|\bchair|präsident|president"),
        (r"sprecher|spokes(?:person|man|woman)", r"sprecher|spokes(?:person|man|woman)"),
        (r"ansprechpartner|contact person", r"ansprechpartner|kontakt|contact|@"),
        (
            r"\bchef|\bhead of\b|\bleiter",
            r"chef|\bhead|leiter|leitet|geleitet|geschäftsführ|director|\bceo\b|manager|vorstand|vorsitz",
        ),
    )
)
# Places a question may be about, with their names in either language: a place the question names must
# be named in the passages (a question about Tyrol is not answered by passages about Styria).
PLACES = (  # the more specific places first: "Upper Austria" is not a question about Austria
    ("südtirol", "south tyrol"),
    ("tirol", "tyrol"),
    ("vorarlberg",),
    ("salzburg",),
    ("kärnten", "carinthia"),
    ("steiermark", "styria", "steirisch", "styrian"),
    ("niederösterreich", "lower austria"),
    ("oberösterreich", "upper austria", "oberösterreichisch"),
    ("burgenland",),
    ("wien", "vienna", "wiener", "viennese"),
    ("österreich", "austria"),
    ("schweiz", "switzerland", "swiss", "schweizer"),
    ("bayern", "bavaria", "bayerisch", "bavarian"),
    ("münchen", "munich", "münchner"),
    ("nürnberg", "nuremberg", "nürnberger"),
    ("sachsen", "saxony", "sächsisch"),
    ("thüringen", "thuringia"),
    ("hessen", "hesse"),
    ("pfalz", "palatinate"),
    ("saarland",),
    ("köln", "cologne"),
    ("luxemburg", "luxembourg"),
    ("liechtenstein",),
    ("zürich", "zurich"),
    ("genf", "geneva"),
)


# For ranking quotes only (too common in passages to be evidence): a date for "when", a count for "how many".
_DATE_ASKED = re.compile(r"\bwann\b|\bwhen\b|which year|what year|welchem jahr|founding date", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|"
    r"november|dezember|january|february|march|june|july|october|december)\b",
    re.IGNORECASE,
)
_COUNT_ASKED = re.compile(r"wie viele|wie vielen|how many", re.IGNORECASE)
_COUNT = re.compile(
    r"\b(?!(?:19|20)\d\d\b)\d[\d.,]*\b|\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|"
    r"zwanzig|dreißig|hundert|dutzend|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|hundred|dozen)\b",
    re.IGNORECASE,
)


def answer_patterns(question: str) -> list[re.Pattern[str]]:
    """What a sentence that answers the question would contain (an amount, a date, the asked role's
    name, ...), as far as the question says: the quote ranking favours sentences with them."""
    patterns = [t.answer for t in asked_types(question)]
    patterns += [named for asked, named in ROLES if asked.search(question)]
    if _DATE_ASKED.search(question):
        patterns.append(_DATE)
    if _COUNT_ASKED.search(question):
        patterns.append(_COUNT)
    return patterns


def asked_types(question: str) -> list[AnswerType]:
    """The kinds of fact the question asks for that we can recognise in an answer."""
    return [t for t in ANSWER_TYPES if t.asked.search(question)]


def missing_numbers(question: str, hits: Sequence[Hit]) -> list[str]:
    """Numbers the question asks about (years, counts) that none of the passages contains: evidence
    that the passages are about the topic but not about the asked fact."""
    present = {w for hit in hits[:MAX_PASSAGES] for w in words(f"{hit.title} {hit.text}")}
    return [w for w in dict.fromkeys(words(question)) if w.isdigit() and w not in present]


def missing_types(question: str, closest: Sequence[str]) -> list[str]:
    """The asked kinds of fact (money, phone, e-mail, time of day) that none of the sentences closest
    to the question contains."""
    return [t.name for t in asked_types(question) if not any(t.answer.search(s) for s in closest)]


def missing_roles(question: str, text: str) -> list[str]:
    """Roles the question asks about (a cluster manager, a chair, ...) that the passages never name."""
    return [asked.pattern for asked, named in ROLES if asked.search(question) and not named.search(text)]


def _names(text: str, forms: Sequence[str]) -> bool:
    return any(re.search(rf"\b{re.escape(form)}", text) for form in forms)


def missing_places(question: str, text: str) -> list[str]:
    """Places the question names that the passages do not (in either language)."""
    asked = question.lower()
    missing = []
    for forms in PLACES:
        if _names(asked, forms):
            if not _names(text, forms):
                missing.append(forms[0])
            asked = re.sub("|".join(rf"\b{re.escape(form)}\w*" for form in forms), " ", asked)
    return missing


def missing_evidence(question: str, hits: Sequence[Hit], closest: Sequence[str]) -> list[str]:
    """Why the passages do not hold the asked fact (empty when nothing is missing): numbers the
    question names that no passage contains, and asked kinds of fact absent from the closest
    sentences."""
    if not hits:
        return ["passages"]
    text = " ".join(f"{hit.title} {hit.text}" for hit in hits[:MAX_PASSAGES]).lower()
    return [
        *missing_numbers(question, hits),
        *missing_types(question, closest[:CLOSEST_SENTENCES]),
        *missing_roles(question, text),
        *missing_places(question, text),
    ]
