"""Language detection, sentence splitting, stemming and chunking."""

from __future__ import annotations

import pytest

from ingest.chunking import MAX_CHARS, chunk_text, with_title
from ingest.pipeline import make_chunks
from knowledge.text import detect_language, sentences, stem_tokens


def test_detect_language_german_and_english() -> None:
    assert detect_language("Wann startete das Projekt in Hamburg?") == "de"
    assert detect_language("When did the project in Hamburg start?") == "en"
    assert detect_language("EFRE") == "de"
    assert detect_language("EFRE", default="en") == "en"


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Cabin sensors test", "en"),
        ("Life Science Nord members", "en"),
        ("biosaxony founding date and founding members", "en"),
        ("Was ist ZAL?", "de"),
        ("Medical Valley Gründung", "de"),
        ("Kunststoff-Cluster Partner nach dem ersten Jahr", "de"),
    ],
)
def test_detect_language_terse_questions(question: str, language: str) -> None:
    # lingua's vote decides when there are no stop words; stop words win over a weak lingua vote
    assert detect_language(question) == language
    assert detect_language(question, default="en" if language == "de" else "de") == language


def test_stemming_matches_inflected_german_forms() -> None:
    assert stem_tokens("Kompetenzen", "de") == stem_tokens("Kompetenz", "de")
    assert stem_tokens("clusters", "en") == stem_tokens("cluster", "en")
    assert "der" not in stem_tokens("der die das Cluster", "de")


def test_sentences_keep_abbreviations_and_quotes() -> None:
    parts = sentences("Das ist z.B. gut. Dann kam 2017 etwas. „Zitat“ hier? Ja!\nNeue Zeile")
    assert parts == ["Das ist z.B. gut.", "Dann kam 2017 etwas.", "„Zitat“ hier?", "Ja!", "Neue Zeile"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Dr. Murat Aydin leitet z. B. das Testfeld Nr. 3 in Hamburg.",
        "Das Projekt startete am 1. Januar 2020 in Kiel.",
        "Die Firma (ca. 50 Mitarb.) wuchs weiter.",
        "Prof. Dr. Anna Vogel kam u. a. aus Bremen.",
    ],
)
def test_sentences_keep_german_abbreviations_and_ordinals(sentence: str) -> None:
    assert sentences(f"{sentence} Danach kam mehr.") == [sentence, "Danach kam mehr."]


def test_an_inline_bullet_list_is_one_item_per_sentence() -> None:
    text = "Die Ziele sind: • Stärkung der Zusammenarbeit der Branchen • Erhöhung der Sichtbarkeit des Standorts."
    assert sentences(text) == [
        "Die Ziele sind:",
        "Stärkung der Zusammenarbeit der Branchen",
        "Erhöhung der Sichtbarkeit des Standorts.",
    ]


def test_chunks_keep_sentences_whole() -> None:
    text = " ".join(f"Satz Nummer {i} handelt von Clustern in Hamburg." for i in range(60))
    chunks = chunk_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith("Satz Nummer") and chunk.endswith("Hamburg.")
        assert len(chunk) <= MAX_CHARS
    # consecutive chunks overlap by one sentence, so no sentence loses its context
    assert chunks[1].split(". ")[0] in chunks[0]


def test_overlong_sentence_is_wrapped_not_lost() -> None:
    long = "wort " * 500
    chunks = chunk_text(long)
    assert sum(len(c.split()) for c in chunks) == 500
    assert all(len(c) <= MAX_CHARS for c in chunks)


def test_every_chunk_carries_the_title() -> None:
    chunks = make_chunks("a/b.txt", "Mein Titel", "https://example.org", "Erster Satz hier. " * 100)
    assert len(chunks) > 1
    assert all(c.text.startswith(with_title("Mein Titel", "")) for c in chunks)
    assert all(c.body and not c.body.startswith("Mein Titel") for c in chunks)
    assert len({c.id for c in chunks}) == len(chunks)
    assert chunks[0].language == "de" and chunks[0].url == "https://example.org"
