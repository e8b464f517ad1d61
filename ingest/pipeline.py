"""The ingestion job: index a folder of documents incrementally, safely and resumably."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field, field_validator
from tqdm import tqdm

from ingest.chunking import SentenceSplitter, with_title
from ingest.loaders import check_stat, hash_limited, limits_key, open_checked, parse_document, read_limited
from ingest.manifest import Manifest
from ingest.scan import Scan, scan
from knowledge.answer import quote_sentences
from knowledge.config import Settings
from knowledge.embeddings import make_embeddings
from knowledge.errors import ClusterBridgeError, DocumentError, IngestLockedError, PruneRefusedError
from knowledge.index import Chunk, VectorIndex, chroma_client
from knowledge.text import detect_language

__all__ = [
    "DocumentIngestor",
    "FailedFile",
    "IngestReport",
    "Manifest",
    "Scan",
    "refuse_prune",
    "run_ingest",
    "scan",
    "shown",
]

log = logging.getLogger(__name__)
OnFile = Callable[[int, int, str], None]  # (files done, files in all, the current file's source)
# During a long run, serving processes are told of the progress at most this often (each time they
# rebuild their BM25 side: 11 s at 100,000 chunks), and at the end.
VERSION_SECONDS = 60.0
PRUNE_HANDFUL = 5  # removing this many documents or fewer never needs --prune (unless it is all of them)
MAX_REASON_CHARS = 300
_SPLITTER = SentenceSplitter()
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_LINE_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}  # backslashes kept: escaping twice changes nothing


def shown(name: str) -> str:
    """`name` as one line that cannot forge output: a backslash is doubled, and every character
    that is not printable (newlines, carriage returns, escape sequences, bidirectional overrides,
    the surrogates of undecodable bytes) appears as its escape (\\n, \\x1b, \\u202e, \\udcff)."""
    return _escaped(name, _ESCAPES)


def _escaped(text: str, escapes: dict[str, str]) -> str:
    if text.isprintable() and not any(char in text for char in escapes):
        return text
    out = []
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
    return "".join(out)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class FailedFile(BaseModel):
    """A file that was reported and skipped.

    `source` is the file's name as it is (JSON escapes it); show it with `shown()`, as `line()`
    does. In a name that is not valid UTF-8 the undecodable bytes become U+FFFD. `reason` is always one line, its
    unprintable characters escaped.
    """

    source: str
    reason: str

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if _encodable(value):
            return value
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = _escaped(value, _LINE_ESCAPES)
        return value if len(value) <= MAX_REASON_CHARS else value[: MAX_REASON_CHARS - 1] + "…"

    def line(self) -> str:
        """`skipped NAME: REASON`, one line with the name escaped: what the CLI prints."""
        return f"skipped {shown(self.source)}: {self.reason}"


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


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold the data dir's ingestion lock; a second run refuses at once."""
    path = settings.data_dir / "ingest.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestLockedError(
            f"another ingestion run is in progress (lock {shown(str(path))}); wait for it to finish"
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


def sentence_texts(chunks: list[Chunk]) -> list[str]:
    """The distinct quotable sentences of the passages, embedded at ingestion."""
    return list(dict.fromkeys(s for chunk in chunks for s in quote_sentences(chunk.body)))


def _below(source: str, folders: list[str]) -> bool:
    return any(source.startswith(f"{folder}/") for folder in folders)


