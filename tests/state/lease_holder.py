"""A child process that takes the ingestion lease and keeps renewing it until it is killed:
`python -m tests.state.lease_holder URL SCHEMA LEASE_SECONDS` (SCHEMA `-` for none); prints `held`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ingest.job import IngestJob, Sources
from knowledge.state import StateStore
from tests.helpers import settings_for


async def hold(url: str, schema: str | None, seconds: float) -> None:
    store = await StateStore.open(url, schema=schema)
    settings = settings_for(Path("."))
    job = await IngestJob.begin(settings, store, Sources(), "test", lease_seconds=seconds)
    job.progress.on_file(3, 9, "bericht.pdf")
    print("held", flush=True)
    await job.keep()


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], None if sys.argv[2] == "-" else sys.argv[2], float(sys.argv[3])))
