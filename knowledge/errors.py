"""The exception hierarchy: every error ClusterBridge raises on purpose is a ClusterBridgeError."""

from __future__ import annotations

from pathlib import Path


class ClusterBridgeError(Exception):
    """Base class; its message is one clear line for the user."""


class ConfigError(ClusterBridgeError):
    """The configuration is missing or invalid."""


class StoreError(ClusterBridgeError):
    """The index cannot be opened or written."""


class IndexEmptyError(StoreError):
    """Nothing has been ingested yet."""


class IngestLockedError(ClusterBridgeError):
    """Another ingestion run holds the lock."""


class DocumentError(ClusterBridgeError):
    """One input file cannot be read; it is reported and skipped."""


class EmbeddingError(ClusterBridgeError):
    """The embedding model or provider failed."""


class PruneRefusedError(ClusterBridgeError):
    """An ingestion run would remove all or most indexed documents; `--prune` (prune=True) confirms it."""


def read_text_file(path: Path, error: type[ClusterBridgeError]) -> str:
    """The UTF-8 text of an admin's input file; `error` with one line naming the file otherwise."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise error(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
