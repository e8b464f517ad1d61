"""Hybrid retrieval: dense (Chroma) and BM25, fused by language-aware reciprocal rank."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

from knowledge.bm25 import BM25Index
from knowledge.embeddings import LOCAL_MODEL_ID
from knowledge.errors import IndexEmptyError
from knowledge.models import Hit, Language
from knowledge.store import Chunk, VectorIndex
from knowledge.text import detect_language

Mode = Literal["hybrid", "dense", "bm25"]

RRF_K = 60
CANDIDATES = 30
# BM25 helps when query and passage share a language; across languages (an English question on a
# German text) stems rarely match and BM25 mostly adds noise, so its vote counts less.
CROSS_LANGUAGE_BM25_WEIGHT = 0.25
# Below this cosine similarity the best passage does not answer the question. Calibrated for the
# local model on bench/questions.yaml; other models' similarities have other scales, so without a
# calibration they never abstain here (the LLM still may, with NO_ANSWER).
CALIBRATED_MIN_SIMILARITY = {LOCAL_MODEL_ID: 0.82}
VERSION_CHECK_SECONDS = 2.0


@dataclass
class Retrieval:
    """What a search found, with the evidence used to decide whether to abstain."""

    query: str
    language: Language
    hits: list[Hit]
    top_similarity: float
    min_similarity: float = 0.0

    def confident(self) -> bool:
        """True when the best passage is close enough to answer the question."""
        return bool(self.hits) and self.top_similarity >= self.min_similarity


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
        self._bm25: BM25Index | None = None
        self._chunks: list[Chunk] = []
        self._version = -1
        self._checked = 0.0

    def refresh(self, force: bool = False) -> None:
        """Reload the BM25 side if the index changed (checked at most every few seconds)."""
        now = time.monotonic()
        if not force and self._bm25 is not None and now - self._checked < VERSION_CHECK_SECONDS:
            return
        with self._lock:
            self._checked = now
            version = self.index.version()
            if not force and self._bm25 is not None and version == self._version:
                return
            chunks = list(self.index.iter_chunks())
            self._bm25 = BM25Index(
                [c.text for c in chunks], [("en" if c.language == "en" else "de") for c in chunks]
            )
            self._chunks = chunks
            self._version = version

    def bm25(self, query: str, language: Language, k: int) -> list[tuple[Chunk, float]]:
        """BM25 alone."""
        self.refresh()
        assert self._bm25 is not None
        chunks = self._chunks
        return [(chunks[i], score) for i, score in self._bm25.search(query, language, k)]

    def retrieve(
        self, query: str, k: int = 5, mode: Mode = "hybrid", language: Language | None = None
    ) -> Retrieval:
        """The k best passages for `query`, best first."""
        language = language or detect_language(query)
        self.refresh()
        if not self._chunks:
            raise IndexEmptyError("the index is empty: run `clusterbridge ingest --docs DIR` first")
        dense = self.index.dense_search(query, CANDIDATES) if mode != "bm25" else []
        lexical = self.bm25(query, language, CANDIDATES) if mode != "dense" else []
        top_similarity = dense[0][1] if dense else 0.0
        if mode == "dense":
            ranked = [(chunk, score) for chunk, score in dense]
        elif mode == "bm25":
            ranked = lexical
        else:
            ranked = self._fuse(dense, lexical, language)
        hits = [_hit(chunk, score) for chunk, score in ranked[:k]]
        # BM25 alone has no calibrated similarity: it is confident when it matched anything.
        threshold = 0.0 if mode == "bm25" else self.min_similarity
        return Retrieval(query, language, hits, top_similarity, threshold)

    @staticmethod
    def _fuse(
        dense: list[tuple[Chunk, float]], lexical: list[tuple[Chunk, float]], language: Language
    ) -> list[tuple[Chunk, float]]:
        scores: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for rank, (chunk, _) in enumerate(dense):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        for rank, (chunk, _) in enumerate(lexical):
            weight = 1.0 if chunk.language == language else CROSS_LANGUAGE_BM25_WEIGHT
            scores[chunk.id] = scores.get(chunk.id, 0.0) + weight / (RRF_K + rank + 1)
            chunks[chunk.id] = chunk
        order = sorted(scores, key=lambda cid: -scores[cid])
        return [(chunks[cid], scores[cid]) for cid in order]


def _hit(chunk: Chunk, score: float) -> Hit:
    return Hit(
        source=chunk.source,
        title=chunk.title,
        text=chunk.body,
        score=round(float(score), 6),
        url=chunk.url,
        chunk_id=chunk.id,
    )
