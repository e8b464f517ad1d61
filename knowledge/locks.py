"""Who may write the embedded index while a bot serves from it.

A bot on the embedded Chroma index (no CHROMA_HOST) keeps its vectors in memory and would not see
another process's ingestion, or would see half of it. So while a bot serves, it holds the data
folder's serving lock, and `clusterbridge ingest` in another process refuses and says what works
instead. With a Chroma server every process reads the same live index and no lock is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from knowledge.config import Settings
from knowledge.errors import IngestLockedError

SERVING_LOCK = "serving.lock"


def _take(settings: Settings, refusal: str) -> FileLock:
    """The data folder's serving lock, held; IngestLockedError(`refusal`) when another process has it."""
    lock = FileLock(str(settings.data_dir / SERVING_LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestLockedError(refusal) from exc
    return lock


@contextmanager
def serving_index(settings: Settings) -> Iterator[None]:
    """Hold the serving lock of the embedded index while the body runs (nothing with a Chroma server)."""
    if settings.chroma_host:
        yield
        return
    lock = _take(
        settings, f"another ClusterBridge bot already serves the index in {settings.clusterbridge_data_dir}"
    )
    try:
        yield
    finally:
        lock.release()


def refuse_while_served(settings: Settings) -> None:
    """IngestLockedError when a bot serves the embedded index of these settings."""
    if settings.chroma_host:
        return
    refusal = (
        f"a running ClusterBridge bot serves the embedded index in {settings.clusterbridge_data_dir} "
        "and would not see this ingestion: stop the bot, ingest, then start it again "
        "(or use a Chroma server, CHROMA_HOST, which every process sees live)"
    )
    _take(settings, refusal).release()
