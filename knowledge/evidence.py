"""Evidence that the retrieved passages hold the asked fact, not only its topic.

Abstention decides from what the question asks for, checked against the sentences closest to it:
a number the question names must occur in the passages (or next to them), and so must a role it asks
about (who is the cluster manager, the chair), a place, an acronym and an industry or subject it names
(knowledge/sectors.py; in either language); a question that asks for a kind of fact (an amount of
money, a phone number, a date, a reason: knowledge/answer_types.py) needs one among the few sentences
the local model finds closest to the question, in a passage about what the question names. Used in
both modes (with an LLM, the model's NO_ANSWER comes on top). Tuned on the sample set and the held-out
parts looked at (bench/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from knowledge.answer_types import DATE, DATE_ASKED, MONEY, ROLES, asked_types
from knowledge.asked import (
    COUNTED_AFTER_YEAR,
    LEADS,
    STARTED,
    counted,
    near,
    priced,
    together,
)
from knowledge.models import Hit
from knowledge.named import asks_about_two, names, phrase_used, phrases, used_phrases, uses
from knowledge.places import missing_places, names_one_of, places_named
from knowledge.sectors import sectors
from knowledge.text import words

# How many of the closest sentences and of the best quotes may hold the asked count or amount.
FOCUS_SENTENCES = 5
MAX_PASSAGES = 5


def missing_numbers(question: str, hits: Sequence[Hit], nearby: Sequence[Hit] = ()) -> list[str]:
    """Numbers the question asks about (years, counts) that none of the passages (nor the passages
    next to them: "2017" may stand one sentence before the answer) contains: evidence that the
    passages are about the topic but not about the asked fact."""
    present = {w for hit in [*hits[:MAX_PASSAGES], *nearby] for w in words(f"{hit.title} {hit.text}")}
    return [w for w in dict.fromkeys(words(question)) if w.isdigit() and w not in present]


def missing_types(question: str, closest: Sequence[str]) -> list[str]:
    """The asked kinds of fact (money, phone, e-mail, time of day) that none of the sentences closest
    to the question contains."""
    return [t.name for t in asked_types(question) if not any(t.answer.search(s) for s in closest)]


def missing_roles(question: str, text: str) -> list[str]:
    """Roles the question asks about (a cluster manager, a chair, ...) that the passages never name."""
    return [asked.pattern for asked, named in ROLES if asked.search(question) and not named.search(text)]


def missing_names(question: str, text: str) -> list[str]:
    """Names the question uses (acronyms, camel case) that the (lower-cased) passages never use."""
    return [name for name in names(question) if not uses(text, name)]


class Quoted(Protocol):
    """A sentence of a passage (knowledge.answer.Candidate is one)."""

    @property
    def text(self) -> str: ...

    @property
    def hit(self) -> Hit: ...


def about_asked(question: str, sentence: Quoted) -> bool:
    """True when the sentence's passage is about what the question names: one of its acronyms or
    camel-case names if it has any, else one of its places (a country also by a place in it, or by
    a passage that names no place at all), or the question names nothing. "How many employees does BioRegio STERN have?" is not answered by a count
    of employees in Vienna, nor "Luxembourg's HealthTech cluster" by Luxembourg's car cluster."""
    passage = f"{sentence.hit.title} {sentence.hit.text}"
    wanted = names(question)
    lowered = passage.lower()
    if any(uses(lowered, name) for name in wanted):
        return True
    if wanted and not asks_about_two(question):  # one named thing: its name, not only its place
        return False
    if any(phrase_used(lowered, p) for p in phrases(question)):  # "Cyber Valley"
        return True
    asked = places_named(question)
    regions = [places for places in asked if not any(p.is_country for p in places)]
    if regions:
        return any(names_one_of(passage, places) for places in regions)
    if not asked or not missing_places(question, [passage], every=False):
        return True
    # Only countries, which national documents seldom name ("Germany's leading-edge cluster
    # competition" in a German text about the federal competition): a passage that names no place
    # may be about them, one that names places only in other countries is not.
    return not places_named(passage)


