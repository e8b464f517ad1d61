"""The bot's side of the Q&A history: recent turns cached write-through, answers saved by group commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable

from knowledge.models import Turn
from knowledge.state import Exchange, StateStore

Writing = Callable[[], contextlib.AbstractAsyncContextManager[object]]


class CachedHistory:
    """The state's history as a `knowledge.qa.History`: writes go through to the database under the
    service's write lock, and the recent turns of active threads stay in memory (the database stays
    the truth, so a restarted bot reloads them)."""

    KEPT = 20
    THREADS = 10_000

    def __init__(self, store: StateStore, writing: Writing) -> None:
        self.store = store
        self.writing = writing
        self._turns: OrderedDict[str, list[Turn]] = OrderedDict()

    def _keep(self, thread_id: str, turns: list[Turn]) -> None:
        self._turns[thread_id] = turns[-self.KEPT :]
        self._turns.move_to_end(thread_id)
        while len(self._turns) > self.THREADS:
            self._turns.popitem(last=False)

    async def recent(self, thread_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        if limit > self.KEPT:
            return await self.store.history.recent(thread_id, limit)
        if thread_id not in self._turns:
            self._keep(thread_id, await self.store.history.recent(thread_id, self.KEPT))
        return self._turns[thread_id][-limit:] if limit > 0 else []

    def remember(self, thread_id: str, turn: Turn) -> None:
        """Note a turn that was stored by other means (an Exchange)."""
        if thread_id in self._turns:
            self._keep(thread_id, [*self._turns[thread_id], turn])

    def drop(self, thread_id: str) -> None:
        """Forget the cached turns of a thread (they are read again from the database)."""
        self._turns.pop(thread_id, None)

    async def append(self, thread_id: str, turn: Turn) -> None:
        """Remember one turn."""
        async with self.writing():
            await self.store.history.append(thread_id, turn)
        self.remember(thread_id, turn)

    async def reset(self, thread_id: str) -> None:
        """Forget the thread."""
        async with self.writing():
            await self.store.history.reset(thread_id)
        self.drop(thread_id)


class ExchangeWriter:
    """Group commit: answers that finish together are stored in one transaction.

    Under a burst (50 members asking at once) one commit per answer queues up on the database's
    single writer; this writer takes whatever is waiting and commits it at once.
    """

    def __init__(self, store: StateStore, writing: Writing) -> None:
        self.store = store
        self.writing = writing
        self._queue: asyncio.Queue[tuple[Exchange, asyncio.Future[int]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def save(self, exchange: Exchange) -> int:
        """Store the exchange (with others waiting at the same moment); its answer id."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="exchange-writer")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self._queue.put((exchange, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.writing():
                    ids = await self.store.answers.save_exchanges([exchange for exchange, _ in batch])
            except Exception as exc:  # each waiting handler gets the error (and the error handler logs it)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer_id in zip(batch, ids, strict=True):
                if not future.done():
                    future.set_result(answer_id)

    async def close(self) -> None:
        """Stop the worker (callers have their ids: nothing is pending when the bot stops)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
