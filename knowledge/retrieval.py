"""Hybrid retrieval: dense (Chroma) similarity plus evidence-weighted BM25, diversified by source."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.bm25 import BM25Index
from knowledge.embeddings import LOCAL_MODEL_ID
from knowledge.errors import IndexEmptyError
from knowledge.index import Chunk, VectorIndex
from knowledge.models import Hit, Language
from knowledge.named import two_things
from knowledge.sectors import translation
from knowledge.text import content_words, detect_language, passage_terms, query_terms, term_matches

Mode = Literal["hybrid", "dense", "bm25"]

CANDIDATES = 30
# Fusion is score-based around the dense similarity: a passage gains EVIDENCE_WEIGHT * e + BM25_WEIGHT *
# e * (BM25 score / best BM25 score), where e is the evidence that it matches the question (the
# IDF-weighted share of the question's terms it contains, in either language's stems) raised to
# EVIDENCE_POWER. A passage that merely shares the question's language and a few common words gains
# almost nothing, so BM25 reorders near-ties but never outvotes the multilingual model. Tuned on the
# held-out tune half and the sample set (bench/retrieval.py).
EVIDENCE_POWER = 2.0
EVIDENCE_WEIGHT = 0.03
BM25_WEIGHT = 0.05
# At most this many passages of one document among the first DIVERSE_TOP hits, so a second document
# that the question needs is not crowded out.
PER_SOURCE = 2
DIVERSE_TOP = 5
# Below this cosine similarity the best passage does not answer the question. Calibrated for the
# local model on bench/questions.yaml; other models' similarities have other scales, so without a
# calibration they never abstain here (the LLM still may, with NO_ANSWER).
CALIBRATED_MIN_SIMILARITY = {LOCAL_MODEL_ID: 0.82}
VERSION_CHECK_SECONDS = 2.0
log = logging.getLogger(__name__)
# Above this many chunks, a changed index is rebuilt in the background (the old BM25 side serves).
BACKGROUND_REBUILD_CHUNKS = 20_000
# Quotes may come from the passages next to a retrieved one (this many on each side).
NEIGHBOUR_RADIUS = 1


@dataclass
class Retrieval:
    """What a search found, with the evidence used to decide whether to abstain."""

    query: str
    language: Language
    hits: list[Hit]
    top_similarity: float
    min_similarity: float = 0.0

    def confident(self, best_sentence: float | None = None) -> bool:
        """True when the best passage, or the best sentence of the passages (`best_sentence`, the
        cosine similarity of the sentence closest to the question), is close enough to answer it:
        a cross-language answer often sits in a long passage whose other sentences dilute it."""
        best = max(self.top_similarity, best_sentence if best_sentence is not None else 0.0)
        return bool(self.hits) and best >= self.min_similarity


@dataclass(frozen=True)
class _Lexical:
    """One build of the in-memory side: BM25 and the chunks by source and id."""

    version: int
    bm25: BM25Index
    chunks: list[Chunk]
    by_source: dict[str, list[Chunk]]
    by_id: dict[str, Chunk]


class HybridRetriever:
    """Searches one VectorIndex; rebuilds its BM25 side whenever the index version changes."""

    def __init__(self, index: VectorIndex, min_similarity: float | None = None) -> None:
        self.index = index
        self.min_similarity = (
            CALIBRATED_MIN_SIMILARITY.get(index.embeddings.model_id, 0.0)
            if min_similarity is None
            else min_similarity
        )
        self._lock = threading.Lock()
        # One build of the in-memory side, replaced whole (readers take the reference once).
        self._side: _Lexical | None = None
        self._checked = 0.0
        self._rebuilding = False

    def refresh(self, force: bool = False) -> None:
        """Reload the BM25 side if the index changed (checked at most every few seconds). A large
        index is rebuilt in a thread while the previous BM25 side keeps serving (at 100,000 chunks
        a rebuild takes about 11 s); a small one at once."""
        now = time.monotonic()
        side = self._side
        if not force and side is not None and now - self._checked < VERSION_CHECK_SECONDS:
            return
        with self._lock:
            self._checked = now
            version = self.index.version()
            side = self._side
            if not force and side is not None and version == side.version:
                return
            if force or side is None or len(side.chunks) < BACKGROUND_REBUILD_CHUNKS:
                self._swap(self._build(version))
            elif not self._rebuilding:
                self._rebuilding = True
                threading.Thread(
                    target=self._rebuild, args=(version,), name="bm25-rebuild", daemon=True
                ).start()

    def _rebuild(self, version: int) -> None:
        try:
            side = self._build(version)
            with self._lock:
                self._swap(side)
        except Exception:  # the previous side keeps serving; a check a minute later tries again
            log.exception("rebuilding the BM25 side failed")
            self._checked = time.monotonic() + 60.0
        finally:
            self._rebuilding = False

    def _build(self, version: int) -> _Lexical:
        chunks = list(self.index.iter_chunks())
        bm25 = BM25Index([c.text for c in chunks], [("en" if c.language == "en" else "de") for c in chunks])
        by_source: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_source.setdefault(chunk.source, []).append(chunk)
        for passages in by_source.values():
            passages.sort(key=lambda c: c.position)
        return _Lexical(version, bm25, chunks, by_source, {chunk.id: chunk for chunk in chunks})

    def _swap(self, side: _Lexical) -> None:
        """Install a build unless a newer one is in place (a forced refresh may have overtaken it)."""
        if self._side is None or side.version >= self._side.version:
            self._side = side

    def _current(self) -> _Lexical:
        self.refresh()
        side = self._side
        assert side is not None
        return side

    def bm25(self, query: str, language: Language, k: int) -> list[tuple[Chunk, float]]:
        """BM25 alone."""
        return _lexical(self._current(), query, language, k)

    def retrieve(
        self, query: str, k: int = 5, mode: Mode = "hybrid", language: Language | None = None
    ) -> Retrieval:
        """The k best passages for `query`, best first."""
        language = language or detect_language(query)
        side = self._current()  # one build for the whole question, also while a new one is swapped in
        if not side.chunks:
            raise IndexEmptyError("the index is empty: run `clusterbridge ingest --docs DIR` first")
        dense = self.index.dense_search(query, CANDIDATES) if mode != "bm25" else []
        lexical = _lexical(side, query, language, CANDIDATES) if mode != "dense" else []
        top_similarity = dense[0][1] if dense else 0.0
        if mode == "dense":
            ranked = [(chunk, score) for chunk, score in dense]
        elif mode == "bm25":
            ranked = lexical
        else:
            ranked = _fuse(dense, lexical, _term_weights(side.bm25, query, language))
        chosen = diversify(ranked, k)
        if mode == "hybrid":
            chosen = cover_each_thing(query, chosen, ranked)
        hits = [_hit(chunk, score) for chunk, score in chosen]
        # BM25 alone has no calibrated similarity: it is confident when it matched anything.
        threshold = 0.0 if mode == "bm25" else self.min_similarity
        return Retrieval(query, language, hits, top_similarity, threshold)

    def neighbours(self, hits: Sequence[Hit], radius: int = NEIGHBOUR_RADIUS) -> list[tuple[Hit, int]]:
        """The passages next to the retrieved ones in their documents (up to `radius` on each side),
        each with the rank of the retrieved passage it neighbours: an answer often sits one passage
        away from the passage that matched the question best."""
        side = self._current()
        taken = {hit.chunk_id for hit in hits}
        out: list[tuple[Hit, int]] = []
        for rank, hit in enumerate(hits):
            chunk = side.by_id.get(hit.chunk_id)
            if chunk is None:
                continue
            for other in side.by_source.get(chunk.source, []):
                if other.id not in taken and 0 < abs(other.position - chunk.position) <= radius:
                    taken.add(other.id)
                    out.append((_hit(other, 0.0), rank))
        return out


def _lexical(side: _Lexical, query: str, language: Language, k: int) -> list[tuple[Chunk, float]]:
    return [(side.chunks[i], score) for i, score in side.bm25.search(query, language, k)]


@dataclass(frozen=True)
class Term:
    """A content word of the question: its stems in either language, its IDF and, for a place or a
    thing the concept lists know, how a passage in the other language names it ("Saxony-Anhalt" is
    "Sachsen-Anhalt", "participants" are "Teilnehmer")."""

    stems: frozenset[str]
    weight: float
    named: re.Pattern[str] | None = None


def _term_weights(bm25: BM25Index, query: str, language: Language) -> list[Term]:
    """The question's terms (stems in either language, and translations) with their IDF, computed once
    per question."""
    words = content_words(query)
    return [
        Term(terms, max(bm25.idf(t) for t in terms), translation(word))
        for word, terms in zip(words, query_terms(query, language), strict=True)
    ]


def evidence(weights: Sequence[Term], chunk: Chunk) -> float:
    """The IDF-weighted share of the question's terms found in a passage (stemmed in either
    language; long stems also match inside German compounds; places and known things also by their
    names in the other language)."""
    found = passage_terms(chunk.text)
    lowered = chunk.text.lower()
    total = sum(term.weight for term in weights)
    matched = sum(
        term.weight
        for term in weights
        if any(term_matches(t, found) for t in term.stems)
        or (term.named is not None and term.named.search(lowered) is not None)
    )
    return matched / total if total else 0.0


def _fuse(
    dense: list[tuple[Chunk, float]],
    lexical: list[tuple[Chunk, float]],
    weights: Sequence[Term],
) -> list[tuple[Chunk, float]]:
    """Dense similarity plus a bonus for the passage's evidence (the share of the question's
    terms it contains) and, scaled by that evidence, its normalised BM25 score."""
    similarity = {chunk.id: score for chunk, score in dense}
    floor = min(similarity.values(), default=0.0)
    top_bm25 = max((score for _, score in lexical), default=0.0) or 1.0
    bm25 = {chunk.id: score / top_bm25 for chunk, score in lexical}
    chunks = {chunk.id: chunk for chunk, _ in [*dense, *lexical]}
    scores: dict[str, float] = {}
    for cid, chunk in chunks.items():
        share = evidence(weights, chunk) ** EVIDENCE_POWER
        scores[cid] = (
            similarity.get(cid, floor) + EVIDENCE_WEIGHT * share + BM25_WEIGHT * share * bm25.get(cid, 0.0)
        )
    order = sorted(scores, key=lambda cid: -scores[cid])
    return [(chunks[cid], scores[cid]) for cid in order]


def cover_each_thing(
    query: str, chosen: list[tuple[Chunk, float]], ranked: Sequence[tuple[Chunk, float]]
) -> list[tuple[Chunk, float]]:
    """For a question about two things ("Wer leitet LISAvienna, und wer den Cluster in Linz?"):
    when no chosen passage names one of them, the best candidate that names it takes the place of
    the last passage of a source that holds several, so one document cannot crowd out the other."""
    things = two_things(query)
    if not things:
        return chosen
    out = list(chosen)
    candidates = ranked[: 3 * len(chosen)]  # only passages that ranked near the top
    for names_it in things:
        if any(names_it(f"{c.title} {c.text}") for c, _ in out):
            continue
        taken = {c.id for c, _ in out}
        found = next(
            (
                item
                for item in candidates
                if item[0].id not in taken and names_it(f"{item[0].title} {item[0].text}")
            ),
            None,
        )
        sources = [c.source for c, _ in out]
        crowded = [i for i in range(len(out) - 1, 0, -1) if sources.count(sources[i]) > 1]
        if found is None or not crowded:
            continue
        out[crowded[0]] = (found[0], out[crowded[0]][1])
    return out


def diversify(
    ranked: list[tuple[Chunk, float]], k: int, per_source: int = PER_SOURCE, top: int = DIVERSE_TOP
) -> list[tuple[Chunk, float]]:
    """The first k of `ranked`, with at most `per_source` passages of one source among the first
    `top` (later passages of a crowded source move down, not out); scores stay non-increasing."""
    head: list[tuple[Chunk, float]] = []
    held: list[tuple[Chunk, float]] = []
    counts: dict[str, int] = {}
    for item in ranked:
        if len(head) >= min(k, top):
            held.append(item)
            continue
        source = item[0].source
        if counts.get(source, 0) >= per_source:
            held.append(item)
            continue
        counts[source] = counts.get(source, 0) + 1
        head.append(item)
    chosen = (head + held)[:k]
    out: list[tuple[Chunk, float]] = []
    for chunk, score in chosen:
        capped = min(score, out[-1][1]) if out else score
        out.append((chunk, capped))
    return out


def _hit(chunk: Chunk, score: float) -> Hit:
    return Hit(
        source=chunk.source,
        title=chunk.title,
        text=chunk.body,
        score=round(float(score), 6),
        url=chunk.url,
        chunk_id=chunk.id,
    )
