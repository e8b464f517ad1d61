"""The Chroma vector store: embedded PersistentClient by default, a Chroma server with CHROMA_HOST."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import chromadb
import chromadb.errors
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma

from knowledge.config import Settings
from knowledge.embeddings import CachedEmbeddings
from knowledge.errors import ClusterBridgeError, StoreError

log = logging.getLogger(__name__)

_PAGE = 2000
# How widely HNSW searches (Chroma's default is 100). An embedded collection of 100 to 1,000 vectors
# is rebuilt in memory on every start, with random links; with the default, one load in five missed
# a question's nearest passage in bench/heldout (271 passages), with 400 none of 60 loads did. The
# cost is a few milliseconds per question at 100,000 chunks.
EF_SEARCH = 400


@dataclass(frozen=True)
class Chunk:
    """One indexed passage: `text` is what is embedded and stored (title line first)."""

    id: str
    text: str
    source: str
    title: str
    url: str | None = None
    language: str = "de"
    position: int = 0
    extra: dict[str, str | int | float | bool] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The text without the title line that is kept with every chunk for embedding."""
        head = f"{self.title}\n\n"
        return self.text[len(head) :] if self.title and self.text.startswith(head) else self.text

    def metadata(self) -> dict[str, str | int | float | bool]:
        """Chroma metadata (no None values)."""
        meta: dict[str, str | int | float | bool] = {
            "source": self.source,
            "title": self.title,
            "language": self.language,
            "position": self.position,
            **self.extra,
        }
        if self.url:
            meta["url"] = self.url
        return meta

    @classmethod
    def from_record(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from what Chroma returns."""
        known = {"source", "title", "language", "position", "url"}
        return cls(
            id=chunk_id,
            text=text,
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            url=meta.get("url") or None,
            language=str(meta.get("language", "de")),
            position=int(meta.get("position", 0)),
            extra={k: v for k, v in meta.items() if k not in known},
        )


def chroma_client(settings: Settings) -> chromadb.ClientAPI:
    """A Chroma client: HTTP when CHROMA_HOST is set (its CHROMA_DATABASE, created when missing),
    else persistent under the data dir."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return _server_client(settings)
        path = settings.data_dir / "chroma"
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else "the data dir"
        raise StoreError(f"cannot open the Chroma index at {where}: {exc}") from exc


def _server_client(settings: Settings) -> chromadb.ClientAPI:
    host, port, database = str(settings.chroma_host), settings.chroma_port, settings.chroma_database

    def connect() -> chromadb.ClientAPI:
        return chromadb.HttpClient(
            host=host, port=port, database=database, settings=ChromaSettings(anonymized_telemetry=False)
        )

    try:
        return connect()
    except chromadb.errors.NotFoundError:
        admin = chromadb.AdminClient(
            ChromaSettings(
                anonymized_telemetry=False,
                chroma_api_impl="chromadb.api.fastapi.FastAPI",
                chroma_server_host=host,
                chroma_server_http_port=port,
            )
        )
        try:
            admin.create_database(database)
        except chromadb.errors.ChromaError as exc:  # created meanwhile by another process
            if "already exists" not in str(exc):
                raise
        return connect()


def collection_name(model_id: str, kind: str = "docs") -> str:
    """A collection per embedding model: vectors of different models never mix."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_id).strip("-")
    return f"clusterbridge-{kind}-{slug}"[:60]


class VectorIndex:
    """Chunks in one Chroma collection, through LangChain's Chroma vector store."""

    def __init__(self, client: chromadb.ClientAPI, embeddings: CachedEmbeddings, kind: str = "docs") -> None:
        self.client = client
        self.embeddings = embeddings
        self.name = collection_name(embeddings.model_id, kind)
        try:
            self.vectorstore = Chroma(
                client=client,
                collection_name=self.name,
                embedding_function=embeddings,
                collection_configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
            )
            self.collection: chromadb.Collection = client.get_collection(self.name)
        except Exception as exc:
            raise StoreError(f"cannot open collection {self.name}: {exc}") from exc
        self._widen_search()

    def _widen_search(self) -> None:
        """Search EF_SEARCH wide in a collection an earlier version created (a failure, such as a
        database another process holds locked, only leaves the narrower search until the next start)."""
        try:
            hnsw = (self.collection.configuration or {}).get("hnsw") or {}
            if int(hnsw.get("ef_search") or 0) < EF_SEARCH:
                self.collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
        except Exception as exc:
            log.warning("could not widen the search of %s: %s", self.name, exc)

    def count(self) -> int:
        """How many chunks are indexed."""
        return self.collection.count()

    def version(self) -> int:
        """A counter bumped after each change, so readers know when to reload BM25 (read afresh:
        another process may have ingested)."""
        meta = self.client.get_collection(self.name).metadata or {}
        return int(meta.get("clusterbridge_version", 0))

    def bump_version(self) -> None:
        """Mark the index as changed."""
        collection = self.client.get_collection(self.name)
        meta = dict(collection.metadata or {})
        meta["clusterbridge_version"] = int(meta.get("clusterbridge_version", 0)) + 1
        meta.pop("hnsw:space", None)
        collection.modify(metadata=meta)

    def upsert(self, chunks: Sequence[Chunk]) -> None:
        """Add or replace chunks (embedding only texts the cache has not seen), in batches within
        the store's limit (`get_max_batch_size()`, 5,461 on Chroma 1.x), so a document of any
        length can be written."""
        if not chunks:
            return
        try:
            try:
                limit = int(self.client.get_max_batch_size())
            except Exception:  # an older server or client without the call
                limit = _PAGE
            step = max(1, min(_PAGE, limit))
            for start in range(0, len(chunks), step):
                batch = chunks[start : start + step]
                self.vectorstore.add_texts(
                    texts=[c.text for c in batch],
                    metadatas=[c.metadata() for c in batch],
                    ids=[c.id for c in batch],
                )
        except ClusterBridgeError:  # e.g. the embedding provider failed: say that, not "cannot write"
            raise
        except Exception as exc:
            raise StoreError(f"cannot write to collection {self.name}: {exc}") from exc

    def ids_where(self, where: dict[str, Any]) -> list[str]:
        """Ids of the chunks matching a metadata filter."""
        return list(self.collection.get(where=where, include=[])["ids"])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id, in batches within the store's limit."""
        if not ids:
            return
        try:
            try:
                limit = int(self.client.get_max_batch_size())
            except Exception:
                limit = _PAGE
            step = max(1, min(_PAGE, limit))
            for start in range(0, len(ids), step):
                self.collection.delete(ids=list(ids[start : start + step]))
        except Exception as exc:
            raise StoreError(f"cannot delete from collection {self.name}: {exc}") from exc

    def _pages(self, include: list[Any]) -> Iterator[dict[str, Any]]:
        """The whole collection, page by page."""
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield dict(page)
            offset += len(page["ids"])

    def sources(self) -> set[str]:
        """Every source that has chunks."""
        return {
            str((meta or {}).get("source", ""))
            for page in self._pages(["metadatas"])
            for meta in page["metadatas"] or []
        }

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, page by page."""
        for page in self._pages(["documents", "metadatas"]):
            for chunk_id, text, meta in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            ):
                yield Chunk.from_record(chunk_id, text or "", dict(meta or {}))

    def dense_search(
        self, query: str, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with cosine similarity (1 - distance), best first."""
        vector = self.embeddings.embed_query(query)
        pairs = self.vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=k, filter=where)
        return [
            (Chunk.from_record(doc.id or "", doc.page_content, dict(doc.metadata)), 1.0 - distance)
            for doc, distance in pairs
        ]
