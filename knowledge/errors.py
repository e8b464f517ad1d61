"""The exception hierarchy: every error ClusterBridge raises on purpose is a ClusterBridgeError."""


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
