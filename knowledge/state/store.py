"""StateStore: the bot's users, roles, conversation history, answers, feedback and access requests.

Plain typed async functions over SQLAlchemy 2 (SQLite via aiosqlite, PostgreSQL via asyncpg); the ints are
Telegram ids, but nothing here knows Telegram. `StateStore.open` brings the schema to the newest Alembic
revision, so a fresh SQLite file or an empty PostgreSQL schema just works.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, case, delete, event, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from knowledge.errors import ClusterBridgeError
from knowledge.models import Language, Source, Turn
from knowledge.state.tables import (
    LANGUAGES,
    REQUEST_STATUSES,
    ROLES,
    AccessRequest,
    Answer,
    ConversationTurn,
    Feedback,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_TURNS = 50
# pg_advisory_xact_lock key: concurrent `open`s (bot + CLI) migrate one after the other.
_MIGRATION_LOCK = 0x436C_4272  # "ClBr"

try:  # asyncpg raises some connection errors that SQLAlchemy does not wrap
    from asyncpg import PostgresError as _PostgresError
except ImportError:  # pragma: no cover
    _PostgresError = SQLAlchemyError

_FOREIGN_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, _PostgresError, OSError, TimeoutError)


class StateError(ClusterBridgeError):
    """The bot-state database cannot be opened, read or written, or a referenced row is missing."""


class UnknownUserError(StateError):
    """No user with that id has talked to the bot."""


class UnknownAnswerError(StateError):
    """No answer with that id was saved (e.g. a stale feedback button)."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class UserRecord(_Record):
    """A Telegram user as the bot knows them."""

    id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    language_override: Language | None
    role: str
    role_cluster: str | None
    member_id: str | None
    blocked: bool
    created_at: datetime
    last_seen_at: datetime

    @property
    def language(self) -> Language:
        """The language to talk in: the /lang override, else Telegram's language code, German by default."""
        if self.language_override is not None:
            return self.language_override
        code = (self.language_code or "").lower()
        return "en" if code.startswith("en") else "de"


class Exchange(BaseModel):
    """An answered question: a conversation turn and the answer kept for feedback."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    user_id: int
    chat_id: int
    question: str
    answer: str
    sources: list[Source]
    mode: str


class AnswerRecord(_Record):
    """An answer the bot sent (what a feedback button refers to)."""

    id: int
    user_id: int
    chat_id: int
    question: str
    answer: str
    sources: list[Source]
    mode: str
    created_at: datetime


class AccessRequestRecord(_Record):
    """A user's request for access."""

    id: int
    user_id: int
    text: str
    status: str
    created_at: datetime


def _reason(exc: BaseException) -> str:
    """One short line about a foreign error (no SQL, no parameters)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    message = lines[0] if lines else ""
    return f"{type(inner).__name__}: {message}"[:300] if message else type(inner).__name__


def normalize_url(url: str | URL) -> URL:
    """The SQLAlchemy URL with an async driver (`sqlite://` -> aiosqlite, `postgres(ql)://` -> asyncpg)."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config built in code: script_location is this package's migrations folder.

    With `url`, `alembic.command.*` can be run against it directly (e.g. `command.current(cfg)`).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships migrations
        raise StateError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


def upgrade_database(connection: Connection) -> None:
    """`alembic upgrade head` on a sync connection (use with `AsyncConnection.run_sync`)."""
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    return MigrationContext.configure(connection).get_current_revision()


def _insert(dialect_name: str) -> Callable[..., Any]:
    if dialect_name == "postgresql":
        return postgresql.insert
    if dialect_name == "sqlite":
        return sqlite.insert
    raise StateError(f"Unsupported database for the bot state: {dialect_name} (use SQLite or PostgreSQL)")


