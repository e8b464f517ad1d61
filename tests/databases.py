"""The state database for one test: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge.state import StateStore
from tests.backends import PG_URL
from tests.helpers import pg_unreachable


@dataclass
class StateDatabase:
    """One database for one test; `open()` opens (or reopens) a StateStore on it."""

    name: str
    url: str
    schema: str | None = None
    stores: list[StateStore] = field(default_factory=list)

    @classmethod
    async def create(cls, name: str, folder: Path, prefix: str) -> StateDatabase:
        """SQLite in `folder`, or a new PostgreSQL schema; skips the test when PostgreSQL is not there."""
        if name == "sqlite":
            return cls("sqlite", f"sqlite+aiosqlite:///{folder / 'state.sqlite3'}")
        problem = await pg_unreachable()
        if problem is not None:
            shown = make_url(PG_URL).render_as_string(hide_password=True)
            pytest.skip(f"PostgreSQL not reachable at {shown}: {problem}")
        return cls("postgresql", PG_URL, schema=f"{prefix}_{uuid.uuid4().hex[:12]}")

    async def open(self, **kwargs: Any) -> StateStore:
        """A store on this database (migrated on open)."""
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
                if self.name == "sqlite":
                    return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
                rows = await conn.execute(
                    text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema"),
                    {"schema": self.schema},
                )
                return {row[0] for row in rows}
        finally:
            await engine.dispose()

    async def cleanup(self) -> None:
        """Close the stores this test opened and drop its PostgreSQL schema."""
        for store in self.stores:
            await store.close()
        if self.name == "postgresql" and self.schema:
            engine = create_async_engine(self.url)
            try:
                async with engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            finally:
                await engine.dispose()
