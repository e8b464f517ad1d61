"""The one ingestion job: every way of re-ingesting (the CLI, /reindex, the schedule, a document sent to
the bot) runs the configured sources (documents, member profiles, events) through `run_sources`,
holding the ingestion lease in the state database (knowledge/state/locks.py).

The lease is renewed while the job runs and carries its progress, so a second run, in this process or
another, on this machine or another, is refused with the running job's progress; a process that is
killed stops renewing and its lease lapses. The documents' part runs in a thread, so the event loop
(the bot) stays responsive and keeps renewing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from ingest.events import EventIngestReport, ingest_events
from ingest.members import MemberReport, ingest_members
from ingest.pipeline import FailedFile, IngestReport, run_ingest, shown
from knowledge.config import Settings
from knowledge.contacts import ProfileIndex
from knowledge.errors import ClusterBridgeError, IngestLockedError
from knowledge.index import VectorIndex
from knowledge.state import StateError, StateStore
from knowledge.state.locks import LeaseRecord, new_holder

log = logging.getLogger(__name__)
T = TypeVar("T")
LEASE_SECONDS = 60.0  # a killed job's lease lapses this long after its last renewal
RENEW_SECONDS = 5.0  # renewal (and progress) interval while a job runs
_RUNNING: dict[str, IngestJob] = {}  # this process's jobs by holder: a refusal shows their live progress


@dataclass(frozen=True)
class Sources:
    """What one job ingests; each part optional."""

    docs: Path | None = None
    members: Path | None = None
    events: Path | None = None
    clusters: Path | None = None

    @classmethod
    def configured(cls, settings: Settings) -> Sources:
        """CLUSTERBRIDGE_DOCS_DIR, _MEMBERS_FILE, _EVENTS_FILE and _CLUSTERS_FILE."""
        return cls(
            settings.clusterbridge_docs_dir,
            settings.clusterbridge_members_file,
            settings.clusterbridge_events_file,
            settings.clusterbridge_clusters_file,
        )

    def empty(self) -> bool:
        """True when there is nothing to ingest."""
        return not (self.docs or self.members or self.events)


@dataclass
class JobProgress:
    """How far a job is; written by the job (also from its worker thread), read by whoever shows it."""

    stage: str = "starting"  # starting, members, events, documents, done
    done: int = 0
    total: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)

    def on_file(self, done: int, total: int, source: str) -> None:
        """The documents' part reached file `done` of `total`."""
        self.stage, self.done, self.total, self.current = "documents", done, total, source

    def line(self) -> str:
        """One neutral line, e.g. `documents 12/40 (report.pdf)`: what a refused second run is told."""
        if self.stage == "documents" and self.total:
            return f"documents {self.done}/{self.total} ({shown(self.current)[-80:]})"
        return self.stage


class JobRunning(IngestLockedError):
    """Another ingestion job holds the lease."""

    def __init__(self, lease: LeaseRecord, live: str | None = None) -> None:
        self.lease = lease
        self.progress = live or lease.progress or "starting"
        super().__init__(
            f"another ingestion run is in progress (since {lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"{self.progress}); wait for it to finish"
        )


class JobReport(BaseModel):
    """What one job did, per source; `errors` are sources that could not be ingested at all."""

    trigger: str
    documents: IngestReport | None = None
    members: MemberReport | None = None
    events: EventIngestReport | None = None
    errors: list[FailedFile] = Field(default_factory=list)
    seconds: float = 0.0

    def failures(self) -> list[FailedFile]:
        """Every failure: whole sources first, then files, member rows and event entries."""
        found = list(self.errors)
        found += self.documents.failed if self.documents else []
        if self.members:
            found += [FailedFile(source="members", reason=str(row)) for row in self.members.failed]
        if self.events:
            found += [FailedFile(source="events", reason=str(entry)) for entry in self.events.failed]
        return found

    def changed(self) -> bool:
        """True when anything was added, changed or removed."""
        parts: list[Any] = [self.documents, self.members, self.events]
        return any(p.added or p.changed or p.removed for p in parts if p is not None)

    def figures(self) -> dict[str, Any]:
        """The run as stored in ingest_runs (the documents' figures at the top, as /stats reads them)."""
        figures: dict[str, Any] = self.documents.model_dump(mode="json") if self.documents else {}
        figures["failed"] = [failed.model_dump() for failed in self.failures()]
        for name, part in (("members", self.members), ("events", self.events)):
            if part is not None:
                figures[name] = part.model_dump(mode="json", exclude={"failed"})
        return figures


