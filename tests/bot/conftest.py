"""Bot fixtures: the fake Bot API server, the real Assistant on the sample index, a state database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application, start_bot, stop_bot
from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.state import StateStore
from tests.backends import SCALE_OUT
from tests.databases import StateDatabase
from tests.fakes.telegram_server import Call, FakeTelegram, TgChat, TgUser
from tests.helpers import settings_for

# CLUSTERBRIDGE_TEST_BOT_DB=postgresql runs the whole bot suite on PostgreSQL (default: SQLite, or
# PostgreSQL on the scale-out backend; the restart test always runs on both).
DEFAULT_DB = os.environ.get("CLUSTERBRIDGE_TEST_BOT_DB", "postgresql" if SCALE_OUT else "sqlite")

ALICE = TgUser(1001, "Alice", "alice", "de")
BOB = TgUser(1002, "Bob", "bob_hh", "en")
ADMIN = TgUser(4242, "Ada", "ada_admin", "en")
GROUP = TgChat.group()


@pytest.fixture
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StateDatabase]:
    """SQLite in tmp_path; PostgreSQL via `@pytest.mark.parametrize("db", [...], indirect=True)`."""
    database = await StateDatabase.create(getattr(request, "param", DEFAULT_DB), tmp_path, "cb_bot")
    try:
        yield database
    finally:
        await database.cleanup()


@pytest.fixture(scope="session")
def assistant(indexed_settings: Settings) -> Assistant:
    """The real Assistant on the ingested sample documents (local embeddings, extractive answers)."""
    return Assistant.from_settings(indexed_settings)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API server on 127.0.0.1."""
    async with FakeTelegram() as server:
        yield server


def bot_settings(base: Settings, fake: FakeTelegram, **values: Any) -> Settings:
    """Settings for a bot talking to the fake server, on `base`'s index; ADMIN is an admin by id."""
    values.setdefault("clusterbridge_admins", str(ADMIN.id))
    return settings_for(
        base.clusterbridge_data_dir,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        **values,
    )


@dataclass
class BotHarness:
    """Starts bots against the fake server and stops them (and their stores) after the test."""

    fake: FakeTelegram
    settings: Settings
    assistant: Any
    db: StateDatabase
    apps: list[Application[Any, Any, Any, Any, Any, Any]] = field(default_factory=list)
    stores: list[StateStore] = field(default_factory=list)

    async def open_store(self) -> StateStore:
        store = await self.db.open()
        self.stores.append(store)
        return store

    async def start(
        self,
        *,
        store: StateStore | None = None,
        settings: Settings | None = None,
        assistant: Any = None,
        **options: Any,
    ) -> Application[Any, Any, Any, Any, Any, Any]:
        """Build the application and start polling the fake server (1 s long-poll timeout)."""
        options.setdefault("typing_delay", 0.0)
        app = build_application(
            settings or self.settings,
            assistant or self.assistant,
            store or await self.open_store(),
            **options,
        )
        self.apps.append(app)
        await start_bot(app, settings or self.settings, poll_timeout=1)
        return app

    async def stop(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if app in self.apps:
            self.apps.remove(app)
            await stop_bot(app)

    async def close(self) -> None:
        for app in list(self.apps):
            await self.stop(app)
        for store in self.stores:
            await store.close()

    async def ask(
        self, user: TgUser, text: str, chat: TgChat | None = None, wait: float = 15.0, **reply: Any
    ) -> list[Call]:
        """Send `text` and wait for the complete answer (the message carrying the feedback buttons).

        Returns the successful sendMessage/editMessageText calls to that chat, in order.
        """
        chat = chat or TgChat.private(user)
        mark = self.fake.mark()
        self.fake.send_text(user, text, chat, **reply)
        await self.fake.wait_for(
            ("sendMessage", "editMessageText"),
            lambda c: _in_chat(c, chat) and bool(c.params.get("reply_markup")),
            wait,
            mark,
        )
        return [
            c
            for c in self.fake.calls[mark:]
            if c.method in ("sendMessage", "editMessageText") and _in_chat(c, chat) and not c.error
        ]

    async def reply(self, user: TgUser, text: str, chat: TgChat | None = None, wait: float = 10.0) -> Call:
        """Send `text` and wait for the next message to that chat (e.g. a command's answer)."""
        chat = chat or TgChat.private(user)
        mark = self.fake.mark()
        self.fake.send_text(user, text, chat)
        return await self.fake.wait_for("sendMessage", lambda c: _in_chat(c, chat), wait, mark)


def _in_chat(call: Call, chat: TgChat) -> bool:
    return int(call.params.get("chat_id", 0)) == chat.id and not call.error


@pytest.fixture
async def harness(
    fake: FakeTelegram, db: StateDatabase, assistant: Assistant, indexed_settings: Settings
) -> AsyncIterator[BotHarness]:
    """Bots on the real Assistant, the fake server and a fresh state database."""
    runner = BotHarness(fake, bot_settings(indexed_settings, fake), assistant, db)
    try:
        yield runner
    finally:
        await runner.close()
