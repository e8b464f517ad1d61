"""Events, RSVPs, subscriptions and the broadcast outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from knowledge.events import Event
from knowledge.state import StateStore
from knowledge.state.outbox import new_token

CET = timezone(timedelta(hours=1))


def _event(title: str, day: int, **extra: object) -> Event:
    start = datetime(2027, 3, day, 18, 0, tzinfo=CET)
    return Event(title=title, cluster="aviation", start=start, **extra).with_id()  # type: ignore[arg-type]


async def test_file_sync_is_incremental_and_keeps_zones(store: StateStore) -> None:
    a, b = _event("Wasserstoff", 4), _event("Kabine", 5, location="ZAL")
    first = await store.events.sync_file("events.yaml", [a, b])
    assert sorted(first.added) == sorted([a.id, b.id])
    again = await store.events.sync_file("events.yaml", [a, b.model_copy(update={"location": "HAW"})])
    assert again.unchanged == 1 and again.changed == [b.id] and not again.added
    gone = await store.events.sync_file("events.yaml", [a])
    assert gone.removed == [b.id]
    stored = await store.events.get(a.id)
    assert stored is not None and stored.start == a.start and stored.start.utcoffset() == timedelta(hours=1)
    assert [e.id for e in await store.events.between(datetime(2027, 3, 1, tzinfo=UTC))] == [a.id]


async def test_rsvp_toggles_and_counts(store: StateStore) -> None:
    event = _event("Stammtisch", 6)
    await store.events.publish(event, created_by=1)
    assert await store.events.toggle_rsvp(event.id, 1) == (True, 1)
    assert await store.events.toggle_rsvp(event.id, 2) == (True, 2)
    assert await store.events.toggle_rsvp(event.id, 1) == (False, 1)
    assert await store.events.going(event.id) == [2]
    assert await store.events.rsvp_counts([event.id]) == {event.id: 1}


async def test_audiences_skip_blocked_users(store: StateStore) -> None:
    for uid in (1, 2, 3):
        await store.users.touch(uid, None, None, None)
        await store.subscriptions.subscribe(uid, "cluster", "aviation")
    await store.subscriptions.subscribe(1, "topic", "Wasserstoff")
    await store.users.set_blocked(2, True)
    assert await store.subscriptions.audience("cluster", "aviation") == [1, 3]
    assert await store.subscriptions.audience("all", None) == [1, 3]
    await store.subscriptions.unsubscribe(3, "cluster", "aviation")
    assert await store.subscriptions.audiences([("cluster", "aviation"), ("topic", "Wasserstoff")]) == [1]
    await store.users.touch(2, None, None, None)  # writing again: active again
    assert await store.subscriptions.audience("cluster", "aviation") == [1, 2]


async def test_claims_never_overlap_and_leases_come_back(store: StateStore) -> None:
    broadcast = await store.outbox.create("announce", "all", "<b>Hi</b>", list(range(1, 101)))
    assert broadcast is not None
    batches = await asyncio.gather(*(store.outbox.claim(new_token(), 30) for _ in range(4)))
    ids = [row.id for batch in batches for row in batch]
    assert len(ids) == len(set(ids)) == 100
    assert {row.text for batch in batches for row in batch} == {"<b>Hi</b>"}
    assert await store.outbox.claim(new_token(), 10) == []  # all leased
    again = await store.outbox.claim(new_token(), 200, lease=0.0)
    assert again == []  # still leased by the first claims
    expired = await store.outbox.create("announce", "all", "x", [7], key="once")
    assert expired is not None and await store.outbox.create("announce", "all", "x", [7], key="once") is None
    taken = await store.outbox.claim("t1", 10, lease=-1.0)  # a lease that is already over
    assert [row.user_id for row in taken] == [7]
    assert [row.user_id for row in await store.outbox.claim("t2", 10)] == [7]  # the killed sender's row
    assert not await store.outbox.sent(taken[0].id, "t1")  # the old holder lost it
    assert await store.outbox.sent(taken[0].id, "t2")


async def test_progress_states_and_final_report_once(store: StateStore) -> None:
    broadcast = await store.outbox.create("announce", "cluster:aviation", "Hallo", {1: "Hallo", 2: "Hello"})
    assert broadcast is not None
    rows = await store.outbox.claim("t", 10)
    assert {row.user_id: row.text for row in rows} == {1: "Hallo", 2: "Hello"}
    assert await store.outbox.sent(rows[0].id, "t")
    assert await store.outbox.later(rows[1].id, "t", 0.0, "429")
    [status] = await store.outbox.listing(broadcast)
    assert (status.state, status.delivered, status.pending) == ("sending", 1, 1)
    assert await store.outbox.finish() == []
    [retry] = await store.outbox.claim("u", 10)
    assert await store.outbox.blocked(retry.id, "u", "Forbidden")
    [done] = await store.outbox.finish()
    assert done.contract() | {"created": ""} == {
        "id": str(broadcast), "created": "", "audience": "cluster:aviation", "recipients": 2,
        "delivered": 1, "blocked": 1, "failed": 0, "pending": 0, "state": "done",
    }  # fmt: skip
    assert await store.outbox.finish() == []


async def test_drafts_are_released_or_cancelled_once(store: StateStore) -> None:
    draft = await store.outbox.create("announce", "all", "Hi", [], state="draft")
    assert draft is not None and await store.outbox.listing() == []
    assert await store.outbox.release(draft, [1, 2], progress=(5, 6)) == 2
    assert await store.outbox.release(draft, [1, 2]) is None
    assert not await store.outbox.cancel(draft)
    other = await store.outbox.create("announce", "all", "Hi", [], state="draft")
    assert other is not None and await store.outbox.cancel(other)
    assert [s.state for s in await store.outbox.listing()] == ["cancelled", "queued"]
