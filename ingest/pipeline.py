"""The ingestion job: index a folder of documents incrementally, safely and resumably."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field
from tqdm import tqdm

from ingest.chunking import SentenceSplitter, with_title
from ingest.loaders import SUFFIXES, load_document
from knowledge.config import Settings
from knowledge.embeddings import make_embeddings
from knowledge.errors import ClusterBridgeError, DocumentError, IngestLockedError
from knowledge.store import Chunk, VectorIndex, chroma_client
from knowledge.text import detect_language

log = logging.getLogger(__name__)
VERSION_EVERY = 25
_SPLITTER = SentenceSplitter()


class FailedFile(BaseModel):
    """A file that was reported and skipped."""

    source: str
    reason: str


class IngestReport(BaseModel):
    """What one ingestion run did."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[FailedFile] = Field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"added {self.added}, changed {self.changed}, unchanged {self.unchanged}, "
            f"removed {self.removed}, "
            f"failed {len(self.failed)}, chunks written {self.chunks} ({self.embedded} embedded), "
            f"{self.seconds:.1f} s"
        )


class Manifest:
    """Which file version is indexed, per collection (SQLite in the data dir)."""

    def __init__(self, path: Path, collection: str) -> None:
        self.collection = collection
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (collection TEXT, source TEXT, digest TEXT, size INTEGER,"
            " mtime_ns INTEGER, chunks INTEGER, indexed_at REAL, PRIMARY KEY (collection, source))"
        )

    def get(self, source: str) -> tuple[str, int, int] | None:
        """(digest, size, mtime_ns) of the indexed version."""
        row = self._db.execute(
            "SELECT digest, size, mtime_ns FROM files WHERE collection = ? AND source = ?",
            (self.collection, source),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def put(self, source: str, digest: str, size: int, mtime_ns: int, chunks: int) -> None:
        """Record the indexed version of a file."""
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.collection, source, digest, size, mtime_ns, chunks, time.time()),
        )

    def touch(self, source: str, size: int, mtime_ns: int) -> None:
        """Record a new size and time for a file whose content did not change."""
        self._db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE collection = ? AND source = ?",
            (size, mtime_ns, self.collection, source),
        )

    def drop(self, source: str) -> None:
        """Forget a file."""
        self._db.execute("DELETE FROM files WHERE collection = ? AND source = ?", (self.collection, source))

    def sources(self) -> set[str]:
        """Every file recorded for this collection."""
        rows = self._db.execute("SELECT source FROM files WHERE collection = ?", (self.collection,))
        return {row[0] for row in rows}

    def close(self) -> None:
        """Close the database."""
        self._db.close()


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold the data dir's ingestion lock; a second run refuses at once."""
    path = settings.data_dir / "ingest.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestLockedError(
            f"another ingestion run is in progress (lock {path}); wait for it to finish"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def chunk_id(source: str, position: int, text: str) -> str:
    """A stable id: the same text at the same place of the same file keeps its id."""
    return hashlib.sha256(f"{source}\0{position}\0{text}".encode()).hexdigest()[:32]


def make_chunks(source: str, title: str, url: str | None, text: str) -> list[Chunk]:
    """A document's passages, each carrying the title."""
    language = detect_language(text)
    chunks = []
    for position, body in enumerate(_SPLITTER.split_text(text)):
        stored = with_title(title, body)
        chunks.append(
            Chunk(
                id=chunk_id(source, position, stored),
                text=stored,
                source=source,
                title=title,
                url=url,
                language=language,
                position=position,
            )
        )
    return chunks


def scan(folder: Path) -> list[tuple[str, Path]]:
    """Supported files under `folder`, any depth, as (source, path), sorted; hidden files ignored."""
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.append((relative.as_posix(), path))
    return sorted(found)


class DocumentIngestor:
    """Brings the index in line with a folder, one file at a time."""

    def __init__(self, settings: Settings, index: VectorIndex, manifest: Manifest) -> None:
        self.settings = settings
        self.index = index
        self.manifest = manifest
        self.max_bytes = int(settings.clusterbridge_max_file_mb * 1024 * 1024)

    def run(self, folder: Path, report: IngestReport, progress: bool) -> None:
        """Index new and changed files, drop removed ones."""
        if not folder.is_dir():
            raise ClusterBridgeError(f"documents folder not found: {folder}")
        files = scan(folder)
        present = {source for source, _ in files}
        bar = tqdm(files, desc="ingest", unit="file", file=sys.stderr, disable=not progress)
        touched = 0
        for source, path in bar:
            bar.set_postfix_str(source[-40:], refresh=False)
            if self._ingest_file(source, path, report):
                touched += 1
                if touched % VERSION_EVERY == 0:
                    self.index.bump_version()
        for source in sorted((self.manifest.sources() | self.index.sources()) - present):
            self.index.delete(self.index.ids_where({"source": source}))
            self.manifest.drop(source)
            report.removed += 1
            touched += 1
        if touched:
            self.index.bump_version()

    def _ingest_file(self, source: str, path: Path, report: IngestReport) -> bool:
        """Index one file if it changed; True when the index was written."""
        try:
            stat = path.stat()
            known = self.manifest.get(source)
            if known and known[1] == stat.st_size and known[2] == stat.st_mtime_ns:
                report.unchanged += 1
                return False
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if known and known[0] == digest:
                self.manifest.touch(source, stat.st_size, stat.st_mtime_ns)
                report.unchanged += 1
                return False
            document = load_document(path, self.max_bytes)
        except (DocumentError, OSError) as exc:
            reason = str(exc) if isinstance(exc, DocumentError) else f"cannot read: {exc.strerror or exc}"
            report.failed.append(FailedFile(source=source, reason=reason))
            log.warning("skipped %s: %s", source, reason)
            return False
        chunks = make_chunks(source, document.title, document.url, document.text)
        before = self.index.embeddings.computed
        self.index.upsert(chunks)
        keep = {chunk.id for chunk in chunks}
        stale = [cid for cid in self.index.ids_where({"source": source}) if cid not in keep]
        self.index.delete(stale)
        self.manifest.put(source, digest, stat.st_size, stat.st_mtime_ns, len(chunks))
        report.embedded += self.index.embeddings.computed - before
        report.chunks += len(chunks)
        if known:
            report.changed += 1
        else:
            report.added += 1
        return True


def open_index(settings: Settings) -> VectorIndex:
    """The documents index for the configured embedding model."""
    return VectorIndex(chroma_client(settings), make_embeddings(settings))


def run_ingest(
    settings: Settings,
    docs: Path | None = None,
    *,
    progress: bool = False,
    index: VectorIndex | None = None,
) -> IngestReport:
    """Index the documents folder (the only input this version handles)."""
    started = time.monotonic()
    report = IngestReport()
    with ingest_lock(settings):
        index = index or open_index(settings)
        manifest = Manifest(settings.data_dir / "ingest.sqlite3", index.name)
        try:
            if docs is not None:
                DocumentIngestor(settings, index, manifest).run(docs, report, progress)
        finally:
            manifest.close()
    report.seconds = time.monotonic() - started
    return report
