"""`clusterbridge migrate` on SQLite and PostgreSQL, the bot refusing an outdated PostgreSQL schema
with one line naming the command, and log lines: one per event, text or JSON, never a secret."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge import logs, redact
from knowledge.state import head_revision
from tests.backends import PG_URL
from tests.databases import StateDatabase
from tests.helpers import pg_unreachable, run_cli, settings_for
from tests.state.test_operations import at_revision


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    problem = await pg_unreachable()
    if problem is not None:
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"cb_ops_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def test_migrate_creates_then_reports_up_to_date_on_sqlite(tmp_path: Path) -> None:
    env = {"CLUSTERBRIDGE_DATA_DIR": str(tmp_path)}
    code, out, err = await run_cli("migrate", **env)
    assert code == 0, err
    assert out.strip() == f"the state database was migrated from revision none (empty) to {head_revision()}"
    code, out, _ = await run_cli("migrate", **env)
    assert out.strip() == f"the state database is up to date (revision {head_revision()})"
    code, out, _ = await run_cli("audit", "--json", **env)
    assert [e["action"] for e in json.loads(out)["entries"]] == ["migrate", "migrate"]


@pytest.mark.postgres
async def test_the_bot_refuses_an_outdated_postgresql_schema_until_migrate(
    pg_database: str, tmp_path: Path
) -> None:
    await at_revision(StateDatabase("postgresql", pg_database), "0004")
    env = {"DATABASE_URL": pg_database, "TELEGRAM_BOT_TOKEN": "123456:" + "x" * 35}
    env["CLUSTERBRIDGE_DATA_DIR"] = str(tmp_path)
    code, _, err = await run_cli("bot", **env)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "schema revision 0004, this version needs" in err and "run `clusterbridge migrate`" in err
    code, _, err = await run_cli("stats", "--json", **env)  # every command, not only the bot
    assert code == 1 and "clusterbridge migrate" in err
    code, out, err = await run_cli("migrate", **env)
    assert code == 0 and out.strip().endswith(f"from revision 0004 to {head_revision()}"), err
    code, out, err = await run_cli("stats", "--json", **env)
    assert code == 0 and json.loads(out)["users"] == 0, err


@pytest.mark.postgres
async def test_database_schema_keeps_two_deployments_apart(pg_database: str, tmp_path: Path) -> None:
    """DATABASE_SCHEMA: two deployments share one PostgreSQL database, each in its own schema."""

    def env(schema: str) -> dict[str, str]:
        return {
            "DATABASE_URL": pg_database,
            "DATABASE_SCHEMA": schema,
            "CLUSTERBRIDGE_DATA_DIR": str(tmp_path),
        }

    for schema, runs in (("clusterbridge_one", 2), ("clusterbridge_two", 1)):
        for _ in range(runs):
            code, _, err = await run_cli("migrate", **env(schema))
            assert code == 0, err
    for schema, runs in (("clusterbridge_one", 2), ("clusterbridge_two", 1)):
        code, out, err = await run_cli("audit", "--json", **env(schema))
        assert code == 0 and len(json.loads(out)["entries"]) == runs, err
    lite = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'lite.sqlite3'}",
        "DATABASE_SCHEMA": "clusterbridge_one",
        "CLUSTERBRIDGE_DATA_DIR": str(tmp_path / "lite"),
    }
    code, _, err = await run_cli("stats", **lite)
    assert code == 1 and err.strip() == (
        "clusterbridge: error: A schema for the state database is only supported on PostgreSQL"
    )


def _logged(log_format: logs.LogFormat, secret_settings: dict[str, str], message: str) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact.install(settings_for(Path("."), **secret_settings))
        logs.use_format(log_format)
        log = logging.getLogger("clusterbridge.test")
        log.warning(message)
        try:
            raise RuntimeError(f"failed:\n{message}")
        except RuntimeError:
            log.exception("with a traceback")
    finally:
        root.removeHandler(handler)
    return stream.getvalue()


TOKEN = "7312345678:AAF" + "q" * 32
SECRETS = {
    "telegram_bot_token": TOKEN,
    "openai_api_key": "sk-live/KEY+with=odd&chars",
    "database_url": "postgresql+asyncpg://cb:p%40ss%2Fw0rd@db:5432/cb",
}
LEAKY = (
    f"GET https://api.telegram.org/bot{TOKEN}/getMe; "
    f"encoded https://proxy.example/forward?to=https%3A%2F%2Fapi.telegram.org%2Fbot{TOKEN.replace(':', '%3A')}; "
    "key https://llm.example/v1?api_key=sk-live%2FKEY%2Bwith%3Dodd%26chars and sk-live/KEY+with=odd&chars; "
    "db postgresql+asyncpg://cb:p%40ss%2Fw0rd@db:5432/cb and p@ss/w0rd"
)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_log_lines_are_one_per_event_and_never_carry_a_secret(log_format: logs.LogFormat) -> None:
    lines = _logged(log_format, SECRETS, LEAKY).splitlines()
    assert len(lines) == 2  # the message, and the traceback folded into its event's line
    for forbidden in (TOKEN, TOKEN.split(":")[1], "sk-live", "KEY%2Bwith", "p@ss", "p%40ss", "w0rd"):
        assert all(forbidden not in line for line in lines), forbidden
    if log_format == "json":
        events = [json.loads(line) for line in lines]
        assert events[0]["level"] == "WARNING" and events[0]["logger"] == "clusterbridge.test"
        assert "RuntimeError" in events[1]["exception"]
    else:
        assert " WARNING clusterbridge.test: GET https://api.telegram.org/bot***/getMe" in lines[0]


async def test_an_error_line_never_carries_the_database_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://cb:s3cr%40t-pw@127.0.0.1:9/cb"
    code, out, err = await run_cli("migrate", DATABASE_URL=url, CLUSTERBRIDGE_DATA_DIR=str(tmp_path))
    assert code == 1 and "s3cr" not in err + out and "Cannot open the state database" in err


@pytest.mark.postgres
async def test_copy_state_moves_the_embedded_sqlite_state_to_postgresql(
    pg_database: str, tmp_path: Path
) -> None:
    """`copy-state --from FILE`: everything the SQLite state holds arrives in PostgreSQL, new rows get
    fresh ids there, and a second copy into the filled database is refused."""
    sqlite_file = tmp_path / "old.sqlite3"
    old = {"DATABASE_URL": f"sqlite+aiosqlite:///{sqlite_file}", "CLUSTERBRIDGE_DATA_DIR": str(tmp_path)}
    events = tmp_path / "events.yaml"
    events.write_text(
        "events:\n  - title: Port Talk\n    cluster: maritime\n    start: 2030-05-04T18:00:00+02:00\n",
        encoding="utf-8",
    )
    for command in (
        ("migrate",),
        ("ingest", "--events", str(events)),
        ("announce", "--all", "--text", "Hallo"),
    ):
        code, _, err = await run_cli(*command, **old)
        assert code == 0, err
    new = {"DATABASE_URL": pg_database, "CLUSTERBRIDGE_DATA_DIR": str(tmp_path)}
    code, _, err = await run_cli("migrate", **new)  # as the README says (and compose does at start)
    assert code == 0, err
    code, out, err = await run_cli("copy-state", "--from", str(sqlite_file), **new)
    assert code == 0, err
    assert out.startswith("copied ") and "events 1" in out and "broadcasts 1" in out

    code, out, err = await run_cli("events", "--json", "--from", "2030-01-01", **new)
    assert code == 0 and [e["title"] for e in json.loads(out)["events"]] == ["Port Talk"], err
    code, out, err = await run_cli("broadcasts", "--json", **new)
    assert code == 0 and len(json.loads(out)["broadcasts"]) == 1, err
    code, _, err = await run_cli("migrate", **new)  # a new audit row: the id sequence moved on
    assert code == 0, err
    code, out, err = await run_cli("audit", "--json", **new)
    entries = json.loads(out)["entries"]
    assert [e["action"] for e in entries[:2]] == ["migrate", "copy-state"]
    assert [e["id"] for e in entries] == [3, 2, 1]  # the copied migrate kept id 1

    code, _, err = await run_cli("copy-state", "--from", str(sqlite_file), **new)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "already holds data" in err
    code, _, err = await run_cli("copy-state", "--from", str(tmp_path / "missing.sqlite3"), **new)
    assert code == 1 and "neither a database URL nor an existing SQLite file" in err
