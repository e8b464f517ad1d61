"""`clusterbridge events`, `announce` and `broadcasts`; `with_store` for the commands that use the state."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from knowledge.broadcasts import Audience, queue
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError
from knowledge.event_answers import answer_from_events, is_event_question, line, select
from knowledge.models import Answer, Language
from knowledge.periods import parse_date
from knowledge.state import StateStore

T = TypeVar("T")
log = logging.getLogger(__name__)


def add_commands(commands: Any) -> None:
    """Register `events`, `announce` and `broadcasts`."""
    cmd = commands.add_parser("events", help="events, soonest first")
    cmd.add_argument("--from", dest="start", help="from this date (default: now); also 'morgen', 'next week'")
    cmd.add_argument("--to", dest="end", help="until this date (the whole day or period)")
    cmd.add_argument("--cluster", help="only this cluster's events")
    cmd.add_argument("--query", help="words in title, description or topics (German or English)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_events)

    cmd = commands.add_parser("announce", help="queue a broadcast (Telegram HTML); the running bot sends it")
    target = cmd.add_mutually_exclusive_group(required=True)
    target.add_argument("--cluster", help="the cluster's subscribers")
    target.add_argument("--topic", help="the topic's subscribers")
    target.add_argument("--all", action="store_true", help="every active user")
    cmd.add_argument("--text", required=True, help="the message (Telegram HTML)")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_announce)

    cmd = commands.add_parser("broadcasts", help="broadcasts and their progress, newest first")
    cmd.add_argument("--id", dest="broadcast_id", help="only this broadcast")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_broadcasts)


def with_store(settings: Settings, work: Callable[[StateStore], Awaitable[T]]) -> T:
    """Open the state database, run `work`, close it."""

    async def run() -> T:
        async with await StateStore.for_settings(settings) as store:
            return await work(store)

    return asyncio.run(run())


async def events_answer(
    settings: Settings, question: str, default: Language = "de", store: StateStore | None = None
) -> Answer | None:
    """`ask` and `chat`: the answer from the stored events to an event question, else None (the
    documents answer; also when the state database cannot be read). `store`: an open one to use."""
    if not is_event_question(question):
        return None
    try:
        if store is not None:
            return await answer_from_events(store, question, default=default)
        async with await StateStore.for_settings(settings) as opened:
            return await answer_from_events(opened, question, default=default)
    except ClusterBridgeError as exc:
        log.warning("events not consulted (%s); answering from the documents", exc)
        return None


def _date(value: str | None, now: datetime, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_date(value, now, end_of_period=end)
    except ValueError as exc:
        raise ClusterBridgeError(
            f"{value!r} is not a date (try 2027-03-04, 'morgen' or 'next week')"
        ) from exc


def run_events(settings: Settings, args: argparse.Namespace) -> int:
    """Print the events in the range, soonest first."""
    now = datetime.now(UTC)
    start, end = _date(args.start, now) or now, _date(args.end, now, end=True)
    found = with_store(settings, lambda store: store.events.between(start, end, args.cluster))
    found = select(found, args.query or "")
    if args.json:
        print(json.dumps({"events": [event.contract() for event in found]}, ensure_ascii=False))
    else:
        print("\n".join(f"{event.id}  {line(event, 'en', now)}" for event in found) or "no events")
    return 0


def run_announce(settings: Settings, args: argparse.Namespace) -> int:
    """Queue a broadcast and print its id and recipient count."""
    if args.all:
        audience = Audience("all")
    else:
        audience = Audience.parse(f"cluster:{args.cluster}" if args.cluster else f"topic:{args.topic}")
    broadcast_id, recipients = with_store(settings, lambda store: queue(store, audience, args.text))
    if args.json:
        print(json.dumps({"broadcast_id": str(broadcast_id), "recipients": recipients}))
    else:
        print(f"broadcast {broadcast_id} queued for {recipients} recipients")
    return 0


def run_broadcasts(settings: Settings, args: argparse.Namespace) -> int:
    """Print each broadcast's progress, newest first."""
    wanted = None
    if args.broadcast_id is not None:
        if not args.broadcast_id.isdigit():
            raise ClusterBridgeError(f"no broadcast {args.broadcast_id!r} (ids are numbers)")
        wanted = int(args.broadcast_id)
    found = with_store(settings, lambda store: store.outbox.listing(wanted))
    if wanted is not None and not found:
        raise ClusterBridgeError(f"no broadcast {wanted}")
    rows = [status.contract() for status in found]
    if args.json:
        print(json.dumps({"broadcasts": rows}, ensure_ascii=False))
    for row in [] if args.json else rows:
        print(
            f"{row['id']}  {row['state']:9} {row['audience']}: {row['delivered']}/{row['recipients']} delivered, "
            f"{row['blocked']} blocked, {row['failed']} failed, {row['pending']} pending"
        )
    return 0
