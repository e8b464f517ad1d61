"""Copy the whole state from one database into another: the move from the embedded SQLite file to
PostgreSQL when a deployment scales out (`clusterbridge copy-state`).

Both stores are at the newest schema revision (`StateStore.open` sees to that). The copy runs in one
transaction on the target, table by table in foreign-key order, so it lands whole or not at all;
PostgreSQL's id sequences are then moved past the copied ids. Ingestion leases are not copied: they
belong to the processes of the old set-up.
"""

from __future__ import annotations

from sqlalchemy import Table, func, insert, select, text
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


async def _rows(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def copy_state(source: StateStore, target: StateStore) -> dict[str, int]:
    """Copy every row of `source` into `target`, which must hold no rows yet; rows per table."""
    tables = copied_tables()
    try:
        async with target.engine.connect() as conn:
            filled = [table.name for table in tables if await _rows(conn, table)]
        if filled:
            raise StateError(
                f"the target database already holds data (in {', '.join(filled[:3])}): "
                "copy into an empty database only"
            )
        copied: dict[str, int] = {}
        async with source.engine.connect() as reader, target.engine.begin() as writer:
            for table in tables:
                copied[table.name] = 0
                result = await reader.stream(select(table))
                async for batch in result.mappings().partitions(BATCH):
                    await writer.execute(insert(table), [dict(row) for row in batch])
                    copied[table.name] += len(batch)
            if target.dialect == "postgresql":
                await _advance_sequences(writer, tables)
    except SQLAlchemyError as exc:
        raise StateError(f"copying the state failed, nothing was copied: {reason(exc)}") from exc
    return copied


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