class DocumentIngestor:
    """Brings the index in line with a folder, one file at a time.

    Whatever goes wrong with one file (it cannot be read, a parser raises, it is too large or a
    decompression bomb) is reported with the file's name and the run goes on; only the store and
    the embedding provider can stop it (StoreError, EmbeddingError), leaving the previous index
    serving.
    """

    def __init__(self, settings: Settings, index: VectorIndex, manifest: Manifest) -> None:
        self.settings = settings
        self.index = index
        self.manifest = manifest
        self.max_bytes = int(settings.clusterbridge_max_file_mb * 1024 * 1024)

    def run(
        self,
        folder: Path,
        report: IngestReport,
        progress: bool,
        *,
        prune: bool = False,
        on_file: OnFile | None = None,
    ) -> None:
        """Index new and changed files, drop removed ones (refusing to drop most of them unless `prune`)."""
        if not folder.is_dir():
            raise ClusterBridgeError(f"documents folder not found: {shown(str(folder))}")
        try:
            found = scan(folder)
        except OSError as exc:
            raise ClusterBridgeError(
                f"cannot list the documents folder {shown(str(folder))}: {exc.strerror or exc}"
            ) from exc
        for source, reason in found.problems:
            self._fail(report, source, reason)
        present = {source for source, _ in found.files}
        indexed = self.manifest.sources() | self.index.sources()
        gone = sorted(s for s in indexed - present if not _below(s, found.unreadable))
        if not prune:
            refuse_prune(folder, len(gone), len(indexed))
        bar = tqdm(found.files, desc="ingest", unit="file", file=sys.stderr, disable=not progress)
        touched, announced = 0, float("-inf")  # the first change is announced at once
        for done, (source, path) in enumerate(bar):
            bar.set_postfix_str(shown(source)[-40:], refresh=False)
            if on_file is not None:
                on_file(done, len(found.files), source)
            if self._ingest_file(source, path, report):
                touched += 1
                if time.monotonic() - announced >= VERSION_SECONDS:
                    self.index.bump_version()
                    announced = time.monotonic()
        for source in gone:
            self.index.delete(self.index.ids_where({"source": source}))
            self.manifest.drop(source)
            report.removed += 1
            touched += 1
        for source in self.manifest.rejected_sources() - present:
            self.manifest.forgive(source)
        if touched:
            self.index.bump_version()
        report.failed.sort(key=lambda failed: failed.source)

    def _fail(self, report: IngestReport, source: str, reason: str) -> None:
        failed = FailedFile(source=source, reason=reason)
        report.failed.append(failed)
        log.info("%s", failed.line())  # the caller prints the report's failures: once, not twice

    def _ingest_file(self, source: str, path: Path, report: IngestReport) -> bool:
        """Index one file if it changed; True when the index was written."""
        try:
            info = os.stat(path, follow_symlinks=False)
        except OSError as exc:
            self._fail(report, source, f"cannot read: {exc.strerror or exc}")
            return False
        known = self.manifest.get(source)
        if known and (known[1], known[2]) == (info.st_size, info.st_mtime_ns):
            report.unchanged += 1
            return False
        limits = limits_key(self.max_bytes)
        remembered = self.manifest.rejection(source, info.st_size, info.st_mtime_ns, limits)
        if remembered is not None:  # this very version was refused before: not read again
            self._fail(report, source, remembered)
            return False
        try:
            check_stat(info, self.max_bytes)  # too large, empty or not a file: refused unopened
            read = self._read(source, path, known[0] if known else None)
        except DocumentError as exc:
            self.manifest.reject(source, info.st_size, info.st_mtime_ns, limits, str(exc))
            self._fail(report, source, str(exc))
            return False
        except OSError as exc:  # may pass (permissions, a share coming back): not remembered
            self._fail(report, source, f"cannot read: {exc.strerror or exc}")
            return False
        except Exception as exc:  # a bug outside the loaders: still only this file's problem
            log.debug("reading %s failed", shown(source), exc_info=True)
            self._fail(report, source, f"unexpected error while reading: {type(exc).__name__}: {exc}")
            return False
        if read is None:
            self.manifest.touch(source, info.st_size, info.st_mtime_ns)
            report.unchanged += 1
            return False
        digest, chunks = read
        before = self.index.embeddings.computed
        self.index.upsert(chunks)
        keep = {chunk.id for chunk in chunks}
        stale = [cid for cid in self.index.ids_where({"source": source}) if cid not in keep]
        self.index.delete(stale)
        self.manifest.put(source, digest, info.st_size, info.st_mtime_ns, len(chunks))
        report.embedded += self.index.embeddings.computed - before
        # The quotable sentences too, so the extractive answer finds their vectors in the cache.
        self.index.embeddings.embed_documents(sentence_texts(chunks))
        report.chunks += len(chunks)
        if known:
            report.changed += 1
        else:
            report.added += 1
        return True

    def _read(self, source: str, path: Path, known_digest: str | None) -> tuple[str, list[Chunk]] | None:
        """(digest, passages) of a new or changed file; None when its content is the indexed one.

        The size is checked on the open file before anything is read; the hash is computed a block
        at a time.
        """
        name = source.rsplit("/", 1)[-1]
        handle, _ = open_checked(path, self.max_bytes)
        with handle:
            if known_digest is not None:
                if hash_limited(handle, self.max_bytes) == known_digest:
                    return None
                handle.seek(0)
            data = read_limited(handle, self.max_bytes)
        document = parse_document(data, name)
        return hashlib.sha256(data).hexdigest(), make_chunks(
            source, document.title, document.url, document.text
        )


def refuse_prune(folder: Path, removing: int, indexed: int) -> None:
    """Raise PruneRefusedError when removing would empty the index or take most of it.

    "Most": more than half of the indexed documents and more than PRUNE_HANDFUL of them.
    """
    if removing and (removing == indexed or (removing * 2 > indexed and removing > PRUNE_HANDFUL)):
        raise PruneRefusedError(
            f"refusing to remove {removing} of the {indexed} indexed documents: they are not in "
            f"{shown(str(folder.absolute()))} (a wrong or empty folder, or a share that is not mounted?); "
            "if they are meant to go, run again with --prune"
        )


def open_index(settings: Settings) -> VectorIndex:
    """The documents index for the configured embedding model."""
    return VectorIndex(chroma_client(settings), make_embeddings(settings))


def run_ingest(
    settings: Settings,
    docs: Path | None = None,
    *,
    progress: bool = False,
    index: VectorIndex | None = None,
    prune: bool = False,
    on_file: OnFile | None = None,
) -> IngestReport:
    """Index the documents folder (the only input this version handles).

    A run that would remove every indexed document, or most of them, raises PruneRefusedError
    before it changes anything, unless `prune` is True (the CLI's `--prune`). `on_file` hears of
    each file before it is read (ingest/job.py's progress).
    """
    started = time.monotonic()
    report = IngestReport()
    with ingest_lock(settings):
        index = index or open_index(settings)
        manifest = Manifest(settings.data_dir / "ingest.sqlite3", index.name)
        try:
            if docs is not None:
                DocumentIngestor(settings, index, manifest).run(
                    docs, report, progress, prune=prune, on_file=on_file
                )
        finally:
            manifest.close()
    report.seconds = time.monotonic() - started
    return report
