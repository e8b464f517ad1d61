"""What a question names: its acronyms and camel-case names and its places, and whether a text names
them. Evidence, quotes and retrieval ask this of a question about two things ("HYPOS or H2.B?")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache, partial

from knowledge.places import gazetteer, names_one_of, places_named

# Acronyms and legal forms that are not the name of what a question is about.
_COMMON_CAPS = frozenset(
    {"ag", "ai", "ceo", "cfo", "cto", "eu", "f&e", "gmbh", "ggmbh", "hr", "id", "it", "kg", "ki", "kmu"}
    | {"mba", "mint", "phd", "pr", "r&d", "sme", "smes", "uk", "un", "us", "usa"}
)
_CAPS_TOKEN = re.compile(r"(?<![\w.])[^\W_][\w.&'’]*")


def names(question: str) -> list[str]:
    """The question's acronyms and camel-case names (see _names)."""
    return list(_names(question))


@lru_cache(maxsize=1024)
def _names(question: str) -> tuple[str, ...]:
    """The names a question uses that look like nothing but a name: acronyms and camel case ("HOLM",
    "BioRegio", "H2.B"), each part of a hyphenated word on its own ("Cyber-Valley" is not one)."""
    found = []
    for token in _CAPS_TOKEN.findall(question):
        for part in re.split(r"[-/]", re.sub(r"['’]s$", "", token.rstrip(".'’"))):
            capitals = sum(ch.isupper() for ch in part)
            known = part.lower() in _COMMON_CAPS or part.lower() in gazetteer()  # "NRW" is a place
            if (capitals >= 2 or (capitals and any(ch.isdigit() for ch in part))) and not known:
                found.append(part)
    return tuple(dict.fromkeys(found))


# From this length on, a name may end differently in the other language ("BioIndustrie", "BioIndustry").
_LONG_NAME = 8


def uses(lowered: str, name: str) -> bool:
    """True when the lower-cased text uses the name at the start of a word ("STERN" is not in "western");
    a long name also with another ending of up to two letters ("BioIndustrie" for "BioIndustry")."""
    stem = name.lower() if len(name) < _LONG_NAME else name.lower()[:-2]
    return re.search(rf"(?<![^\W_]){re.escape(stem)}", lowered) is not None


# A question about two things ("MAHREG and the Thuringian network"): each passage may answer for one.
TWO = re.compile(r"\b(?:and|und|or|oder|sowie|versus|vs)\b", re.IGNORECASE)


def asks_about_two(question: str) -> bool:
    """True when the question joins two things ("HYPOS or H2.B", "Silicon Saxony and Silicon Alps")."""
    return TWO.search(question) is not None


# A test of whether a text names one thing a question names (in either language).
NamesIt = Callable[[str], bool]


def two_things(question: str) -> list[NamesIt]:
    """For a question that joins two or more named things ("HYPOS or H2.B?"), a test per thing: its
    acronyms and camel-case names, then its places; empty for any other question."""
    if not asks_about_two(question):
        return []
    tests: list[NamesIt] = [partial(_names_it, name) for name in names(question)]
    tests += [partial(names_one_of, places=places) for places in places_named(question)]
    return tests if len(tests) >= 2 else []


def _names_it(name: str, text: str) -> bool:
    return uses(text.lower(), name)


# Two to four capitalised words after the first word of a sentence: "Cyber Valley", "Medicon Valley".
_PHRASE = re.compile(r"(?<=[\w,;:)] )(?:[A-ZÄÖÜ][\w'’&.-]*\s+){1,3}[A-ZÄÖÜ][\w'’&-]*")


@lru_cache(maxsize=1024)
def phrases(question: str) -> tuple[str, ...]:
    """Multi-word proper names a question uses ("Cyber Valley", "Medicon Valley"), not places. In
    German every noun is capitalised, so callers keep only phrases that the documents use."""
    found = []
    for match in _PHRASE.finditer(question):
        phrase = re.sub(r"['’]s$", "", match.group(0).rstrip(".'’"))
        place_names = {
            name.lower() for places in places_named(phrase) for place in places for name in place.names
        }
        if phrase.lower() not in place_names:  # "Upper Austria" is a place
            found.append(phrase)
    return tuple(dict.fromkeys(found))


def phrase_used(lowered: str, phrase: str) -> str | None:
    """The longest ending of the multi-word name (two words at least) that the lower-cased text uses
    ("Verein Silicon Saxony" as "Silicon Saxony"; "Cyber-Valley" and "Cyber Valley" alike), if any."""
    words = phrase.lower().split()
    for i in range(len(words) - 1):
        pattern = r"[\s\-\u00a0]+".join(re.escape(w) for w in words[i:])
        if re.search(rf"(?<![^\W_]){pattern}(?![^\W_])", lowered):
            return " ".join(words[i:])
    return None


def used_phrases(question: str, passages: Sequence[str]) -> list[str]:
    """The question's multi-word names that the passages use, each as its longest ending they use."""
    lowered = [passage.lower() for passage in passages]
    out = []
    for phrase in phrases(question):
        used = next((found for text in lowered if (found := phrase_used(text, phrase))), None)
        if used is not None:
            out.append(used)
    return out
