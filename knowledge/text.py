"""Language detection, sentence splitting and stemmed tokens for BM25 (German and English)."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

import pysbd
import Stemmer

from knowledge.models import Language

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
# Lingua's confidence (0..1 that the text is English) counts like this many stop words; within
# TIE_MARGIN of zero the evidence is too weak and the caller's default (e.g. the user's language) wins.
LINGUA_WEIGHT = 2.0
TIE_MARGIN = 0.6
_LINGUA_CHARS = 1000
_lingua_lock = threading.Lock()

GERMAN_STOP = frozenset(
    [
        "aber",
        "alle",
        "allem",
        "allen",
        "aller",
        "als",
        "also",
        "am",
        "an",
        "auch",
        "auf",
        "aus",
        "bei",
        "beim",
        "bin",
        "bis",
        "bist",
        "da",
        "damit",
        "dann",
        "das",
        "dass",
        "dem",
        "den",
        "denen",
        "der",
        "des",
        "dessen",
        "die",
        "dies",
        "diese",
        "diesem",
        "diesen",
        "dieser",
        "dieses",
        "doch",
        "dort",
        "du",
        "durch",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "er",
        "es",
        "etwa",
        "euch",
        "für",
        "gegen",
        "gibt",
        "hab",
        "habe",
        "haben",
        "hat",
        "hatte",
        "hier",
        "ich",
        "ihr",
        "ihre",
        "im",
        "in",
        "ins",
        "ist",
        "ja",
        "jede",
        "jedem",
        "jeden",
        "jeder",
        "jedes",
        "kann",
        "kein",
        "keine",
        "können",
        "man",
        "mehr",
        "mein",
        "mit",
        "muss",
        "nach",
        "nicht",
        "noch",
        "nur",
        "ob",
        "oder",
        "ohne",
        "sehr",
        "sein",
        "seine",
        "sich",
        "sie",
        "sind",
        "so",
        "soll",
        "sollen",
        "über",
        "um",
        "und",
        "uns",
        "unser",
        "unter",
        "vom",
        "von",
        "vor",
        "war",
        "waren",
        "warum",
        "was",
        "weil",
        "welche",
        "welcher",
        "welches",
        "wenn",
        "wer",
        "werden",
        "wie",
        "wieviel",
        "wieviele",
        "wir",
        "wird",
        "wo",
        "wurde",
        "wurden",
        "zu",
        "zum",
        "zur",
        "zwischen",
    ]
)
ENGLISH_STOP = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "more",
        "most",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "out",
        "over",
        "she",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "under",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
STOPWORDS: dict[Language, frozenset[str]] = {"de": GERMAN_STOP, "en": ENGLISH_STOP}


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]


def _stopword_vote(text: str) -> int:
    """English minus German evidence from stop words (and umlauts for German)."""
    tokens = words(text)
    de = sum(t in GERMAN_STOP for t in tokens) + sum(ch in "äöüßÄÖÜ" for ch in text)
    en = sum(t in ENGLISH_STOP for t in tokens)
    return en - de


@lru_cache(maxsize=1)
def _lingua() -> Any:
    """Lingua's detector restricted to German and English (models ship in the wheel: offline)."""
    from lingua import Language as LinguaLanguage
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(LinguaLanguage.GERMAN, LinguaLanguage.ENGLISH).build()


def _english_confidence(text: str) -> float:
    """Lingua's confidence that the text is English (0.5 when it cannot tell)."""
    sample = text[:_LINGUA_CHARS]
    if not words(sample):
        return 0.5
    with _lingua_lock:
        values = _lingua().compute_language_confidence_values(sample)
    return next((float(v.value) for v in values if v.language.name == "ENGLISH"), 0.5)


def detect_language(text: str, default: Language = "de") -> Language:
    """German or English from stop words plus lingua's statistical vote; `default` (for instance the
    user's chosen language) when the combined evidence is too weak."""
    vote = _stopword_vote(text) + LINGUA_WEIGHT * (2.0 * _english_confidence(text) - 1.0)
    if abs(vote) < TIE_MARGIN:
        return default
    return "en" if vote > 0 else "de"


@lru_cache(maxsize=2)
def _stemmer(language: Language) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german" if language == "de" else "english")


def stem_tokens(text: str, language: Language) -> list[str]:
    """Stemmed tokens without stop words, for BM25."""
    stop = STOPWORDS[language]
    kept = [t for t in words(text) if t not in stop and (len(t) > 1 or t.isdigit())]
    stems: list[str] = _stemmer(language).stemWords(kept)
    return stems


def content_words(text: str) -> list[str]:
    """Lower-cased words that are stop words in neither language (digits kept), without repeats."""
    kept = (t for t in words(text) if t not in GERMAN_STOP and t not in ENGLISH_STOP)
    return list(dict.fromkeys(t for t in kept if len(t) > 1 or t.isdigit()))


def query_terms(text: str, language: Language) -> list[frozenset[str]]:
    """One set of alternatives per content word of a question: the word stemmed in its language and
    in the other one, so a term matches a passage in either language."""
    other: Language = "en" if language == "de" else "de"
    terms = content_words(text)
    own: list[str] = _stemmer(language).stemWords(terms)
    alt: list[str] = _stemmer(other).stemWords(terms)
    return [frozenset({a, b}) for a, b in zip(own, alt, strict=True)]


@lru_cache(maxsize=8192)
def passage_terms(text: str) -> frozenset[str]:
    """The stems of a passage in both languages, for evidence checks."""
    terms = content_words(text)
    return frozenset(_stemmer("de").stemWords(terms)) | frozenset(_stemmer("en").stemWords(terms))


def term_matches(term: str, found: frozenset[str]) -> bool:
    """True when a stem is among `found`, or (for stems of 5+ letters) inside one of them (compounds)."""
    return term in found or (len(term) >= 5 and any(term in other for other in found))


@lru_cache(maxsize=2)
def _segmenter(language: Language) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False)


_BULLET = re.compile(r"\s*[•▪◦●‣]\s+")


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    """Sentences of text, split by pysbd in the text's language (by stop words) within each line."""
    language: Language = "en" if _stopword_vote(text) > 0 else "de"
    segmenter = _segmenter(language)
    out: list[str] = []
    for line in text.splitlines():
        for item in _BULLET.split(line):  # a list written inline: "Ziele: • Stärkung … • Erhöhung …"
            if item.strip():
                out.extend(part.strip() for part in segmenter.segment(item) if part.strip())
    return tuple(out)


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping each whole (abbreviations such as "z. B.", "Dr.", "Nr." and
    ordinals such as "1. Januar" do not end a sentence; a line break always does)."""
    return list(_split(text))