# An organisation's form or unit that a question may ask about, and how a sentence names it: "the
# BioCon Valley GmbH" is not the association "BioCon Valley e.V.", and "the cluster management's
# staff" are not the cluster's jobs. (Not the association itself: most clusters are one, and
# questions call them so loosely.)
QUALIFIERS = tuple(
    (re.compile(asked, re.IGNORECASE), re.compile(named, re.IGNORECASE))
    for asked, named in (
        (r"\bgmbh\b", r"\bgmbh\b|gesellschaft|company"),
        (r"\bag\b", r"\bag\b|aktiengesellschaft"),
        (r"\bstiftung\b|\bfoundation\b", r"stiftung|foundation"),
        (r"management|geschäftsstelle|\boffice\b", r"management|geschäftsstelle|\boffice\b|\bteam\b"),
    )
)
_YEAR = re.compile(rf"\b(?:19|20)\d\d\b(?!{COUNTED_AFTER_YEAR})", re.IGNORECASE)  # not "2000 Mitglieder"


def states_about_asked(question: str, sentence: Quoted) -> bool:
    """True when a sentence with the asked count, amount or date may answer the question: its passage
    is about what the question names, it names the organisational form or unit the question asks
    about, and it fits the asked year (see fits_year)."""
    if not about_asked(question, sentence):
        return False
    if any(asked.search(question) and not named.search(sentence.text) for asked, named in QUALIFIERS):
        return False
    return fits_year(question, sentence)


def fits_year(question: str, sentence: Quoted) -> bool:
    """True unless the question names a year and the sentence dates another one, or dates none in a
    passage (title included) that dates only others: "members when it was founded in 2005" are not the
    members of 2019, nor is the start-up budget in a passage about 2019 the budget of 2024."""
    years = set(_YEAR.findall(question))
    if not years:
        return True
    found = set(_YEAR.findall(sentence.text)) or set(
        _YEAR.findall(f"{sentence.hit.title} {sentence.hit.text}")
    )
    return not found or bool(years & found)


def missing_sectors(question: str, text: str) -> list[str]:
    """Industries the question names that the (lower-cased) passages never name, in either language."""
    return [sector.name for sector in sectors(question) if not sector.named_in(text)]


