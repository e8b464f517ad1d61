"""The bot-state suite runs against SQLite (a file in tmp_path) and PostgreSQL (a fresh schema per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from knowledge.state import StateStore
from tests.databases import StateDatabase


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateDatabase]:
    """SQLite in tmp_path, or a fresh PostgreSQL schema (dropped afterwards)."""
    db = await StateDatabase.create(request.param, tmp_path, "cb_test")
    try:
        yield db
    finally:
        await db.cleanup()


@pytest.fixture
async def store(backend: StateDatabase) -> StateStore:
    """A migrated, empty store."""
    return await backend.open()
