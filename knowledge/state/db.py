"""The state database: URLs, the engine with its pragmas, Alembic migrations, and the base of every
repository (a transaction per call, foreign errors turned into StateError)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from knowledge.errors import ClusterBridgeError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key: concurrent `open`s (bot + CLI) migrate one after the other.
_MIGRATION_LOCK = 0x436C_4272  # "ClBr"

try:  # asyncpg raises some connection errors that SQLAlchemy does not wrap
    from asyncpg import PostgresError as _PostgresError
except ImportError:  # pragma: no cover
    _PostgresError = SQLAlchemyError

_FOREIGN_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, _PostgresError, OSError, TimeoutError)


class StateError(ClusterBridgeError):
    """The state database cannot be opened, read or written, or a referenced row is missing."""


class OutdatedSchemaError(StateError):
    """The database's schema is older (or newer) than this version of ClusterBridge."""


class UnknownUserError(StateError):
    """No user with that id has talked to the bot."""


class UnknownAnswerError(StateError):
    """No answer with that id was sent (e.g. a stale feedback button)."""


class Record(BaseModel):
    """A frozen row as the rest of the code sees it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


def reason(exc: BaseException) -> str:
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


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises its own resolution errors for unknown ids
        return False


def bring_up_to_date(connection: Connection, shown: str, upgrade: bool | None) -> tuple[str | None, str]:
    """(revision before, revision after). The policy with `upgrade=None`: SQLite and an empty database
    are upgraded at once; an outdated PostgreSQL database is refused until `clusterbridge migrate`
    (True) upgrades it, so that a new version never changes a shared database behind the admin's back.
    A database newer than this version is always refused."""
    before, head = current_revision(connection), head_revision()
    if before is not None and not _known(before):
        raise OutdatedSchemaError(
            f"The state database {shown} is at schema revision {before}, which this version of "
            f"ClusterBridge does not know (it needs {head}): update ClusterBridge"
        )
    if before == head:
        return before, head
    if upgrade is None:
        upgrade = before is None or connection.dialect.name == "sqlite"
    if not upgrade:
        raise OutdatedSchemaError(
            f"The state database {shown} is at schema revision {before}, this version needs {head}: "
            "run `clusterbridge migrate` (with the same DATABASE_URL)"
        )
    upgrade_database(connection)
    log.info("state database %s migrated from %s to %s", shown, before, head)
    return before, head


async def open_engine(
    url: str | URL, *, schema: str | None = None, echo: bool = False, upgrade: bool | None = None
) -> AsyncEngine:
    """Connect and bring the schema up to date (see `bring_up_to_date` for `upgrade`); `schema` is
    PostgreSQL only."""
    engine, _ = await open_and_migrate(url, schema=schema, echo=echo, upgrade=upgrade)
    return engine


async def open_and_migrate(
    url: str | URL, *, schema: str | None = None, echo: bool = False, upgrade: bool | None = None
) -> tuple[AsyncEngine, tuple[str | None, str]]:
    """The engine and (revision before, revision after)."""
    try:
        sa_url = normalize_url(url)
    except SQLAlchemyError as exc:
        raise StateError(f"Invalid state database URL: {reason(exc)}") from exc
    shown = sa_url.render_as_string(hide_password=True)
    backend = sa_url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StateError(f"Unsupported state database: {shown} (use SQLite or PostgreSQL)")
    if schema is not None and backend != "postgresql":
        raise StateError("A schema for the state database is only supported on PostgreSQL")
    database = sa_url.database or ""
    if backend == "sqlite" and database not in ("", ":memory:") and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"Cannot create the folder of {shown}: {reason(exc)}") from exc
    try:
        engine = create_async_engine(sa_url, echo=echo, pool_pre_ping=backend == "postgresql")
    except (SQLAlchemyError, ImportError) as exc:
        raise StateError(f"Cannot use the state database {shown}: {reason(exc)}") from exc
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
            revisions = await conn.run_sync(bring_up_to_date, shown, upgrade)
    except StateError:
        await engine.dispose()
        raise
    except Exception as exc:
        await engine.dispose()
        raise StateError(f"Cannot open the state database {shown}: {reason(exc)}") from exc
    log.debug("state database ready at %s", shown)
    return engine, revisions


def _insert(dialect_name: str) -> Callable[..., Any]:
    if dialect_name == "postgresql":
        return postgresql.insert
    if dialect_name == "sqlite":
        return sqlite.insert
    raise StateError(f"Unsupported state database: {dialect_name} (use SQLite or PostgreSQL)")


class Repository:
    """The base of the per-feature repositories: one engine, a transaction per call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = _insert(engine.dialect.name)

    @asynccontextmanager
    async def session(self, action: str) -> AsyncIterator[AsyncSession]:
        """A session in a transaction; foreign errors become StateError("Could not <action> ...")."""
        try:
            async with self._sessions.begin() as session:
                yield session
        except StateError:
            raise
        except _FOREIGN_ERRORS as exc:
            raise StateError(f"Could not {action} in the state database: {reason(exc)}") from exc


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
