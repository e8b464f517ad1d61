"""StateStore: the facade over the state database that the rest of the code holds.

One engine, migrated on `open`; one repository per feature (`users`, `history`, `answers`,
`access`), each a typed async API over SQLAlchemy 2 (SQLite via aiosqlite, PostgreSQL via asyncpg).
The ints are the platform's user and chat ids, but nothing here knows Telegram.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge.config import Settings
from knowledge.state.access import AccessRequests
from knowledge.state.answers import Answers
from knowledge.state.audit import AuditLog, IngestRuns
from knowledge.state.db import Repository, current_revision, open_and_migrate, open_engine
from knowledge.state.events import Events
from knowledge.state.history import MAX_TURNS, History
from knowledge.state.introductions import Introductions
from knowledge.state.locks import Leases
from knowledge.state.outbox import Outbox
from knowledge.state.profiles import Profiles
from knowledge.state.subscriptions import Subscriptions
from knowledge.state.usage import Usage
from knowledge.state.users import Users


class StateStore:
    """The state database: `users`, `history`, `answers` (and feedback), `access` requests."""

    def __init__(self, engine: AsyncEngine, max_turns: int = MAX_TURNS) -> None:
        self.engine = engine
        self.users = Users(engine)
        self.history = History(engine, max_turns)
        self.answers = Answers(engine, self.history)
        self.access = AccessRequests(engine)
        self.events = Events(engine)
        self.subscriptions = Subscriptions(engine)
        self.outbox = Outbox(engine)
        self.profiles = Profiles(engine)
        self.introductions = Introductions(engine)
        self.audit = AuditLog(engine)
        self.ingest_runs = IngestRuns(engine)
        self.usage = Usage(engine)
        self.leases = Leases(engine)
        self._meta = Repository(engine)

    @classmethod
    async def open(
        cls,
        url: str | URL,
        *,
        schema: str | None = None,
        max_turns: int = MAX_TURNS,
        echo: bool = False,
        upgrade: bool | None = None,
    ) -> StateStore:
        """Connect and bring the schema up to date: SQLite and an empty database are migrated on open,
        an outdated PostgreSQL database is refused (OutdatedSchemaError naming `clusterbridge migrate`)
        unless `upgrade` is True.

        `schema` (PostgreSQL only) keeps the tables in that schema, created when missing.
        `max_turns` bounds the history kept per thread.
        """
        engine = await open_engine(url, schema=schema, echo=echo, upgrade=upgrade)
        return cls(engine, max_turns=max_turns)

    @classmethod
    async def for_settings(cls, settings: Settings, **kwargs: Any) -> StateStore:
        """`open` on the configured database (DATABASE_URL or SQLite in the data dir, DATABASE_SCHEMA)."""
        return await cls.open(settings.sqlalchemy_url, schema=settings.database_schema, **kwargs)

    @staticmethod
    async def migrate(url: str | URL, *, schema: str | None = None) -> tuple[str | None, str]:
        """`alembic upgrade head` (idempotent): (revision before, revision after)."""
        engine, revisions = await open_and_migrate(url, schema=schema, upgrade=True)
        await engine.dispose()
        return revisions

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    async def revision(self) -> str | None:
        """The migration revision the database is at."""
        async with self._meta.session("read the schema revision") as session:
            conn = await session.connection()
            return await conn.run_sync(current_revision)

    async def close(self) -> None:
        """Close all connections (safe to call twice)."""
        await self.engine.dispose()

    async def __aenter__(self) -> StateStore:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