class IngestJob:
    """One job holding the lease: `begin` takes it (or raises JobRunning), `run` ingests and gives it back."""

    def __init__(self, settings: Settings, store: StateStore, sources: Sources, trigger: str) -> None:
        self.settings, self.store, self.sources, self.trigger = settings, store, sources, trigger
        self.holder = new_holder()
        self.progress = JobProgress()
        self.lease_seconds, self.renew_seconds = LEASE_SECONDS, RENEW_SECONDS

    @classmethod
    async def begin(
        cls,
        settings: Settings,
        store: StateStore,
        sources: Sources,
        trigger: str,
        *,
        lease_seconds: float = LEASE_SECONDS,
    ) -> IngestJob:
        """Take the ingestion lease for a new job; JobRunning when another job holds it."""
        job = cls(settings, store, sources, trigger)
        job.lease_seconds, job.renew_seconds = lease_seconds, min(RENEW_SECONDS, lease_seconds / 3)
        lease = await store.leases.acquire(job.holder, lease_seconds)
        if lease.holder != job.holder:
            live = _RUNNING.get(lease.holder)
            raise JobRunning(lease, live.progress.line() if live else None)
        _RUNNING[job.holder] = job
        return job

    async def keep(self) -> None:
        """Renew the lease until cancelled: every `renew_seconds`, and within a second of a change of
        progress (a lost lease is logged, not fatal: the job finishes)."""
        written, renewed = "", time.monotonic()
        while True:
            await asyncio.sleep(min(1.0, self.renew_seconds))
            line = self.progress.line()
            if line == written and time.monotonic() - renewed < self.renew_seconds:
                continue
            try:
                if not await self.store.leases.renew(self.holder, self.lease_seconds, line):
                    log.error("the ingestion lease was taken over while this job ran (%s)", self.holder)
                written, renewed = line, time.monotonic()
            except StateError as exc:
                log.warning("could not renew the ingestion lease: %s", exc)

    async def release(self) -> None:
        """Give the lease back."""
        _RUNNING.pop(self.holder, None)
        try:
            await self.store.leases.release(self.holder)
        except StateError as exc:  # it lapses on its own
            log.warning("could not release the ingestion lease: %s", exc)

    async def _part(
        self, report: JobReport, stage: str, source: Path, work: Callable[[], Awaitable[T]]
    ) -> T | None:
        self.progress.stage = stage
        try:
            return await work()
        except IngestLockedError:
            raise
        except ClusterBridgeError as exc:
            report.errors.append(FailedFile(source=str(source), reason=str(exc)))
            return None

    async def run(
        self,
        *,
        index: VectorIndex | None = None,
        profiles: ProfileIndex | None = None,
        prune: bool = False,
        tty: bool = False,
        skip_event_index: bool = False,
    ) -> JobReport:
        """Members, events, then documents (in a thread); a failing source is reported, the others
        still run; the run is recorded in ingest_runs; the lease is released in every case."""
        report, sources = JobReport(trigger=self.trigger), self.sources
        started, clock = datetime.now(UTC), time.monotonic()
        keeper = asyncio.create_task(self.keep())
        try:
            if sources.members:
                members = sources.members
                report.members = await self._part(
                    report, "members", members, lambda: self._members(members, profiles)
                )
            else:
                await self._resync_profiles(profiles)
            if sources.events:
                path = sources.events
                report.events = await self._part(
                    report,
                    "events",
                    path,
                    lambda: ingest_events(self.settings, path, self.store, skip_index=skip_event_index),
                )
            if sources.docs:
                docs = sources.docs
                report.documents = await self._part(
                    report,
                    "documents",
                    docs,
                    lambda: asyncio.to_thread(
                        run_ingest, self.settings, docs, progress=tty, index=index, prune=prune,
                        on_file=self.progress.on_file,
                    ),
                )  # fmt: skip
        finally:
            keeper.cancel()
            await self.release()
        self.progress.stage = "done"
        report.seconds = time.monotonic() - clock
        await self._record(report, started)
        return report

    async def _members(self, members: Path, profiles: ProfileIndex | None) -> MemberReport:
        index = (
            profiles
            if profiles is not None
            else await asyncio.to_thread(ProfileIndex.from_settings, self.settings)
        )
        return await ingest_members(self.store, index, members, self.sources.clusters)

    async def _resync_profiles(self, profiles: ProfileIndex | None) -> None:
        """Without a members file: bring the profile index in line with the state, which holds the
        profiles members made in the bot too (a new or emptied index, e.g. after moving to a Chroma
        server, is filled again; nothing unchanged is embedded)."""
        try:
            stored = await self.store.profiles.all()
            if not stored:
                return
            index = (
                profiles
                if profiles is not None
                else await asyncio.to_thread(ProfileIndex.from_settings, self.settings)
            )
            synced = await asyncio.to_thread(index.sync, stored)
        except Exception as exc:  # the documents still run; the next ingestion tries again
            log.warning("profile index not brought in line with the state: %s", exc)
            return
        if synced.added or synced.changed or synced.removed:
            log.info(
                "profile index brought in line with the state: %d added, %d changed, %d removed",
                len(synced.added), len(synced.changed), len(synced.removed),
            )  # fmt: skip

    async def _record(self, report: JobReport, started: datetime) -> None:
        error = "; ".join(f"{shown(e.source)}: {e.reason}" for e in report.errors) or None
        try:
            await self.store.ingest_runs.add(self.trigger, started, error is None, report.figures(), error)
        except StateError as exc:
            log.warning("ingestion run not recorded in the state database: %s", exc)


async def run_sources(
    settings: Settings,
    store: StateStore,
    sources: Sources,
    *,
    trigger: str = "cli",
    progress: Callable[[IngestJob], None] | None = None,
    **options: Any,
) -> JobReport:
    """Take the lease (JobRunning when a job runs), ingest `sources`, record the run, release the lease.
    `progress` receives the job once it holds the lease (its `.progress` is live); `options` go to
    `IngestJob.run` (index, profiles, prune, tty, skip_event_index)."""
    job = await IngestJob.begin(settings, store, sources, trigger)
    if progress is not None:
        progress(job)
    return await job.run(**options)
