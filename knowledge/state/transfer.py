"""Copy the whole state from one database into another: the move from the embedded SQLite file to
PostgreSQL when a deployment scales out (`clusterbridge copy-state`).

Both stores are at the newest schema revision (`StateStore.open` sees to that). The copy runs in one
transaction on the target, table by table in foreign-key order, so it lands whole or not at all;
PostgreSQL's id sequences are then moved past the copied ids. Ingestion leases are not copied: they
belong to the processes of the old set-up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from knowledge.state.db import StateError, reason
from knowledge.state.store import StateStore
from knowledge.state.tables import Base

BATCH = 1000
SKIPPED = frozenset({"ingest_locks"})


def copied_tables() -> list[Table]:
    """The tables that are copied, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.name not in SKIPPED]


def _data(table: Table) -> Any:
    """The rows that make a table "not empty": all of them, except the audit log's `migrate` entries
    (`clusterbridge migrate`, which compose runs before every start, writes one into a new database)."""
    query = select(func.count()).select_from(table)
    return query.where(table.c.action != "migrate") if table.name == "audit_log" else query


async def copy_state(source: StateStore, target: StateStore) -> dict[str, int]:
    """Copy every row of `source` into `target`, which must hold no rows yet; rows per table."""
    tables = copied_tables()
    try:
        async with target.engine.connect() as conn:
            filled = [table.name for table in tables if (await conn.execute(_data(table))).scalar_one()]
        if filled:
            raise StateError(
                f"the target database already holds data (in {', '.join(filled[:3])}): "
                "copy into an empty database only"
            )
        copied: dict[str, int] = {}
        async with source.engine.connect() as reader, target.engine.begin() as writer:
            await writer.execute(delete(Base.metadata.tables["audit_log"]))  # the migrate entries
            for table in tables:
                copied[table.name] = await _copy_table(reader, writer, table)
            if target.dialect == "postgresql":
                await _advance_sequences(writer, tables)
    except SQLAlchemyError as exc:
        raise StateError(f"copying the state failed, nothing was copied: {reason(exc)}") from exc
    return copied


async def _copy_table(reader: AsyncConnection, writer: AsyncConnection, table: Table) -> int:
    rows = 0
    try:
        result = await reader.stream(select(table))
        async for batch in result.mappings().partitions(BATCH):
            await writer.execute(insert(table), [dict(row) for row in batch])
            rows += len(batch)
    except SQLAlchemyError as exc:
        raise StateError(f"copying table {table.name} failed, nothing was copied: {reason(exc)}") from exc
    return rows


async def _advance_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    """Move each autoincrementing id's sequence past the highest copied id."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is not True:
                continue
            await conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                    f'FROM "{table.name}"'
                ),
                {"table": table.name, "column": column.name},
            )
