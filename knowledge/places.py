"""Places a question names, and whether passages name them, in any of their languages' forms.

The names come from knowledge/resources/places.tsv (countries, European states and provinces, cities,
regions; written by knowledge/resources/make_places.py from pycountry and GeoNames): "Wien", "Vienna" and
"Wiener" are one place, so a question about Vienna is answered by a German passage about Wien, and a
question about Toulouse is not answered by passages that never name it. A country counts as named
also by a place in it: a question about Germany's hydrogen centres is answered by passages about
Chemnitz and Duisburg.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLACES_FILE = Path(__file__).parent / "resources" / "places.tsv"
LONGEST_NAME = 3  # words
_TOKEN = re.compile(r"[^\W\d_][\w'’.&-]*")

# The inside of a camel-case name, where a place may start: "LogistikRuhr", "HealthTechLuxembourg".
_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")


@dataclass(frozen=True)
class Place:
    """A place by all its names (the usual one first) and its country's ISO code."""

    names: tuple[str, ...]
    country: str
    is_country: bool = False


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[Place, ...]]:
    """Every place, by each of its lower-cased names (a name may belong to several places)."""
    by_name: dict[str, list[Place]] = {}
    for line in PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, _, names = line.partition("\t")
        place = Place(tuple(names.split("|")), code.lstrip("*"), code.startswith("*"))
        for name in place.names:
            by_name.setdefault(name.lower(), []).append(place)
    return {name: tuple(places) for name, places in by_name.items()}


# German adjectives of place: "luxemburgischen" (Luxemburg), "schwedische" (Schweden), "bayerisch"
# (Bayern); and "Nürnberger", "Düsseldorfer" (the town itself, not "Bayer" for Bayern).
_ADJECTIVE = re.compile(r"(?P<stem>\w{5,}?)isch(?:e|en|er|es|em)?")
_OF_TOWN = re.compile(r"(?P<stem>\w{5,})er")


def place_of_word(word: str) -> tuple[Place, ...] | None:
    """The places a lower-cased word names: a place's name, or a German adjective made from one."""
    by_name = gazetteer()
    if word in by_name:
        return by_name[word]
    if match := _ADJECTIVE.fullmatch(word):
        found = (by_name.get(match["stem"] + ending) for ending in ("", "en", "n"))
        return next((places for places in found if places), None)
    if match := _OF_TOWN.fullmatch(word):
        return by_name.get(match["stem"])
    return None


def _clean(token: str) -> str:
    token = token.rstrip(".'’-&")
    return re.sub(r"['’]s$", "", token)


def places_named(text: str) -> list[tuple[Place, ...]]:
    """The places a text names by a capitalised name (longest names first: "Upper Austria" is not
    Austria), each as every place that bears the name."""
    return list(_places_named(text))


@lru_cache(maxsize=1024)
def _places_named(text: str) -> tuple[tuple[Place, ...], ...]:
    """places_named, kept per text: the evidence checks ask it about one question and its passages
    once per candidate sentence."""
    by_name = gazetteer()
    tokens = [_clean(t) for t in _TOKEN.findall(text)]
    found: list[tuple[Place, ...]] = []
    i = 0
    while i < len(tokens):
        for n in range(min(LONGEST_NAME, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            places = by_name.get(phrase.lower()) if phrase[:1].isupper() else None
            if places:
                found.append(places)
                i += n
                break
        else:
            # a place inside a hyphenated name: "Salzburg-Itzling", "Kärnten-Cluster"
            parts = tokens[i].split("-") if "-" in tokens[i] else []
            found += [by_name[p.lower()] for p in parts if p[:1].isupper() and p.lower() in by_name]
            i += 1
    return tuple(found)


def stem(name: str) -> str:
    """A name's start that also finds its inflected and derived forms ("Tirols", "Bremer")."""
    name = name.lower()
    return name if len(name) <= 5 else name[:-2]


def names_place(lowered: str, place: Place) -> bool:
    """True when the lower-cased text names the place: a long name also inside a compound
    ("Mittelfranken" names Franken)."""
    for name in place.names:
        start = stem(name)
        pattern = re.escape(start) if len(start) >= 5 else rf"(?<!\w){re.escape(start)}"
        if re.search(pattern, lowered):
            return True
    return False


def names_one_of(text: str, places: Sequence[Place]) -> bool:
    """True when the text names one of the places (also inside a camel-case name)."""
    lowered = _CAMEL.sub(" ", text).lower()
    return any(names_place(lowered, place) for place in places)


def missing_places(question: str, passages: Sequence[str], every: bool = True) -> list[str]:
    """The places the question names that the passages do not name (a country: neither by its name
    nor by a place in it), by their usual names; with every=False, all of them only when the passages
    name none."""
    asked = places_named(question)
    if not asked:
        return []
    lowered = _CAMEL.sub(" ", " ".join(passages)).lower()  # "LogistikRuhr" names the Ruhr
    countries: set[str] | None = None
    missing = []
    for places in asked:
        if any(names_place(lowered, place) for place in places):
            continue
        if any(place.is_country for place in places):
            if countries is None:
                countries = {p.country for named in places_named(" ".join(passages)) for p in named}
            if any(place.is_country and place.country in countries for place in places):
                continue
        missing.append(places[0].names[0])
    return missing if every or len(missing) == len(asked) else []
