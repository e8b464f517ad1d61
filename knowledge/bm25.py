"""BM25 (Okapi, Lucene variant) over stemmed tokens, on bm25s's sparse matrices."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import bm25s
import numpy as np

from knowledge.models import Language
from knowledge.text import stem_tokens

K1 = 1.5
B = 0.75

logging.getLogger("bm25s").setLevel(logging.WARNING)


class BM25Index:
    """BM25 over documents whose tokens were stemmed in each document's own language."""

    def __init__(self, texts: Sequence[str], languages: Sequence[Language]) -> None:
        self.size = len(texts)
        corpus = [stem_tokens(text, language) for text, language in zip(texts, languages, strict=True)]
        self._model = bm25s.BM25(k1=K1, b=B, method="lucene")
        self._vocab: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)
        if self.size:
            self._model.index(corpus, show_progress=False)
            self._vocab = dict(self._model.vocab_dict)
            indptr = np.asarray(self._model.scores["indptr"])
            self._df = np.diff(indptr)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term (highest for terms no document has)."""
        column = self._vocab.get(term)
        df = int(self._df[column]) if column is not None and column < len(self._df) else 0
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def search(self, query: str, language: Language, k: int) -> list[tuple[int, float]]:
        """The k best documents as (index, score), best first; only documents sharing a term."""
        terms = [t for t in dict.fromkeys(stem_tokens(query, language)) if t in self._vocab]
        if not terms or not self.size:
            return []
        # bm25s's Lucene variant leaves out Okapi's constant (k1 + 1) factor: put it back for the usual scale.
        scores = self._model.get_scores(terms) * (K1 + 1)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.size else np.arange(self.size)
        ranked = sorted(
            ((int(i), float(scores[i])) for i in top if scores[i] > 0), key=lambda p: (-p[1], p[0])
        )
        return ranked