def missing_count(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a "how many" question: no sentence of the pool holds a count of the asked thing, in a
    passage about what the question names."""
    focus = counted(question)
    if focus is None or any(focus.counted_in(s.text) and states_about_asked(question, s) for s in pool):
        return []
    return [f"count of {focus.label}"]


def missing_amount(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a question after a named kind of amount (a fee, the turnover, the rent): no sentence of the
    pool holds an amount of that kind, in a passage about what the question names."""
    kind = priced(question) if MONEY in asked_types(question) else None
    if kind is None or any(
        near(MONEY.answer, kind.stated, between=6).search(s.text) and states_about_asked(question, s)
        for s in pool
    ):
        return []
    return [f"amount of {kind.name}"]


_NOW = re.compile(
    r"\b(?:current(?:ly)?|today|now|nowadays|heute|derzeit|aktuell|zurzeit|gegenwärtig|jetzig)", re.IGNORECASE
)
# A role placed in the past: "the first cluster manager", "ehemaliger Geschäftsführer", "war bis 2019
# Vorsitzender" (a past form at most two words before the role word).
_PAST = re.compile(
    r"\b(?:first|former(?:ly)?|then|previous(?:ly)?|erste[rn]?|ehemalige[rn]?|damalige[rn]?|frühere[rn]?|"
    r"bisherige[rn]?|was|war|wurde)\b",
    re.IGNORECASE,
)


def _past(named: re.Pattern[str]) -> re.Pattern[str]:
    """A role word with a past form at most two words before it."""
    return re.compile(rf"(?:{_PAST.pattern})(?:\W+\w+){{0,2}}?\W+(?:{named.pattern})", re.IGNORECASE)


def missing_current_role(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a question after who holds a role now: no sentence of the pool names the role without
    placing it in the past ("the first cluster manager was ..." does not say who manages it today)."""
    if not _NOW.search(question):
        return []
    missing = []
    for asked, named in ROLES:
        if asked.search(question) and not any(
            named.search(s.text) and not _past(named).search(s.text) and about_asked(question, s)
            for s in pool
        ):
            missing.append(f"current {asked.pattern}")
    return missing


def missing_date(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a question after when something began (was founded, launched, opened): no sentence of the
    pool dates a beginning, in a passage about what the question names."""
    asked, stated = STARTED
    if not (DATE_ASKED.search(question) and asked.search(question)):
        return []
    dated = together(DATE, stated)  # German puts the verb last: "im September 2003 von ... gegründet"
    if any(dated.search(s.text) and states_about_asked(question, s) for s in pool):
        return []
    return ["date of the start"]


def missing_leader(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a question after who leads something: no sentence of the pool states a leader, in a
    passage about what the question names."""
    asked, stated = LEADS
    if not asked.search(question) or any(stated.search(s.text) and about_asked(question, s) for s in pool):
        return []
    return ["leader"]


# "Who ran it before Rico Chmelik?", "Who succeeded Barbara Jörg?": the person named after the asking
# words, and how a sentence that names a predecessor or successor reads.
_SUCCESSION_ASKED = re.compile(
    r"\b(?:who|wer)\b[^?]*?\b(?:(?:before|vor)\s+(?:(?:dr|prof)\.\s+)*(?P<two>(?-i:[A-ZÄÖÜ])[\w'’-]+\s+(?-i:[A-ZÄÖÜ])[\w'’-]+)|"
    r"(?:succeeded|successor (?:of|to)|predecessor (?:of|to)|nachfolger(?:in)? von|vorgänger(?:in)? von)\s+"
    r"(?:\w+\s+)?(?:(?:dr|prof)\.\s+)*(?P<one>(?-i:[A-ZÄÖÜ])[\w'’-]+(?:\s+(?-i:[A-ZÄÖÜ])[\w'’-]+)*))",
    re.IGNORECASE,
)
_SUCCESSION_STATED = re.compile(
    r"succe|nachfolg|vorgänger|predecess|took over|taking over|übernahm|übernommen|abgelöst|\blöste\b|"
    r"replac|ersetzt|\bfolgte\b|followed|handed over|übergab",
    re.IGNORECASE,
)


def missing_succession(question: str, pool: Sequence[Quoted]) -> list[str]:
    """For a question after who came before or after a named person: no sentence of the pool names
    that person together with a succession ("ihr Nachfolger ist", "succeeded"), in a passage about
    what the question names. That a new head arrived does not say who was there before."""
    match = _SUCCESSION_ASKED.search(question)
    if match is None:
        return []
    surname = (match["two"] or match["one"]).split()[-1].lower()
    if any(
        surname in s.text.lower() and _SUCCESSION_STATED.search(s.text) and about_asked(question, s)
        for s in pool
    ):
        return []
    return [f"succession of {surname}"]


def _names_any(lowered: str, acronyms: Sequence[str], used: Sequence[str]) -> bool:
    """True when the lower-cased passage uses one of the acronyms or multi-word names."""
    return any(uses(lowered, name) for name in acronyms) or any(phrase_used(lowered, p) for p in used)


def missing_evidence(
    question: str, hits: Sequence[Hit], pool: Sequence[Quoted], nearby: Sequence[Hit] = ()
) -> list[str]:
    """Why the passages do not hold the asked fact (empty when nothing is missing); `pool` are the
    sentences that may hold it (the closest to the question and the best quotes), `nearby` the
    passages next to the retrieved ones.

    Missing may be: a number the question names (in the passages or next to them); the asked kind of fact, such as
    money or a phone number, or a count, amount, dated beginning or current role-holder of the asked
    thing (in the pool, in a passage about what the question names); a role, place, acronym or
    industry the question names (in the passages)."""
    if not hits:
        return ["passages"]
    passages = [f"{hit.title} {hit.text}" for hit in hits[:MAX_PASSAGES]]
    text = " ".join(passages).lower()
    # A multi-word name the passages use ("Cyber Valley"): only sentences of passages that use one of
    # the question's names may hold the asked fact (not a count of start-ups in Medicon Valley).
    used = used_phrases(question, passages)
    if used:
        pool = [s for s in pool if _names_any(f"{s.hit.title} {s.hit.text}".lower(), names(question), used)]
    return [
        *missing_numbers(question, hits, nearby),
        *missing_types(
            question, [s.text for s in pool if about_asked(question, s) and fits_year(question, s)]
        ),
        *missing_count(question, pool),
        *missing_amount(question, pool),
        *missing_date(question, pool),
        *missing_current_role(question, pool),
        *missing_leader(question, pool),
        *missing_succession(question, pool),
        *missing_roles(question, text),
        *missing_places(question, [*passages, *(f"{h.title} {h.text}" for h in nearby)]),
        *missing_names(question, text),
        *missing_sectors(question, text),
    ]
