"""BotService: what the handlers share (settings, the assistant, the state, the caches, the limits)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING

from bot.history import CachedHistory, ExchangeWriter
from bot.users import UserDirectory
from knowledge.access import FloodLimiter
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.contacts import ProfileIndex
from knowledge.qa import QAService
from knowledge.state import StateStore

if TYPE_CHECKING:
    from knowledge.assistant import Assistant


@dataclass
class BotService:
    """Everything the handlers need; built once per application (`bot.app.build_application`)."""

    settings: Settings
    assistant: Assistant
    store: StateStore
    limiter: FloodLimiter = field(default_factory=FloodLimiter)
    contact_desk: InitVar[ContactDesk | None] = None
    contacts: ContactDesk = field(init=False)
    stream_interval: float = 1.0
    typing_delay: float = 0.3
    user_ttl: float = 10.0
    users: UserDirectory = field(init=False)
    history: CachedHistory = field(init=False)
    qa: QAService = field(init=False)
    exchanges: ExchangeWriter = field(init=False)
    _writes: asyncio.Lock | None = field(default=None, init=False)

    def __post_init__(self, contact_desk: ContactDesk | None) -> None:
        if self.store.dialect == "sqlite":
            # SQLite has one writer at a time; colliding writers back off in coarse sleeps. Queueing
            # the bot's own writes in-process is several times faster under load (bench/bot_latency.py).
            self._writes = asyncio.Lock()
        self.users = UserDirectory(self.store, self.writing, self.user_ttl)
        self.history = CachedHistory(self.store, self.writing)
        self.qa = QAService(self.assistant, self.history)
        self.exchanges = ExchangeWriter(self.store, self.writing)
        self.contacts = contact_desk or ContactDesk(
            self.settings, self.store, ProfileIndex.from_settings(self.settings)
        )

    def writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Hold while writing to the state: queues writes on SQLite, nothing on PostgreSQL."""
        return self._writes if self._writes is not None else contextlib.nullcontext()

    def prune(self) -> None:
        """Drop expired flood windows and cached users."""
        self.limiter.prune()
        self.users.prune()

    async def close(self) -> None:
        """Finish pending writes' worker."""
        await self.exchanges.close()
