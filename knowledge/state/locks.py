"""Leases in the state database: one ingestion job at a time, across processes and machines.

A lease row names its holder (`host:pid:token`) and expires unless renewed; a holder that is killed
stops renewing and its lease lapses. A lease held by a process of this host that no longer exists
is taken over at once (a `kill -9` need not wait for the expiry).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from knowledge.state.db import Record, Repository
from knowledge.state.tables import IngestLock, utcnow

INGEST = "ingest"
PROGRESS_LIMIT = 300


def new_holder() -> str:
    """A holder name for this process: `host:pid:token`."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _dead_here(holder: str) -> bool:
    """True when `holder` names a process of this host that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but another user's: alive
        return False
    return False


class LeaseRecord(Record):
    """Who holds a lease, since when, until when, and how far their job is."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime
    progress: str


class Leases(Repository):
    """The ingest_locks table."""

    async def acquire(self, holder: str, seconds: float, name: str = INGEST) -> LeaseRecord:
        """Take the lease when it is free, expired, or held by a dead process of this host; returns the
        lease as it stands afterwards (ours when `.holder == holder`, else the running job's)."""
        now = utcnow()
        until = now + timedelta(seconds=seconds)
        values = {"holder": holder, "acquired_at": now, "expires_at": until, "progress": ""}
        async with self.session("take the ingestion lease") as session:
            insert = self._insert(IngestLock).values(name=name, **values).on_conflict_do_nothing()
            await session.execute(insert)
            current = await session.get(IngestLock, name, populate_existing=True)
            assert current is not None
            if current.holder != holder and (current.expires_at <= now or _dead_here(current.holder)):
                taken = await session.execute(
                    update(IngestLock)
                    .where(IngestLock.name == name, IngestLock.holder == current.holder)
                    .values(**values)
                )
                if getattr(taken, "rowcount", 0) != 1:  # another process took it first
                    session.expire_all()
                current = await session.get(IngestLock, name, populate_existing=True)
                assert current is not None
            return LeaseRecord.model_validate(current)

    async def renew(self, holder: str, seconds: float, progress: str, name: str = INGEST) -> bool:
        """Extend our lease and store the job's progress; False when it is no longer ours."""
        stmt = (
            update(IngestLock)
            .where(IngestLock.name == name, IngestLock.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=seconds), progress=progress[:PROGRESS_LIMIT])
        )
        async with self.session("renew the ingestion lease") as session:
            result = await session.execute(stmt)
            return getattr(result, "rowcount", 0) == 1

    async def release(self, holder: str, name: str = INGEST) -> None:
        """Give the lease up (nothing when it is not ours)."""
        stmt = delete(IngestLock).where(IngestLock.name == name, IngestLock.holder == holder)
        async with self.session("release the ingestion lease") as session:
            await session.execute(stmt)

    async def current(self, name: str = INGEST) -> LeaseRecord | None:
        """The lease while it is held and not expired, else None."""
        stmt = select(IngestLock).where(IngestLock.name == name, IngestLock.expires_at > utcnow())
        async with self.session("read the ingestion lease") as session:
            row = await session.scalar(stmt)
            return LeaseRecord.model_validate(row) if row is not None else None
