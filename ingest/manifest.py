"""Which file version is indexed, and which files were refused, per collection (SQLite in the data dir)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


class Manifest:
    """The indexed version of each file, and remembered rejections keyed by size and time."""

    def __init__(self, path: Path, collection: str) -> None:
        self.collection = collection
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS files (collection TEXT, source TEXT, digest TEXT, size INTEGER,"
            " mtime_ns INTEGER, chunks INTEGER, indexed_at REAL, PRIMARY KEY (collection, source))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS rejected (collection TEXT, source TEXT, size INTEGER,"
            " mtime_ns INTEGER, limits TEXT, reason TEXT, PRIMARY KEY (collection, source))"
        )

    def get(self, source: str) -> tuple[str, int, int] | None:
        """(digest, size, mtime_ns) of the indexed version."""
        row = self._db.execute(
            "SELECT digest, size, mtime_ns FROM files WHERE collection = ? AND source = ?",
            (self.collection, source),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def put(self, source: str, digest: str, size: int, mtime_ns: int, chunks: int) -> None:
        """Record the indexed version of a file (and forget an earlier rejection)."""
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.collection, source, digest, size, mtime_ns, chunks, time.time()),
        )
        self.forgive(source)

    def touch(self, source: str, size: int, mtime_ns: int) -> None:
        """Record a new size and time for a file whose content did not change."""
        self._db.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE collection = ? AND source = ?",
            (size, mtime_ns, self.collection, source),
        )
        self.forgive(source)

    def drop(self, source: str) -> None:
        """Forget a file."""
        self._db.execute("DELETE FROM files WHERE collection = ? AND source = ?", (self.collection, source))
        self.forgive(source)

    def sources(self) -> set[str]:
        """Every file recorded for this collection."""
        rows = self._db.execute("SELECT source FROM files WHERE collection = ?", (self.collection,))
        return {row[0] for row in rows}

    def entries(self) -> list[tuple[str, int, float]]:
        """(source, chunks, indexed_at as a Unix time) of every indexed file, by source."""
        rows = self._db.execute(
            "SELECT source, chunks, indexed_at FROM files WHERE collection = ? ORDER BY source",
            (self.collection,),
        )
        return [(str(row[0]), int(row[1] or 0), float(row[2] or 0)) for row in rows]

    def rejection(self, source: str, size: int, mtime_ns: int, limits: str) -> str | None:
        """Why this very version of the file was refused before, under the same limits."""
        row = self._db.execute(
            "SELECT reason FROM rejected WHERE collection = ? AND source = ? AND size = ?"
            " AND mtime_ns = ? AND limits = ?",
            (self.collection, source, size, mtime_ns, limits),
        ).fetchone()
        return str(row[0]) if row else None

    def reject(self, source: str, size: int, mtime_ns: int, limits: str, reason: str) -> None:
        """Remember that this version of the file was refused, so no later run reads it again."""
        self._db.execute(
            "INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?, ?, ?)",
            (self.collection, source, size, mtime_ns, limits, reason),
        )

    def forgive(self, source: str) -> None:
        """Forget a file's rejection."""
        self._db.execute(
            "DELETE FROM rejected WHERE collection = ? AND source = ?", (self.collection, source)
        )

    def rejected_sources(self) -> set[str]:
        """Every file with a remembered rejection."""
        rows = self._db.execute("SELECT source FROM rejected WHERE collection = ?", (self.collection,))
        return {row[0] for row in rows}

    def close(self) -> None:
        """Close the database."""
        self._db.close()
