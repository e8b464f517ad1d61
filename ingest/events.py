"""`ingest --events FILE`: events from YAML or .ics into the state database (incremental: unchanged
events are not touched; events gone from the file leave) and into their own Chroma collection."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from knowledge.clusters import cluster_ids, load_clusters
from knowledge.config import Settings
from knowledge.embeddings import make_embeddings
from knowledge.errors import ClusterBridgeError
from knowledge.events import Event, Parsed, Problem, load
from knowledge.index import Chunk, VectorIndex, chroma_client
from knowledge.state import StateStore

log = logging.getLogger(__name__)


class EventIngestReport(BaseModel):
    """What `ingest --events` did."""

    source: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[Problem] = Field(default_factory=list)
    indexed: bool = True

    def summary(self) -> str:
        """The one summary line."""
        line = (
            f"events: {self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed"
        )
        return line if self.indexed else line + " (search index not updated: a bot serves it)"


def event_chunk(event: Event) -> Chunk:
    """An event as one passage of the events collection."""
    return Chunk(
        id=event.id,
        text=f"{event.title}\n\n{event.passage()}",
        source=f"event:{event.id}",
        title=event.title,
        url=event.url,
        extra={"cluster": event.cluster, "start": event.start.timestamp()},
    )


def open_event_index(settings: Settings) -> VectorIndex:
    """The events collection for the configured embedding model."""
    return VectorIndex(chroma_client(settings), make_embeddings(settings), kind="events")


def index_events(index: VectorIndex, changed: Sequence[Event], removed: Sequence[str]) -> None:
    """Write new and changed events, drop removed ones."""
    if removed:
        index.delete(list(removed))
    if changed:
        index.upsert([event_chunk(event) for event in changed])
    if changed or removed:
        index.bump_version()


def read_events(settings: Settings, path: Path) -> tuple[str, Parsed]:
    """The file's source name (its absolute path) and its events; bad entries become problems."""
    # CLUSTERBRIDGE_CLUSTERS_FILE arrives with the clusters feature; until then the Hamburg default.
    clusters = cluster_ids(load_clusters(getattr(settings, "clusterbridge_clusters_file", None)))
    return str(path.resolve()), load(path, clusters)


async def ingest_events(
    settings: Settings,
    path: Path,
    store: StateStore,
    index: VectorIndex | None = None,
    *,
    skip_index: bool = False,
) -> EventIngestReport:
    """Read `path`, store its valid events (skipping bad entries, reported with their position), index them."""
    source, parsed = await asyncio.to_thread(read_events, settings, path)
    sync = await store.events.sync_file(source, parsed.events)
    report = EventIngestReport(
        source=str(path),
        added=len(sync.added),
        changed=len(sync.changed),
        unchanged=sync.unchanged,
        removed=len(sync.removed),
        failed=parsed.problems,
    )
    fresh = set(sync.added) | set(sync.changed)
    if skip_index:
        report.indexed = False
        return report
    if index is None and (fresh or sync.removed):
        try:
            index = await asyncio.to_thread(open_event_index, settings)
        except ClusterBridgeError as exc:
            log.warning("events not indexed: %s", exc)
            report.indexed = False
            return report
    if index is not None:
        await asyncio.to_thread(
            index_events, index, [e for e in parsed.events if e.id in fresh], sync.removed
        )
    return report
