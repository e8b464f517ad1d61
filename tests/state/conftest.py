"""The bot-state suite runs against SQLite (a file in tmp_path) and PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge.state import StateStore
from tests.helpers import PG_URL, pg_unreachable


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@dataclass
class Backend:
    """One database for one test; `open()` opens (or reopens) a StateStore on it."""

    name: str
    url: str
    schema: str | None = None
    stores: list[StateStore] = field(default_factory=list)

    async def open(self, **kwargs: Any) -> StateStore:
        store = await StateStore.open(self.url, schema=self.schema, **kwargs)
        self.stores.append(store)
        return store

    async def table_names(self) -> set[str]:
        """The tables in the test's database (schema), without opening a store."""
        if self.name == "sqlite":
            database = make_url(self.url).database
            if database is None or not await asyncio.to_thread(Path(database).exists):
                return set()
            engine = create_async_engine(self.url)
            try:
                async with engine.connect() as conn:
                    return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
            finally:
                await engine.dispose()
        engine = create_async_engine(self.url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema"),
                    {"schema": self.schema},
                )
                return {row[0] for row in rows}
        finally:
            await engine.dispose()

    async def cleanup(self) -> None:
        for store in self.stores:
            await store.close()
        if self.name == "postgresql" and self.schema:
            engine = create_async_engine(self.url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            finally:
                await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """SQLite in tmp_path, or a fresh PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        db = Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'state' / 'clusterbridge.sqlite3'}")
    else:
        problem = await pg_unreachable()
        if problem is not None:
            pytest.skip(f"PostgreSQL not reachable at {_shown(PG_URL)}: {problem}")
        db = Backend("postgresql", PG_URL, schema=f"cb_test_{uuid.uuid4().hex[:12]}")
    try:
        yield db
    finally:
        await db.cleanup()


@pytest.fixture
async def store(backend: Backend) -> StateStore:
    """A migrated, empty store."""
    return await backend.open()
