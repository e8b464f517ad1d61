"""Abstention from evidence, on held-out-like traps over the sample index (local model, no LLM)."""

from __future__ import annotations

import pytest

from knowledge.assistant import Assistant
from knowledge.config import Settings


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
