"""The documents folder as admins manage it from the bot: a file stored under a safe name, the list
of indexed documents, and one document taken out (the file and its passages, under the job's lease)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.job import IngestJob, Sources
from ingest.manifest import Manifest
from knowledge.config import Settings
from knowledge.index import VectorIndex
from knowledge.state import StateStore

SUFFIXES = (".pdf", ".docx", ".txt", ".md", ".html", ".htm")
NAME_LIMIT = 100
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str) -> str | None:
    """A plain file name for the documents folder (no folders, no control or shell characters, no
    leading dot, at most 100 characters, a lower-case known suffix), or None for a kind we do not read."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in SUFFIXES:
        return None
    stem = " ".join(_UNSAFE.sub("_", stem).split()).strip(" ._-")[: NAME_LIMIT - len(suffix)]
    return f"{stem or 'dokument'}{suffix}"


def store_file(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to `folder/name` atomically (a new version replaces the old one whole)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


@dataclass(frozen=True)
class IndexedDocument:
    """One indexed file: its source (path in the folder), title, passages and when it was indexed."""

    source: str
    title: str
    chunks: int
    indexed_at: datetime

    @property
    def key(self) -> int:
        """A stable number for the source (a button's data carries numbers only)."""
        return int(hashlib.sha256(self.source.encode()).hexdigest()[:15], 16)


def _manifest(settings: Settings, index: VectorIndex) -> Manifest:
    return Manifest(settings.data_dir / "ingest.sqlite3", index.name)


def indexed_documents(settings: Settings, index: VectorIndex) -> list[IndexedDocument]:
    """Every indexed document, by source; titles from each document's first passage."""
    manifest = _manifest(settings, index)
    try:
        entries = manifest.entries()
    finally:
        manifest.close()
    firsts = index.collection.get(where={"position": 0}, include=["metadatas"])
    titles = {str(m.get("source", "")): str(m.get("title", "")) for m in firsts["metadatas"] or [] if m}
    return [
        IndexedDocument(source, titles.get(source, ""), chunks, datetime.fromtimestamp(at, UTC))
        for source, chunks, at in entries
    ]


def find_document(documents: list[IndexedDocument], name: str) -> IndexedDocument | None:
    """The document whose source is `name`, or whose file name alone is `name` when that is unique."""
    exact = [d for d in documents if d.source == name]
    by_name = [d for d in documents if d.source.rsplit("/", 1)[-1] == name]
    return exact[0] if exact else by_name[0] if len(by_name) == 1 else None


def _take_out(settings: Settings, index: VectorIndex, folder: Path | None, source: str) -> int:
    """Delete the file (when it lies inside the folder) and the document's passages; passages removed."""
    if folder is not None:
        path = (folder / source).resolve()
        if path.is_relative_to(folder.resolve()):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    ids = index.ids_where({"source": source})
    index.delete(ids)
    manifest = _manifest(settings, index)
    try:
        manifest.drop(source)
    finally:
        manifest.close()
    index.bump_version()
    return len(ids)


async def remove_document(settings: Settings, store: StateStore, index: VectorIndex, source: str) -> int:
    """Take one document out under the ingestion lease (JobRunning while a job runs); passages removed."""
    job = await IngestJob.begin(settings, store, Sources(), "remove")
    try:
        return await asyncio.to_thread(_take_out, settings, index, settings.clusterbridge_docs_dir, source)
    finally:
        await job.release()
