"""Abstention from evidence, on held-out-like traps over the sample index (local model, no LLM)."""

from __future__ import annotations

import pytest

from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.evidence import missing_evidence, missing_places, missing_roles, missing_types
from knowledge.models import Hit


@pytest.fixture(scope="module")
def assistant(indexed_settings: Settings) -> Assistant:
    """The assistant over the shared sample index."""
    return Assistant.from_settings(indexed_settings)


@pytest.mark.parametrize(
    "question",
    [
        # the topic is in the documents, the asked year is not
        "Wie viel Fördergeld bekommt der Cross-Cluster Space im Jahr 2031?",
        "How many members did the Hamburg clusters have in 1987?",
        # the topic is not in the documents
        "Wie lautet die Telefonnummer von Dr. Anna Vogel?",
        "What is the annual membership fee?",
    ],
)
def test_traps_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained and answer.sources == []


@pytest.mark.parametrize(
    "question",
    [
        "Wann startete das Projekt Cross-Cluster Space Hamburg?",
        "When did the Cross-Cluster Space Hamburg project start?",
        "Seit 2023: worauf konzentriert sich das Nachfolgeprojekt des Co-Learning Space?",
    ],
)
def test_answerable_questions_do_not_abstain(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained and answer.sources


def _hit(text: str, title: str = "Cluster") -> Hit:
    return Hit(source="doc.txt", title=title, text=text, score=0.9, url=None, chunk_id="c1")


def test_asked_kind_of_fact_must_be_in_the_closest_sentences() -> None:
    closest = ["Der Cluster wurde 2006 gegründet.", "Er hat 200 Mitglieder."]
    assert missing_types("Wie hoch ist der jährliche Mitgliedsbeitrag?", closest) == ["money"]
    assert missing_types("Wie hoch ist der Mitgliedsbeitrag?", [*closest, "Er beträgt 500 Euro."]) == []
    assert missing_types("How much does a stand cost?", ["A stand costs EUR 1,200."]) == []
    assert missing_types("Unter welcher Telefonnummer erreiche ich sie?", closest) == ["phone"]
    assert missing_types("What email address do I use?", ["Write to info@cluster.de."]) == []
    assert missing_types("Zu welchen Uhrzeiten ist geöffnet?", ["Geöffnet von 9:00 bis 17 Uhr."]) == []
    # questions that ask for no such kind need nothing
    assert missing_types("Welchen Beitrag leisten Cluster zur Innovation?", closest) == []


def test_roles_and_places_must_be_named_in_the_passages() -> None:
    text = "die erste clustermanagerin war jutta rinner. der cluster sitzt in linz, oberösterreich."
    assert missing_roles("Wer ist heute Clustermanager des Kunststoff-Clusters?", text) == []
    assert missing_roles("Who chairs the board?", text)
    assert missing_roles("Who chairs the board?", "vorstandsvorsitzender ist dr. joachim wicke.") == []
    assert missing_places("Which cluster is in Upper Austria?", text) == []
    assert missing_places("Welches Netzwerk unterstützt die Holzindustrie in Tirol?", text) == ["tirol"]
    assert missing_places("How big is life science in Vienna?", "die life-science-branche in wien ...") == []


def test_missing_evidence_combines_the_checks() -> None:
    hits = [_hit("Die Cluster-Offensive Bayern wurde 2006 ins Leben gerufen.", "Cluster-Offensive Bayern")]
    closest = [hits[0].text]
    assert missing_evidence("Seit wann gibt es die Cluster-Offensive in Bavaria?", hits, closest) == []
    assert missing_evidence("Was kostete die Cluster-Offensive 2007?", hits, closest) == ["2007", "money"]
    assert missing_evidence("Anything?", [], []) == ["passages"]
