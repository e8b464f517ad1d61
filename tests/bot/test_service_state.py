"""The bot's write path: group commit of answers and the write-through turn cache."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.history import CachedHistory, ExchangeWriter
from knowledge.models import Source, Turn
from knowledge.state import Exchange, StateError, StateStore


def exchange(i: int, conversation: str = "c") -> Exchange:
    """An answered question for conversation `conversation`."""
    return Exchange(
        thread_id=conversation,
        user_id=i,
        chat_id=i,
        question=f"q{i}",
        answer=f"a{i}",
        sources=[Source(source="s.txt", title="S")],
        mode="extractive",
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StateStore]:
    """A fresh SQLite store."""
    opened = await StateStore.open(f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite3'}")
    yield opened
    await opened.close()


async def test_a_burst_of_answers_is_committed_together(store: StateStore) -> None:
    batches: list[int] = []
    original = store.answers.save_exchanges

    async def counting(items: Sequence[Exchange]) -> list[int]:
        batches.append(len(items))
        return await original(items)

    store.answers.save_exchanges = counting  # type: ignore[method-assign]
    writer = ExchangeWriter(store, contextlib.nullcontext)
    ids = await asyncio.gather(*(writer.save(exchange(i, f"c{i % 3}")) for i in range(30)))
    await writer.close()
    assert len(set(ids)) == 30
    assert sum(batches) == 30 and len(batches) < 5
    for i, answer_id in enumerate(ids):
        saved = await store.answers.get(answer_id)
        assert saved is not None and saved.question == f"q{i}"


async def test_a_failed_commit_reaches_every_waiting_handler(store: StateStore) -> None:
    writer = ExchangeWriter(store, contextlib.nullcontext)
    async with store.engine.begin() as connection:  # a real database failure: the table is gone
        await connection.execute(text("DROP TABLE feedback"))
        await connection.execute(text("DROP TABLE sent_answers"))
    results = await asyncio.gather(*(writer.save(exchange(i)) for i in range(3)), return_exceptions=True)
    assert all(isinstance(result, StateError) for result in results)
    await writer.close()


async def test_turn_cache_writes_through_and_survives_a_new_cache(store: StateStore) -> None:
    history = CachedHistory(store, contextlib.nullcontext)
    assert await history.recent("c", 4) == []
    await history.append("c", Turn(question="one", answer="1"))
    [answer_id] = await store.answers.save_exchanges([exchange(2)])
    history.remember("c", Turn(question="q2", answer="a2"))
    assert answer_id > 0
    assert [t.question for t in await history.recent("c", 4)] == ["one", "q2"]
    fresh = CachedHistory(store, contextlib.nullcontext)  # e.g. after a restart
    assert [t.question for t in await fresh.recent("c", 4)] == ["one", "q2"]
    await history.reset("c")
    assert await history.recent("c", 4) == []
    assert await store.history.recent("c", 4) == []