class StateStore:
    """The bot state in a SQL database; also a `knowledge.conversation.HistoryStore`."""

    def __init__(self, engine: AsyncEngine, max_turns: int = MAX_TURNS) -> None:
        self.engine = engine
        self.max_turns = max_turns
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = _insert(engine.dialect.name)

    # -- lifecycle ---------------------------------------------------------------------------------

    @classmethod
    async def open(
        cls, url: str | URL, *, schema: str | None = None, max_turns: int = MAX_TURNS, echo: bool = False
    ) -> StateStore:
        """Connect and migrate to the newest revision (idempotent).

        `schema` (PostgreSQL only) keeps the tables in that schema, created when missing.
        `max_turns` bounds the history kept per conversation.
        """
        try:
            sa_url = normalize_url(url)
        except SQLAlchemyError as exc:
            raise StateError(f"Invalid bot-state database URL: {_reason(exc)}") from exc
        shown = sa_url.render_as_string(hide_password=True)
        backend = sa_url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StateError(f"Unsupported database for the bot state: {shown} (use SQLite or PostgreSQL)")
        if schema is not None and backend != "postgresql":
            raise StateError("A schema for the bot state is only supported on PostgreSQL")
        database = sa_url.database or ""
        if backend == "sqlite" and database not in ("", ":memory:") and not database.startswith("file:"):
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StateError(f"Cannot create the folder of {shown}: {_reason(exc)}") from exc
        try:
            engine = create_async_engine(sa_url, echo=echo, pool_pre_ping=backend == "postgresql")
        except (SQLAlchemyError, ImportError) as exc:
            raise StateError(f"Cannot use the bot-state database {shown}: {_reason(exc)}") from exc
        if backend == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        elif schema is not None:
            event.listen(engine.sync_engine, "connect", _search_path_setter(engine, schema))

        try:
            if schema is not None:
                quoted = engine.dialect.identifier_preparer.quote_schema(schema)
                async with engine.begin() as conn:
                    await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
            async with engine.begin() as conn:
                if backend == "postgresql":
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                await conn.run_sync(upgrade_database)
        except Exception as exc:
            await engine.dispose()
            raise StateError(f"Cannot open the bot-state database {shown}: {_reason(exc)}") from exc
        log.debug("bot state ready at %s", shown)
        return cls(engine, max_turns=max_turns)

    async def close(self) -> None:
        """Close all connections (safe to call twice)."""
        await self.engine.dispose()

    async def __aenter__(self) -> StateStore:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def _session(self, action: str) -> AsyncIterator[AsyncSession]:
        """A session in a transaction; foreign errors become StateError."""
        try:
            async with self._sessions.begin() as session:
                yield session
        except StateError:
            raise
        except _FOREIGN_ERRORS as exc:
            raise StateError(f"Could not {action} in the bot-state database: {_reason(exc)}") from exc

    async def revision(self) -> str | None:
        """The migration revision the database is at."""
        async with self._session("read the schema revision") as session:
            conn = await session.connection()
            return await conn.run_sync(current_revision)

    # -- users -------------------------------------------------------------------------------------

    async def touch_user(
        self, user_id: int, username: str | None, first_name: str | None, language_code: str | None
    ) -> UserRecord:
        """Create or update a user from what Telegram says about them; updates last_seen_at."""
        now = utcnow()
        username = username.lstrip("@") or None if username else None
        stmt = self._insert(User).values(
            id=user_id,
            username=username,
            first_name=first_name,
            language_code=language_code,
            role="member",
            blocked=False,
            created_at=now,
            last_seen_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[User.id],
            set_={
                "username": stmt.excluded.username,
                "first_name": func.coalesce(stmt.excluded.first_name, User.first_name),
                "language_code": func.coalesce(stmt.excluded.language_code, User.language_code),
                "last_seen_at": stmt.excluded.last_seen_at,
            },
        ).returning(*User.__table__.c)
        async with self._session("save a user") as session:
            row = (await session.execute(stmt)).one()
        return UserRecord.model_validate(dict(row._mapping))

    async def get_user(self, user_id: int) -> UserRecord | None:
        """The user with this Telegram id, or None."""
        async with self._session("read a user") as session:
            user = await session.get(User, user_id)
            return UserRecord.model_validate(user) if user is not None else None

    async def find_user_by_username(self, username: str) -> UserRecord | None:
        """The user with this username (case-insensitive, with or without '@'), or None."""
        name = username.strip().lstrip("@").lower()
        if not name:
            return None
        stmt = select(User).where(func.lower(User.username) == name).order_by(User.last_seen_at.desc())
        async with self._session("find a user") as session:
            user = (await session.scalars(stmt.limit(1))).first()
            return UserRecord.model_validate(user) if user is not None else None

    async def find_users_by_member(self, member_id: str) -> list[UserRecord]:
        """The users linked to this member profile id."""
        async with self._session("find users of a member") as session:
            users = await session.scalars(select(User).where(User.member_id == member_id).order_by(User.id))
            return [UserRecord.model_validate(user) for user in users]

    async def _update_user(self, user_id: int, action: str, **values: Any) -> None:
        async with self._session(action) as session:
            result = await session.execute(update(User).where(User.id == user_id).values(**values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise UnknownUserError(f"Unknown user {user_id}: they have not talked to the bot yet")

    async def set_language(self, user_id: int, language: str | None) -> None:
        """Override the user's language ('de' or 'en'); None goes back to Telegram's language code."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or None, not {language!r}")
        await self._update_user(user_id, "set a language", language_override=language)

    async def set_role(self, user_id: int, role: str, cluster: str | None = None) -> None:
        """Make the user a member, a manager (of `cluster`) or an admin."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        await self._update_user(user_id, "set a role", role=role, role_cluster=cluster)

    async def link_member(self, user_id: int, member_id: str | None) -> None:
        """Link the user to a member profile id (members.csv), or unlink with None."""
        await self._update_user(user_id, "link a member profile", member_id=member_id or None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark that the user blocked the bot (or unblocked it)."""
        await self._update_user(user_id, "mark a user blocked", blocked=blocked)

    async def count_users(self) -> int:
        """How many users have talked to the bot."""
        async with self._session("count users") as session:
            return int(await session.scalar(select(func.count()).select_from(User)) or 0)

    # -- conversation history (knowledge.conversation.HistoryStore) --------------------------------

    async def recent(self, conversation_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        if limit <= 0:
            return []
        stmt = (
            select(ConversationTurn.question, ConversationTurn.answer)
            .where(ConversationTurn.conversation_id == conversation_id)
            .order_by(ConversationTurn.id.desc())
            .limit(limit)
        )
        async with self._session("read the conversation") as session:
            rows = (await session.execute(stmt)).all()
        return [Turn(question=row.question, answer=row.answer) for row in reversed(rows)]

    async def append(self, conversation_id: str, turn: Turn) -> None:
        """Remember one turn; keeps the last `max_turns` turns of the conversation."""
        async with self._session("save the conversation") as session:
            await self._append(session, conversation_id, turn)

    async def _append(self, session: AsyncSession, conversation_id: str, turn: Turn) -> None:
        """Insert a turn and prune the conversation, in two statements."""
        oldest_kept = (
            select(ConversationTurn.id)
            .where(ConversationTurn.conversation_id == conversation_id)
            .order_by(ConversationTurn.id.desc())
            .offset(max(self.max_turns, 1) - 1)
            .limit(1)
            .scalar_subquery()
        )
        await session.execute(
            insert(ConversationTurn).values(
                conversation_id=conversation_id,
                question=turn.question,
                answer=turn.answer,
                created_at=utcnow(),
            )
        )
        # `id < NULL` is never true: nothing is deleted while the conversation is short.
        await session.execute(
            delete(ConversationTurn).where(
                ConversationTurn.conversation_id == conversation_id, ConversationTurn.id < oldest_kept
            )
        )

    async def reset(self, conversation_id: str) -> None:
        """Forget the conversation."""
        async with self._session("reset the conversation") as session:
            await session.execute(
                delete(ConversationTurn).where(ConversationTurn.conversation_id == conversation_id)
            )

    # -- answers and feedback ----------------------------------------------------------------------

    async def save_answer(
        self, user_id: int, chat_id: int, question: str, answer: str, sources: list[Source], mode: str
    ) -> int:
        """Store an answer with its sources; returns its id (for the feedback buttons)."""
        async with self._session("save an answer") as session:
            return await self._save_answer(session, user_id, chat_id, question, answer, sources, mode)

    async def save_exchange(self, exchange: Exchange) -> int:
        """`append` and `save_answer` in one transaction; returns the answer's id."""
        return (await self.save_exchanges([exchange]))[0]

    async def save_exchanges(self, exchanges: Sequence[Exchange]) -> list[int]:
        """Several answered questions in one transaction of three statements, whatever their number."""
        if not exchanges:
            return []
        now = utcnow()
        conversations = sorted({x.conversation_id for x in exchanges})
        async with self._session("save answers") as session:
            await session.execute(
                insert(ConversationTurn),
                [
                    {
                        "conversation_id": x.conversation_id,
                        "question": x.question,
                        "answer": x.answer,
                        "created_at": now,
                    }
                    for x in exchanges
                ],
            )
            ranked = (
                select(
                    ConversationTurn.id,
                    func.row_number()
                    .over(partition_by=ConversationTurn.conversation_id, order_by=ConversationTurn.id.desc())
                    .label("newest_first"),
                )
                .where(ConversationTurn.conversation_id.in_(conversations))
                .subquery()
            )
            too_old = select(ranked.c.id).where(ranked.c.newest_first > max(self.max_turns, 1))
            await session.execute(delete(ConversationTurn).where(ConversationTurn.id.in_(too_old)))
            rows = await session.execute(
                insert(Answer).returning(Answer.id, sort_by_parameter_order=True),
                [
                    {
                        "user_id": x.user_id,
                        "chat_id": x.chat_id,
                        "question": x.question,
                        "answer": x.answer,
                        "sources": [s.model_dump(mode="json") for s in x.sources],
                        "mode": x.mode,
                        "created_at": now,
                    }
                    for x in exchanges
                ],
            )
            return [row[0] for row in rows]

    @staticmethod
    async def _save_answer(
        session: AsyncSession,
        user_id: int,
        chat_id: int,
        question: str,
        answer: str,
        sources: list[Source],
        mode: str,
    ) -> int:
        row = Answer(
            user_id=user_id,
            chat_id=chat_id,
            question=question,
            answer=answer,
            sources=[Source.model_validate(source).model_dump(mode="json") for source in sources],
            mode=mode,
            created_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        return row.id

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """The saved answer, or None."""
        async with self._session("read an answer") as session:
            row = await session.get(Answer, answer_id)
            return AnswerRecord.model_validate(row) if row is not None else None

    async def add_feedback(self, answer_id: int, user_id: int, rating: int) -> None:
        """Record 👍 (+1) or 👎 (-1); a second click by the same user updates the rating."""
        if isinstance(rating, bool) or rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        stmt = self._insert(Feedback).values(
            answer_id=answer_id, user_id=user_id, rating=rating, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[Feedback.answer_id, Feedback.user_id], set_={"rating": stmt.excluded.rating}
        )
        async with self._session("save feedback") as session:
            if await session.scalar(select(Answer.id).where(Answer.id == answer_id)) is None:
                raise UnknownAnswerError(
                    f"Unknown answer {answer_id}: feedback can only be given on saved answers"
                )
            await session.execute(stmt)

    async def feedback_summary(self) -> dict[str, int]:
        """How many 👍 and 👎 there are: {"up": n, "down": m}."""
        stmt = select(
            func.coalesce(func.sum(case((Feedback.rating > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Feedback.rating < 0, 1), else_=0)), 0),
        )
        async with self._session("summarize feedback") as session:
            up, down = (await session.execute(stmt)).one()
        return {"up": int(up), "down": int(down)}

    # -- access requests ---------------------------------------------------------------------------

    async def add_access_request(self, user_id: int, text: str) -> int:
        """Record a request for access; returns its id."""
        row = AccessRequest(user_id=user_id, text=text, status="open", created_at=utcnow())
        async with self._session("save an access request") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def open_access_requests(self) -> list[AccessRequestRecord]:
        """The requests nobody has decided on yet, oldest first."""
        stmt = select(AccessRequest).where(AccessRequest.status == "open").order_by(AccessRequest.id)
        async with self._session("read access requests") as session:
            return [AccessRequestRecord.model_validate(row) for row in await session.scalars(stmt)]

    async def set_access_request_status(self, request_id: int, status: str) -> None:
        """Grant or deny (or reopen) a request."""
        if status not in REQUEST_STATUSES:
            raise ValueError(f"status must be one of {', '.join(REQUEST_STATUSES)}, not {status!r}")
        async with self._session("update an access request") as session:
            result = await session.execute(
                update(AccessRequest).where(AccessRequest.id == request_id).values(status=status)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise StateError(f"Unknown access request {request_id}")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; WAL so the bot and the CLI can read while one writes; fewer fsyncs."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # ignored (stays 'memory') for in-memory databases
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _search_path_setter(engine: AsyncEngine, schema: str) -> Callable[[Any, Any], None]:
    statement = f"SET search_path TO {engine.dialect.identifier_preparer.quote_schema(schema)}"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    return on_connect
