"""Reminders for those who RSVP'd: a broadcast per event and lead time, keyed so it exists once
(even with two bot processes), queued into the same outbox as announcements, in each user's language."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from knowledge.catalogue import language_from_code, text
from knowledge.events import Event, span
from knowledge.state import StateStore


def reminder_key(event: Event, lead: timedelta) -> str:
    """The unique key of one reminder (a moved event gets new reminders)."""
    return f"reminder:{event.id}:{int(lead.total_seconds())}:{int(event.start.timestamp())}"


async def schedule_reminders(
    store: StateStore, leads: Sequence[timedelta], now: datetime | None = None
) -> int:
    """Queue the reminders that are due (event not started, lead time reached); how many were queued.

    Of several lead times reached, only the shortest counts."""
    now = now or datetime.now(UTC)
    queued = 0
    for event in await store.events.between(now, now + max(leads, default=timedelta(0))):
        due = [lead for lead in leads if event.start - lead <= now]
        going = await store.events.going(event.id) if event.start > now and due else []
        if not going:
            continue
        # Of several lead times reached, the longer ones went out earlier (or are moot now).
        key = reminder_key(event, min(due))
        texts = {user_id: await _reminder(store, event, user_id) for user_id in going}
        title = html.escape(event.title, quote=False)
        created = await store.outbox.create(
            "reminder", f"event:{event.id}", title, texts, key=key, event_id=event.id
        )
        queued += created is not None
    return queued


async def _reminder(store: StateStore, event: Event, user_id: int) -> str:
    record = await store.users.get(user_id)
    language = record.language if record is not None else language_from_code(None)
    message = text(
        language, "events.reminder", title=event.title, when=span(event, language), place=event.location or ""
    )
    return html.escape(message, quote=False)
