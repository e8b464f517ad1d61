"""The ingestion lease (knowledge/state/locks.py, ingest/job.py): one job at a time across processes,
refused with the running job's progress; a lease that is not renewed expires; a dead holder's lease is
taken over at once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ingest.job import IngestJob, JobRunning, Sources
from knowledge.state import StateStore
from knowledge.state.locks import new_holder
from knowledge.state.tables import utcnow
from tests.databases import StateDatabase
from tests.helpers import ROOT, settings_for


async def test_one_holder_at_a_time_renewal_release_and_expiry(store: StateStore) -> None:
    ours, theirs = "elsewhere:1:a", "elsewhere:2:b"
    assert (await store.leases.acquire(ours, 0.6)).holder == ours
    assert (await store.leases.acquire(ours, 0.6)).holder == ours  # taking it again is fine
    refused = await store.leases.acquire(theirs, 60)
    assert refused.holder == ours and refused.expires_at > utcnow()
    assert await store.leases.renew(ours, 0.6, "documents 3/9 (a.pdf)")
    assert not await store.leases.renew(theirs, 60, "x")
    assert (await store.leases.current()) is not None
    assert (await store.leases.current()).progress == "documents 3/9 (a.pdf)"  # type: ignore[union-attr]
    await asyncio.sleep(0.8)  # no renewal: the lease lapses
    assert await store.leases.current() is None
    assert (await store.leases.acquire(theirs, 60)).holder == theirs
    assert not await store.leases.renew(ours, 60, "x")  # the old holder has lost it
    await store.leases.release(ours)  # not ours: nothing happens
    assert (await store.leases.current()).holder == theirs  # type: ignore[union-attr]
    await store.leases.release(theirs)
    assert await store.leases.current() is None


async def test_a_dead_process_of_this_host_is_taken_over_at_once(store: StateStore) -> None:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()
    host = new_holder().split(":")[0]
    dead = f"{host}:{proc.pid}:x"
    assert (await store.leases.acquire(dead, 600)).holder == dead
    assert (await store.leases.acquire("elsewhere:1:a", 600)).holder == "elsewhere:1:a"


async def _holder(db: StateDatabase, seconds: float) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.state.lease_holder", db.url, db.schema or "-", str(seconds),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"held"
    return proc


async def test_across_two_processes_refused_with_progress_then_expires(
    backend: StateDatabase, store: StateStore, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    proc = await _holder(backend, 1.5)
    try:
        await asyncio.sleep(0.8)  # the holder has renewed once, with its progress
        with pytest.raises(JobRunning) as refused:
            await IngestJob.begin(settings, store, Sources(), "reindex")
        assert refused.value.progress == "documents 3/9 (bericht.pdf)"
        assert "another ingestion run is in progress" in str(refused.value)
        await asyncio.sleep(2.0)  # still renewing: still refused
        with pytest.raises(JobRunning):
            await IngestJob.begin(settings, store, Sources(), "reindex")
        proc.send_signal(signal.SIGSTOP)  # alive but no longer renewing: the lease lapses
        await asyncio.sleep(2.0)
        job = await IngestJob.begin(settings, store, Sources(), "reindex")
        await job.release()
    finally:
        proc.kill()
        await proc.wait()


async def test_killed_holder_on_this_host_frees_the_lease(
    backend: StateDatabase, store: StateStore, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    proc = await _holder(backend, 600)
    with pytest.raises(JobRunning):
        await IngestJob.begin(settings, store, Sources(), "cli")
    proc.kill()
    await proc.wait()
    job = await IngestJob.begin(settings, store, Sources(), "cli")  # no 10-minute wait after kill -9
    assert (await store.leases.current()).expires_at > utcnow() + timedelta(seconds=30)  # type: ignore[union-attr]
    await job.release()
