"""Operations in the state: the audit log, ingestion runs, usage counts, and the migration policy
(SQLite upgraded on open, an outdated PostgreSQL database refused until `migrate`), on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import create_async_engine

from knowledge.models import Source
from knowledge.state import Exchange, OutdatedSchemaError, StateStore, alembic_config, head_revision
from knowledge.state.tables import utcnow
from tests.databases import StateDatabase


async def at_revision(db: StateDatabase, revision: str, sql: str = "") -> None:
    """Migrate the test's empty database up to `revision` only, then run `sql` (old rows, say)."""
    engine = create_async_engine(db.url)
    if db.schema:

        @event.listens_for(engine.sync_engine, "connect")
        def search_path(dbapi_connection: object, _record: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute(f'SET search_path TO "{db.schema}"')
            cursor.close()

        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))

    def upgrade(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        for statement in filter(None, sql.split(";")):
            connection.execute(text(statement))

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


OLD_ROWS = (
    "INSERT INTO sent_answers (id, user_id, chat_id, question, answer, sources, mode, created_at) "
    "VALUES (7, 1, 1, 'q', 'a', '[]', 'extractive', '2026-01-01 10:00:00');"
    "INSERT INTO feedback (answer_id, user_id, rating, created_at) VALUES (7, 1, 1, '2026-01-01 10:00:00')"
)


async def test_audit_log_records_and_lists_newest_first(store: StateStore) -> None:
    await store.audit.record(4242, "@ada", "grant", "ok", "@bob manager aviation", "bob is manager")
    await store.audit.record(1001, "@alice", "stats", "refused", "", "needs admin")
    await store.audit.record(None, "cli", "migrate", "failed", "x " * 400, "line\nbreak")
    entries = await store.audit.recent(10)
    assert [e.action for e in entries] == ["migrate", "stats", "grant"]
    assert entries[0].actor_id is None and len(entries[0].args) == 300 and entries[0].detail == "line break"
    assert (
        entries[2].contract()["result"] == "ok" and entries[2].contract()["args"] == "@bob manager aviation"
    )
    assert [e.action for e in await store.audit.recent(1)] == ["migrate"]
    with pytest.raises(ValueError):
        await store.audit.record(1, "x", "grant", "maybe")  # type: ignore[arg-type]


async def test_ingest_runs_keep_the_last_one(store: StateStore) -> None:
    assert await store.ingest_runs.last() is None
    start = utcnow() - timedelta(seconds=5)
    await store.ingest_runs.add("cli", start, True, {"added": 3, "failed": []})
    await store.ingest_runs.add("reindex", start, False, {"added": 0}, error="docs folder missing")
    last = await store.ingest_runs.last()
    assert (
        last is not None and last.trigger == "reindex" and not last.ok and last.error == "docs folder missing"
    )


async def test_usage_counts_and_abstentions(store: StateStore) -> None:
    for user_id, name in ((1, "Anna"), (2, "bob_hh"), (3, "carl")):
        await store.users.touch(user_id, name, name, "de")
    await store.users.link_member(1, "m-1")
    await store.subscriptions.subscribe(1, "cluster", "aviation")
    await store.subscriptions.subscribe(1, "topic", "Wasserstoff")
    await store.subscriptions.subscribe(3, "cluster", "media")
    await store.users.set_blocked(3, True)
    source = Source(source="a.md", title="A", url=None)
    common = Exchange(thread_id="t", user_id=1, chat_id=1, question="q", answer="a", sources=[], mode="x")
    await store.answers.save_exchanges(
        [
            common.model_copy(update={"sources": [source]}),
            common,  # no sources: an abstention
            common.model_copy(update={"sources": [source], "abstained": True}),
        ]
    )
    assert await store.usage.linked_members() == 1
    assert await store.usage.active_subscribers() == 1
    answers = await store.usage.answers_since(utcnow() - timedelta(days=1))
    assert sorted(abstained for _, abstained in answers) == [False, True, True]
    assert (await store.usage.find_user("@ANNA")).id == 1  # type: ignore[union-attr]
    assert (await store.usage.find_user("2")).username == "bob_hh"  # type: ignore[union-attr]
    assert await store.usage.find_user("@nobody") is None


async def test_an_old_database_is_upgraded_on_sqlite_and_refused_on_postgresql(
    backend: StateDatabase,
) -> None:
    await at_revision(backend, "0004", OLD_ROWS)
    if backend.name == "postgresql":
        with pytest.raises(
            OutdatedSchemaError, match=rf"revision 0004.*needs {head_revision()}.*clusterbridge migrate"
        ):
            await backend.open()
        assert await StateStore.migrate(backend.url, schema=backend.schema) == ("0004", head_revision())
    store = await backend.open()
    assert await store.revision() == head_revision()
    answer = await store.answers.get(7)
    assert answer is not None and await store.answers.feedback_summary() == {"up": 1, "down": 0}
    assert await StateStore.migrate(backend.url, schema=backend.schema) == (head_revision(), head_revision())


async def test_an_empty_database_is_created_and_a_newer_one_refused(backend: StateDatabase) -> None:
    store = await backend.open()
    assert await store.revision() == head_revision()
    await store.close()
    await at_revision(backend, "head", "UPDATE alembic_version SET version_num = '0999'")
    with pytest.raises(
        OutdatedSchemaError, match="revision 0999, which this version of ClusterBridge does not"
    ):
        await backend.open()
    with pytest.raises(OutdatedSchemaError):
        await StateStore.migrate(backend.url, schema=backend.schema)
