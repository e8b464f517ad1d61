"""`clusterbridge stats`, `audit` and `migrate`: the admin's figures, the audit log, the schema upgrade."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from clusterbridge.events import with_store
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError
from knowledge.state import StateStore
from knowledge.state.transfer import copy_state
from knowledge.stats import IndexLike, gather, render

AUDIT_LIMIT = 200


def add_commands(commands: Any) -> None:
    """Register `stats`, `audit` and `migrate`."""
    cmd = commands.add_parser("stats", help="usage figures (the same as /stats in the bot)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_stats)

    cmd = commands.add_parser("audit", help="the audit log of privileged actions, newest first")
    cmd.add_argument("--limit", type=int, default=20, help=f"how many entries (1-{AUDIT_LIMIT}, default 20)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_audit)

    cmd = commands.add_parser("migrate", help="upgrade the state database (DATABASE_URL) to this version")
    cmd.set_defaults(run=run_migrate)

    cmd = commands.add_parser(
        "copy-state",
        help="copy the whole state from another database (e.g. the embedded SQLite file) into the "
        "configured one (DATABASE_URL), which must be empty: the move to PostgreSQL",
    )
    cmd.add_argument("--from", dest="source", required=True, help="a SQLAlchemy URL or a SQLite file")
    cmd.add_argument("--from-schema", help="the source's PostgreSQL schema (DATABASE_SCHEMA there)")
    cmd.set_defaults(run=run_copy_state)


def _index(settings: Settings) -> IndexLike | None:
    """The documents index, or None when it cannot be opened (the figures say "unknown")."""
    from knowledge.embeddings import make_embeddings
    from knowledge.index import VectorIndex, chroma_client

    try:
        return VectorIndex(chroma_client(settings), make_embeddings(settings))
    except ClusterBridgeError:
        return None


def run_stats(settings: Settings, args: argparse.Namespace) -> int:
    """Print the usage figures."""
    index = _index(settings)
    figures = with_store(settings, lambda store: gather(store, index))
    print(figures.model_dump_json() if args.json else render(figures, "en"))
    return 0


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the newest audit-log entries."""
    if not 1 <= args.limit <= AUDIT_LIMIT:
        raise ClusterBridgeError(f"--limit must be between 1 and {AUDIT_LIMIT}")
    entries = with_store(settings, lambda store: store.audit.recent(args.limit))
    if args.json:
        print(json.dumps({"entries": [e.contract() for e in entries]}, ensure_ascii=False))
    for e in [] if args.json else entries:
        detail = f" ({e.detail})" if e.detail else ""
        print(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action} {e.args} -> {e.result}{detail}")
    return 0


def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Upgrade the state database to the newest schema and say from which revision."""
    before, after = asyncio.run(StateStore.migrate(settings.sqlalchemy_url, schema=settings.database_schema))
    detail = f"{before or 'empty'} -> {after}"
    with_store(settings, lambda store: store.audit.record(None, "cli", "migrate", "ok", "", detail))
    if before == after:
        print(f"the state database is up to date (revision {after})")
    else:
        print(f"the state database was migrated from revision {before or 'none (empty)'} to {after}")
    return 0


def source_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file's path made into one."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise ClusterBridgeError(f"{value} is neither a database URL nor an existing SQLite file")
    return f"sqlite+aiosqlite:///{path.resolve()}"


async def _copy_into(settings: Settings, source: StateStore, url: str) -> dict[str, int]:
    async with await StateStore.for_settings(settings, upgrade=True) as target:
        copied = await copy_state(source, target)
        shown = make_url(url).render_as_string(hide_password=True)
        await target.audit.record(
            None, "cli", "copy-state", "ok", "", f"{sum(copied.values())} rows from {shown}"
        )
        return copied


def run_copy_state(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the state of another database into the configured (empty) one and say how many rows."""
    url = source_url(args.source)

    async def copy() -> dict[str, int]:
        async with await StateStore.open(url, schema=args.from_schema) as source:
            return await _copy_into(settings, source, url)

    copied = asyncio.run(copy())
    counts = ", ".join(f"{name} {rows}" for name, rows in copied.items() if rows)
    print(f"copied {sum(copied.values())} rows ({counts or 'the source is empty'})")
    return 0
