"""`clusterbridge stats`, `audit` and `migrate`: the admin's figures, the audit log, the schema upgrade."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from clusterbridge.events import with_store
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError
from knowledge.state import StateStore
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
