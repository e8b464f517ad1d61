"""Broadcasts through the running bot and the fake Bot API: the outbox is drained once per recipient
despite 429 and 403, reminders fire once across a restart."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from knowledge.broadcasts import Audience, queue
from knowledge.events import Event
from knowledge.reminders import schedule_reminders
from knowledge.state import StateStore
from knowledge.state.outbox import BroadcastStatus
from tests.bot.conftest import BotHarness

SUBSCRIBERS = range(5001, 5021)


async def _done(store: StateStore, broadcast_id: int, timeout: float = 30.0) -> BroadcastStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [status] = await store.outbox.listing(broadcast_id)
        if status.state == "done":
            return status
        await asyncio.sleep(0.2)
    raise AssertionError(f"broadcast {broadcast_id} not done: {status}")


def _received(harness: BotHarness, marker: str) -> Counter[int]:
    calls = harness.fake.calls_to("sendMessage")
    return Counter(
        int(c.params["chat_id"]) for c in calls if not c.error and marker in c.params.get("text", "")
    )


async def test_a_queued_announcement_reaches_everyone_once_despite_429_and_403(harness: BotHarness) -> None:
    store = await harness.open_store()
    for user_id in SUBSCRIBERS:
        await store.users.touch(user_id, None, None, "de")
        await store.subscriptions.subscribe(user_id, "cluster", "aviation")
    harness.fake.blocked_by.add(5005)
    broadcast_id, recipients = await queue(store, Audience("cluster", "aviation"), "<b>Neu</b> im Cluster")
    assert recipients == 20
    harness.fake.fail_next("sendMessage", 429, times=2, retry_after=1)
    await harness.start(store=store)  # the CLI queued it before the bot ran: it waits, then goes
    status = await _done(store, broadcast_id)
    assert (status.delivered, status.blocked, status.failed, status.pending) == (19, 1, 0, 0)
    received = _received(harness, "im Cluster")
    assert set(received) == set(SUBSCRIBERS) - {5005} and set(received.values()) == {1}
    blocked = await store.users.get(5005)
    assert blocked is not None and blocked.blocked
    assert await store.subscriptions.audience("cluster", "aviation") == [u for u in SUBSCRIBERS if u != 5005]


async def test_a_reminder_fires_once_across_a_restart(harness: BotHarness) -> None:
    store = await harness.open_store()
    start = datetime.now(UTC) + timedelta(minutes=30)
    event = Event(title="Stammtisch <Luftfahrt>", cluster="aviation", start=start, location="ZAL").with_id()
    await store.events.publish(event, created_by=None)
    await store.users.touch(6001, None, None, "en")
    await store.events.toggle_rsvp(event.id, 6001)
    app = await harness.start(store=store)
    await harness.fake.wait_for("sendMessage", lambda c: "Reminder" in c.params.get("text", ""), 10)
    await harness.stop(app)
    await harness.start(store=store)
    assert await schedule_reminders(store, [timedelta(hours=1), timedelta(days=1)]) == 0
    await asyncio.sleep(3)  # a few polls of the restarted bot
    assert _received(harness, "Reminder") == {6001: 1}
    [call] = [c for c in harness.fake.calls_to("sendMessage") if "Reminder" in c.params.get("text", "")]
    assert "&lt;Luftfahrt&gt;" in call.params["text"]
