"""A small in-memory BM25 (Okapi) index over stemmed tokens."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from knowledge.models import Language
from knowledge.text import stem_tokens

K1 = 1.5
B = 0.75


class BM25Index:
    """BM25 over documents whose tokens were stemmed in each document's own language."""

    def __init__(self, texts: Sequence[str], languages: Sequence[Language]) -> None:
        self.size = len(texts)
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        for index, (text, language) in enumerate(zip(texts, languages, strict=True)):
            counts = Counter(stem_tokens(text, language))
            self._lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self._postings[term].append((index, tf))
        self._avg = (sum(self._lengths) / self.size) if self.size else 0.0

    def _idf(self, term: str) -> float:
        df = len(self._postings.get(term, ()))
        return math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def search(self, query: str, language: Language, k: int) -> list[tuple[int, float]]:
        """The k best documents as (index, score), best first; only documents sharing a term."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(stem_tokens(query, language)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = self._idf(term)
            for index, tf in postings:
                norm = K1 * (1 - B + B * self._lengths[index] / self._avg)
                scores[index] += idf * tf * (K1 + 1) / (tf + norm)
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
