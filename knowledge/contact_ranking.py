"""Ranking contacts: scores of profile texts, other clusters first, diversity, and the reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from knowledge.models import Language
from knowledge.text import detect_language

ProbeKind = Literal["request", "need", "offer"]
MEAN_WEIGHT = 0.25  # share of the mean over a profile's fields next to its best text
MAX_PER_ORGANISATION = 2
QUOTE_CHARS = 110
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z]\w{3,31}\b")
_ITEM_SPLIT = re.compile(r"\s*;\s*|(?<=[.!?])\s+|\n+")


class Suggestion(BaseModel):
    """One suggested contact: the contract's fields, plus the organisation for display (not in the JSON)."""

    member_id: str
    name: str
    cluster: str
    reason: str
    score: float
    organization: str = Field(default="", exclude=True)


class Suggestions(BaseModel):
    """`clusterbridge contacts --json`: best first."""

    suggestions: list[Suggestion] = Field(default_factory=list)


@dataclass(frozen=True)
class ProfileText:
    """One stored text of a profile."""

    member_id: str
    field: str
    text: str
    vector: np.ndarray
    part: int = 0


@dataclass(frozen=True)
class Probe:
    """A vector the asker searches with, and the words it stands for."""

    kind: ProbeKind
    text: str
    vector: np.ndarray
    part: int = 0


@dataclass
class Match:
    """A candidate's score and the pair of texts that earned it."""

    member_id: str
    score: float
    probe: Probe
    matched: ProfileText
    meta: dict[str, Any]


def scrub(text: str) -> str:
    """Text without email addresses or @handles, so no reason can quote one."""
    return _HANDLE.sub("[Telegram]", _EMAIL.sub("[E-Mail]", text)).strip()


def text_items(text: str) -> list[str]:
    """The items of a text that lists several (separated by `;`, sentences or lines)."""
    items = [item.strip(" ,.") for item in _ITEM_SPLIT.split(text)]
    return list(dict.fromkeys(item for item in items if len(item) > 2))


def quote(text: str) -> str:
    """A text short enough to quote in one sentence."""
    text = " ".join(text.split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut} …"


def reason(language: Language, probe: ProbeKind, asked: str, field: str, matched: str, name: str) -> str:
    """One sentence in the asker's language that quotes what matched."""
    a, m = quote(asked), quote(matched)
    if language == "de":
        first = f"Sie bieten „{a}“ an" if probe == "offer" else f"Sie suchen „{a}“"
        if field == "needs":
            return f"{first}; {name} sucht „{m}“."
        if field == "expertise":
            return f"{first}; {name} kennt sich aus mit „{m}“."
        return f"{first}; {name} bietet „{m}“ an."
    first = f"You offer “{a}”" if probe == "offer" else f"You are looking for “{a}”"
    if field == "needs":
        return f"{first}; {name} is looking for “{m}”."
    if field == "expertise":
        return f"{first}; {name} has expertise in “{m}”."
    return f"{first}; {name} offers “{m}”."


def centered(vectors: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Vectors minus the model's mean direction, renormalised (E5's similarities all sit near 0.8)."""
    shifted = vectors - center
    norms = np.linalg.norm(shifted, axis=-1, keepdims=True)
    return np.asarray(shifted / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def profile_score(
    probes: Sequence[Probe], texts: Sequence[ProfileText], centers: tuple[np.ndarray, np.ndarray]
) -> tuple[float, Probe, ProfileText]:
    """A profile's score and the pair of texts to quote.

    The score compares whole texts: the best pair plus MEAN_WEIGHT times the mean over the
    profile's fields (items alone match spuriously more often). The quote is the best pair of items
    within the two winning texts, so a reason names the item that matched.
    """
    queries = centered(np.stack([probe.vector for probe in probes]), centers[0])
    passages = centered(np.stack([text.vector for text in texts]), centers[1])
    matrix = queries @ passages.T
    whole = [i for i, text in enumerate(texts) if text.part == 0]
    fields = sorted({texts[i].field for i in whole})
    columns = {field: [i for i in whole if texts[i].field == field] for field in fields}
    best: tuple[float, int, int] | None = None
    for row, probe in enumerate(probes):
        if probe.part:
            continue
        per_field = [float(matrix[row, columns[field]].max()) for field in fields]
        score = (max(per_field) + MEAN_WEIGHT * float(np.mean(per_field))) / (1.0 + MEAN_WEIGHT)
        if best is None or score > best[0]:
            best = (score, row, whole[int(np.argmax(matrix[row, whole]))])
    assert best is not None
    score, row, column = best
    rows = [r for r, probe in enumerate(probes) if probe.kind == probes[row].kind]
    cols = [c for c, text in enumerate(texts) if text.field == texts[column].field]
    r, c = np.unravel_index(int(np.argmax(matrix[np.ix_(rows, cols)])), (len(rows), len(cols)))
    return score, probes[rows[int(r)]], texts[cols[int(c)]]


def diversify(ranked: Sequence[Match], organizations: dict[str, str], cap: int) -> list[Match]:
    """At most `cap` people per organisation before everyone else; the rest keep their order after."""
    counts: dict[str, int] = {}
    first: list[Match] = []
    later: list[Match] = []
    for match in ranked:
        organization = organizations.get(match.member_id, "").strip().lower() or f"#{match.member_id}"
        counts[organization] = counts.get(organization, 0) + 1
        (first if counts[organization] <= cap else later).append(match)
    return first + later


def rank(matches: Sequence[Match], cluster: str | None, language: Language, k: int) -> Suggestions:
    """Other clusters first, at most two per organisation ahead of the rest, reasons for the top k."""
    ranked = sorted(matches, key=lambda m: (-m.score, m.member_id))
    others = [m for m in ranked if m.meta["cluster"] != cluster]
    own = [m for m in ranked if m.meta["cluster"] == cluster]
    organizations = {m.member_id: str(m.meta.get("organization", "")) for m in ranked}
    ordered = diversify(others, organizations, MAX_PER_ORGANISATION)
    ordered += diversify(own, organizations, MAX_PER_ORGANISATION)
    suggestions = []
    for match in ordered[: max(k, 0)]:
        name = str(match.meta["name"])
        said = reason(
            language, match.probe.kind, match.probe.text, match.matched.field, match.matched.text, name
        )
        suggestions.append(
            Suggestion(
                member_id=match.member_id,
                name=name,
                cluster=str(match.meta["cluster"]),
                organization=str(match.meta.get("organization", "")),
                score=round(match.score, 4),
                reason=said,
            )
        )
    return Suggestions(suggestions=suggestions)


def asker_language(profile: dict[str, Any], texts: Sequence[ProfileText]) -> Language:
    """The member's language: the only one they list, else the language of their needs."""
    languages = [part for part in str(profile.get("languages", "")).split(";") if part]
    if len(languages) == 1 and languages[0] in ("de", "en"):
        return "en" if languages[0] == "en" else "de"
    needs = " ".join(t.text for t in texts if t.field == "needs") or " ".join(t.text for t in texts)
    return detect_language(needs)
