"""Retrieval and extractive answers over the real sample index (local multilingual model)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from knowledge import retrieval
from knowledge.answer import rank_sentences
from knowledge.assistant import Assistant, retrieval_query
from knowledge.config import Settings
from knowledge.index import Chunk
from knowledge.models import Hit, Turn
from knowledge.retrieval import diversify
from knowledge.sectors import translation
from tests.helpers import cli_env, hash_index, settings_for


@pytest.fixture(scope="module")
def assistant(indexed_settings: Settings) -> Assistant:
    """The assistant over the shared sample index."""
    return Assistant.from_settings(indexed_settings)


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("Seit wann gibt es den Cross-Cluster Space Hamburg?", "cross-cluster-space.txt"),
        (
            "Welche Branchencluster haben Berlin und Brandenburg gemeinsam?",
            "berlin-brandenburg-digitalisierung.txt",
        ),
        ("What does Coopetition mean for clusters?", "interview-clusterarbeit.txt"),
        ("Which senator met the cluster managers?", "horch-clustertreffen.txt"),
    ],
)
def test_hybrid_finds_the_answering_document(assistant: Assistant, question: str, source: str) -> None:
    hits = assistant.search(question, k=3)
    assert source in [hit.source for hit in hits]
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_modes_agree_on_an_easy_german_question(assistant: Assistant) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        top = assistant.search("Co-Learning Space Helmut-Schmidt-Universität", k=1, mode=mode)[0]
        assert top.source == "cross-cluster-space.txt", mode


def test_extractive_answer_quotes_with_sources(assistant: Assistant) -> None:
    answer = assistant.ask("Wann startete das Projekt Cross-Cluster Space Hamburg?")
    assert not answer.abstained and answer.mode == "extractive"
    assert answer.answer.startswith("Passende Stellen aus den Dokumenten (wörtliche Zitate")
    assert "April 2023" in answer.answer and "[1]" in answer.answer
    assert answer.sources[0].source == "cross-cluster-space.txt"


def test_english_question_gets_english_framing(assistant: Assistant) -> None:
    answer = assistant.ask("When did the Cross-Cluster Space Hamburg project start?")
    assert answer.language == "en" and answer.answer.startswith("Matching passages from the documents")


@pytest.mark.parametrize(
    "question",
    ["Wie lautet die Telefonnummer von Dr. Anna Vogel?", "What is the annual membership fee?"],
)
def test_abstains_when_the_documents_do_not_answer(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained and answer.sources == []


def test_follow_up_uses_the_previous_question() -> None:
    history = [Turn(question="Was ist der Co-Learning Space?", answer="...")]
    assert (
        retrieval_query("Und wann endete er?", history)
        == "Was ist der Co-Learning Space? Und wann endete er?"
    )
    long_new = "Welche Branchencluster haben Berlin und Brandenburg gemeinsam in der Hauptstadtregion?"
    assert retrieval_query(long_new, history) == long_new
    assert retrieval_query("Und wann endete er?", []) == "Und wann endete er?"


async def test_follow_up_answer_comes_from_the_same_document(assistant: Assistant) -> None:
    first = await assistant.aask("Was war der Co-Learning Space für Hamburger Cluster?")
    follow = await assistant.aask(
        "Und wann lief die zweite Phase?",
        history=[Turn(question="Was war der Co-Learning Space für Hamburger Cluster?", answer=first.answer)],
    )
    assert not follow.abstained
    assert follow.sources[0].source == "cross-cluster-space.txt"
    assert "Juni 2020" in follow.answer


def _cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a child process, in an empty folder (no developer's .env)."""
    return subprocess.run(
        [sys.executable, "-m", "clusterbridge", *args],
        env=cli_env(CLUSTERBRIDGE_DATA_DIR=str(data_dir)),
        cwd=tempfile.mkdtemp(prefix="clusterbridge-cli-"),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_search_and_ask_print_the_contract_json(indexed_settings: Settings) -> None:
    search = _cli(
        indexed_settings.clusterbridge_data_dir,
        "search",
        "--json",
        "--k",
        "3",
        "Wasserstoff Norddeutsches Reallabor",
    )
    assert search.returncode == 0, search.stderr
    hits = json.loads(search.stdout)["hits"]
    assert len(hits) == 3 and {"source", "title", "text", "score"} <= set(hits[0])
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    ask = _cli(
        indexed_settings.clusterbridge_data_dir,
        "ask",
        "--json",
        "Wer koordiniert den Co-Learning Space an der Helmut-Schmidt-Universität?",
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert set(answer) == {"answer", "sources", "abstained"}
    assert answer["abstained"] is False
    assert set(answer["sources"][0]) == {"source", "title", "url"}

    unknown = json.loads(
        _cli(indexed_settings.clusterbridge_data_dir, "ask", "--json", "What is the membership fee?").stdout
    )
    assert unknown["abstained"] is True and unknown["sources"] == []


def test_cli_chat_follow_up_and_reset(indexed_settings: Settings) -> None:
    chat = _cli(
        indexed_settings.clusterbridge_data_dir,
        "chat",
        stdin="Was war der Co-Learning Space für Hamburger Cluster?\n"
        "Und wann lief die zweite Phase?\n/reset\n",
    )
    assert chat.returncode == 0, chat.stderr
    assert "Juni 2020" in chat.stdout
    assert "Quellen:" in chat.stdout and "Gespräch vergessen" in chat.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = _cli(tmp_path / "d", "ingest", "--docs", str(tmp_path / "nope"))
    assert bad.returncode == 1
    assert bad.stderr.strip() == f"clusterbridge: error: documents folder not found: {tmp_path / 'nope'}"


def test_asking_before_any_ingest_says_what_to_do(tmp_path: Path) -> None:
    empty = _cli(tmp_path / "d", "ask", "--json", "Was ist EFRE?")
    assert empty.returncode == 1 and empty.stdout == ""
    assert (
        empty.stderr.strip()
        == "clusterbridge: error: the index is empty: run `clusterbridge ingest --docs DIR` first"
    )


def _chunk(source: str, n: int) -> Chunk:
    return Chunk(id=f"{source}-{n}", text=f"text {n}", source=source, title=source)


def test_diversify_keeps_two_passages_per_document_in_the_first_five() -> None:
    ranked = [(_chunk("a.txt", i), 1.0 - i / 10) for i in range(4)] + [
        (_chunk("b.txt", 0), 0.5),
        (_chunk("c.txt", 0), 0.4),
        (_chunk("d.txt", 0), 0.3),
    ]
    top = diversify(ranked, 5)
    assert [c.source for c, _ in top] == ["a.txt", "a.txt", "b.txt", "c.txt", "d.txt"]
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    # with nothing else to show, the crowded document's passages fill the rest
    only_a = diversify(ranked[:4], 4)
    assert [c.id for c, _ in only_a] == ["a.txt-0", "a.txt-1", "a.txt-2", "a.txt-3"]


def test_hybrid_results_hold_at_most_two_passages_per_source(assistant: Assistant) -> None:
    hits = assistant.search("Cross-Cluster Space Co-Learning Space Hamburg Projekt", k=5)
    counts = Counter(hit.source for hit in hits)
    assert max(counts.values()) <= 2 and len(counts) >= 3


def test_english_question_on_a_german_document_is_not_pulled_to_english_words(assistant: Assistant) -> None:
    # BM25's vote depends on the share of the question's terms a passage holds, not on its language
    hits = assistant.search("Which senator met the cluster managers?", k=5)
    assert hits[0].source == "horch-clustertreffen.txt"


def test_neighbours_are_the_passages_next_to_the_retrieved_ones(assistant: Assistant) -> None:
    hits = assistant.search("Seit wann gibt es den Cross-Cluster Space Hamburg?", k=5)
    neighbours = assistant.retriever.neighbours(hits)
    retrieved = {hit.chunk_id for hit in hits}
    chunks = {c.id: c for c in assistant.retriever.index.iter_chunks()}
    assert neighbours and all(hit.chunk_id not in retrieved for hit, _ in neighbours)
    for hit, rank in neighbours:
        beside = chunks[hits[rank].chunk_id]
        assert hit.source == beside.source and abs(chunks[hit.chunk_id].position - beside.position) == 1


def test_a_quote_may_come_from_the_passage_next_to_the_retrieved_one() -> None:
    """The retrieved passage introduces the topic; the next passage of the document holds the answer."""
    retrieved = Hit(
        source="a.txt", title="A", text="Der Hafencluster wurde 2001 gegründet und ist groß.", score=0.9
    )
    other = Hit(
        source="b.txt", title="B", text="Ein anderer Cluster arbeitet an ganz anderen Themen.", score=0.8
    )
    beside = Hit(
        source="a.txt",
        title="A",
        text="Der Hafencluster hat heute 240 Mitglieder aus elf Ländern.",
        score=0.0,
    )
    ranked = rank_sentences(
        "Wie viele Mitglieder hat der Hafencluster?", [retrieved, other], "de", None, [(beside, 0)]
    )
    assert ranked[0].text == beside.text and ranked[0].hit.source == "a.txt"


def test_a_large_index_is_rebuilt_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above BACKGROUND_REBUILD_CHUNKS a changed index does not hold up questions: the previous BM25
    side answers until the new one is built."""
    monkeypatch.setattr(retrieval, "BACKGROUND_REBUILD_CHUNKS", 1)
    index = hash_index(settings_for(tmp_path / "data"))
    index.upsert([Chunk(id="a", text="Drohnen im Hafen", source="a.txt", title="A")])
    index.bump_version()
    retriever = retrieval.HybridRetriever(index)
    assert [c.id for c, _ in retriever.bm25("Drohnen", "de", 5)] == ["a"]
    index.upsert([Chunk(id="b", text="Kabinensensorik im Flugzeug", source="b.txt", title="B")])
    index.bump_version()
    monkeypatch.setattr(retrieval, "VERSION_CHECK_SECONDS", 0.0)
    gate, build = threading.Event(), retriever._build
    monkeypatch.setattr(retriever, "_build", lambda version: gate.wait(30) and build(version))
    assert retriever.bm25("Kabinensensorik", "de", 5) == []  # the old side, at once
    gate.set()
    deadline = time.monotonic() + 30
    while not retriever.bm25("Kabinensensorik", "de", 5) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c.id for c, _ in retriever.bm25("Kabinensensorik", "de", 5)] == ["b"]


def test_evidence_finds_places_and_known_things_in_the_other_language() -> None:
    german = Chunk(
        id="g", text="Sachsen-Anhalt fördert die Zulieferer; 200 Teilnehmer kamen.", source="g", title="G"
    )
    english = Chunk(id="e", text="The cluster supports suppliers in Luxembourg.", source="e", title="E")
    terms = [
        retrieval.Term(frozenset({"saxony-anhalt"}), 2.0, translation("saxony-anhalt")),
        retrieval.Term(frozenset({"particip"}), 1.0, translation("participants")),
        retrieval.Term(frozenset({"luxembourg"}), 1.0, translation("luxembourg")),
    ]
    assert retrieval.evidence(terms, german) == pytest.approx(3 / 4)
    assert retrieval.evidence(terms, english) == pytest.approx(1 / 4)
    # a place's shortest names count only at the start of a word: "Lentia" is Linz, "talent" is not
    assert translation("linz") is not None
    assert not translation("linz").search("a talented team")  # type: ignore[union-attr]


def test_a_second_named_thing_gets_a_passage_of_its_own() -> None:
    def chunk(source: str, n: int, text: str) -> Chunk:
        return Chunk(id=f"{source}-{n}", text=text, source=source, title=source)

    linz = [
        (chunk("linz", n, f"Der Medizintechnik-Cluster in Linz, Teil {n}."), 0.9 - n / 100) for n in range(4)
    ]
    lisa = (chunk("lisa", 0, "LISAvienna is run by two managing directors."), 0.5)
    ranked = [linz[0], linz[1], (chunk("x", 0, "Etwas anderes."), 0.8), linz[2], linz[3], lisa]
    chosen = [linz[0], linz[1], ranked[2], linz[2], linz[3]]  # as a fusion that favours Linz may rank them
    question = "Wer leitet LISAvienna, und wer führt den Medizintechnik-Cluster in Linz?"
    covered = retrieval.cover_each_thing(question, chosen, ranked)
    assert [c.source for c, _ in covered].count("lisa") == 1 and len(covered) == 5
    assert [s for _, s in covered] == [s for _, s in chosen]  # the scores stay in order
    # a question about one thing is left as it is
    assert retrieval.cover_each_thing("Wer leitet LISAvienna?", chosen, ranked) == chosen
