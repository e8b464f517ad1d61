"""Test helpers: a deterministic embedding for unit tests that are not about retrieval quality."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

from langchain_core.embeddings import Embeddings

from knowledge.config import Settings
from knowledge.embeddings import CachedEmbeddings, EmbeddingCache
from knowledge.store import VectorIndex, chroma_client

DIM = 64


class HashEmbeddings(Embeddings):
    """Bag-of-words hashed into 64 dimensions: texts sharing words are similar."""

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * DIM
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % DIM] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        self.calls += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)


def hash_index(settings: Settings) -> VectorIndex:
    """A VectorIndex in the settings' data dir with the hash embedding."""
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3")
    return VectorIndex(chroma_client(settings), CachedEmbeddings(HashEmbeddings(), "test-hash", cache))


def settings_for(data_dir: Path, **values: object) -> Settings:
    """Settings that ignore the developer's environment and .env."""
    return Settings(_env_file=None, clusterbridge_data_dir=data_dir, **values)  # type: ignore[call-arg]
