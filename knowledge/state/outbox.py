"""The durable broadcast outbox: broadcasts and one delivery row per recipient, written before the
first send, claimed atomically (one UPDATE ... RETURNING; on PostgreSQL over FOR UPDATE SKIP LOCKED),
marked one by one as Telegram confirms. A claim is a lease: rows of a killed sender come back."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, exists, func, or_, select, update

from knowledge.state.db import Record, Repository
from knowledge.state.tables import Broadcast, Delivery, utcnow

BATCH = 1000
OPEN_STATES = ("queued", "sending")


class Claimed(Record):
    """A delivery row this sender holds: send `text` to `user_id`."""

    id: int
    broadcast_id: int
    user_id: int
    text: str
    attempts: int = 1


class BroadcastStatus(Record):
    """A broadcast and its progress (the `broadcasts --json` entry plus who to report to)."""

    id: int
    kind: str
    audience: str
    text: str
    state: str
    recipients: int
    delivered: int
    blocked: int
    failed: int
    pending: int
    created_at: datetime
    created_by: int | None
    progress_chat_id: int | None
    progress_message_id: int | None

    def contract(self) -> dict[str, object]:
        """The `broadcasts --json` entry."""
        return {
            "id": str(self.id),
            "created": self.created_at.isoformat(),
            "audience": self.audience,
            "recipients": self.recipients,
            "delivered": self.delivered,
            "blocked": self.blocked,
            "failed": self.failed,
            "pending": self.pending,
            "state": self.state,
        }


def new_token() -> str:
    """A claim token, unique per sender pass."""
    return uuid.uuid4().hex


def _count(state: str) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Delivery.state == state, 1), else_=0)), 0)


class Outbox(Repository):
    """The broadcasts and deliveries tables."""

    async def create(
        self,
        kind: str,
        audience: str,
        text: str,
        recipients: Sequence[int] | Mapping[int, str],
        *,
        created_by: int | None = None,
        key: str | None = None,
        event_id: str | None = None,
        state: str = "queued",
    ) -> int | None:
        """A broadcast with its delivery rows in one transaction; None when `key` exists already.

        A Mapping gives each recipient their own text (e.g. in their language)."""
        values = {
            "kind": kind,
            "audience": audience,
            "text": text,
            "state": state,
            "recipients": len(recipients),
        }
        stmt = self._insert(Broadcast).values(
            key=key, created_by=created_by, event_id=event_id, created_at=utcnow(), **values
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=[Broadcast.key]).returning(Broadcast.id)
        async with self.session("queue a broadcast") as session:
            broadcast_id = (await session.execute(stmt)).scalar()
            if broadcast_id is None:
                return None
            await self._write_rows(session, broadcast_id, recipients)
        return int(broadcast_id)

    async def _write_rows(
        self, session: object, broadcast_id: int, recipients: Sequence[int] | Mapping[int, str]
    ) -> None:
        now = utcnow()
        texts = recipients if isinstance(recipients, Mapping) else {}
        rows = [
            {
                "broadcast_id": broadcast_id,
                "user_id": user_id,
                "text": texts.get(user_id),
                "state": "pending",
                "attempts": 0,
                "not_before": now,
            }
            for user_id in recipients
        ]
        for first in range(0, len(rows), BATCH):
            await session.execute(self._insert(Delivery), rows[first : first + BATCH])  # type: ignore[attr-defined]

    async def release(
        self, broadcast_id: int, recipients: Sequence[int], progress: tuple[int, int] | None = None
    ) -> int | None:
        """Queue a draft for these recipients; None when it is no draft any more (sent or cancelled)."""
        values: dict[str, object] = {"state": "queued", "recipients": len(recipients)}
        if progress is not None:
            values["progress_chat_id"], values["progress_message_id"] = progress
        stmt = (
            update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.state == "draft").values(**values)
        )
        async with self.session("queue a broadcast") as session:
            if (await session.execute(stmt)).rowcount == 0:  # type: ignore[attr-defined]
                return None
            await self._write_rows(session, broadcast_id, recipients)
        return len(recipients)

    async def cancel(self, broadcast_id: int) -> bool:
        """Cancel a draft; False when it was already sent or cancelled."""
        stmt = update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.state == "draft")
        async with self.session("cancel a broadcast") as session:
            result = await session.execute(stmt.values(state="cancelled", finished_at=utcnow()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_progress(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Where the sender's status message is."""
        stmt = update(Broadcast).where(Broadcast.id == broadcast_id)
        async with self.session("save a status message") as session:
            await session.execute(stmt.values(progress_chat_id=chat_id, progress_message_id=message_id))

    async def claim(self, token: str, limit: int, lease: float = 60.0) -> list[Claimed]:
        """Take up to `limit` due rows for this sender, oldest first, atomically (never two senders)."""
        now = utcnow()
        due = (
            select(Delivery.id)
            .where(
                Delivery.state == "pending",
                Delivery.not_before <= now,
                or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(claim=token, claimed_until=now + timedelta(seconds=lease), attempts=Delivery.attempts + 1)
            .returning(Delivery.id, Delivery.broadcast_id, Delivery.user_id, Delivery.text, Delivery.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self.session("claim deliveries") as session:
            rows = (await session.execute(stmt)).all()
            ids = {row.broadcast_id for row in rows}
            texts = dict(
                (
                    await session.execute(select(Broadcast.id, Broadcast.text).where(Broadcast.id.in_(ids)))
                ).all()
            )
            if ids:
                started = update(Broadcast).where(Broadcast.id.in_(ids), Broadcast.state == "queued")
                await session.execute(started.values(state="sending"))
        found = [
            Claimed(
                id=r.id,
                broadcast_id=r.broadcast_id,
                user_id=r.user_id,
                text=r.text or texts[r.broadcast_id],
                attempts=r.attempts,
            )
            for r in rows
        ]
        return sorted(found, key=lambda row: row.id)

    async def _settle(self, delivery_id: int, token: str, **values: object) -> bool:
        stmt = update(Delivery).where(
            Delivery.id == delivery_id, Delivery.claim == token, Delivery.state == "pending"
        )
        async with self.session("record a delivery") as session:
            return bool((await session.execute(stmt.values(**values))).rowcount)  # type: ignore[attr-defined]

    async def sent(self, delivery_id: int, token: str) -> bool:
        """Telegram confirmed the message."""
        return await self._settle(delivery_id, token, state="sent", sent_at=utcnow(), claim=None)

    async def sent_many(self, delivery_ids: list[int], token: str) -> int:
        """Telegram confirmed these messages (one statement for a burst of confirmations)."""
        if not delivery_ids:
            return 0
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.claim == token, Delivery.state == "pending")
            .values(state="sent", sent_at=utcnow(), claim=None)
        )
        async with self.session("record deliveries") as session:
            return int((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def blocked(self, delivery_id: int, token: str, error: str) -> bool:
        """Final: the user blocked the bot or is gone."""
        return await self._settle(delivery_id, token, state="blocked", error=error[:300], claim=None)

    async def failed(self, delivery_id: int, token: str, error: str) -> bool:
        """Final: the message cannot be delivered (bad request, too many attempts)."""
        return await self._settle(delivery_id, token, state="failed", error=error[:300], claim=None)

    async def later(self, delivery_id: int, token: str, seconds: float, error: str) -> bool:
        """Give the row back, due again in `seconds` (rate limit, network error)."""
        not_before = utcnow() + timedelta(seconds=seconds)
        return await self._settle(
            delivery_id, token, not_before=not_before, claim=None, claimed_until=None, error=error[:300]
        )

    async def finish(self) -> list[BroadcastStatus]:
        """Mark open broadcasts without pending rows done; returns them (each once, for the final report)."""
        pending = exists().where(Delivery.broadcast_id == Broadcast.id, Delivery.state == "pending")
        stmt = (
            update(Broadcast)
            .where(Broadcast.state.in_(OPEN_STATES), ~pending)
            .values(state="done", finished_at=utcnow())
            .returning(Broadcast.id)
            .execution_options(synchronize_session=False)
        )
        async with self.session("finish broadcasts") as session:
            ids = list((await session.scalars(stmt)).all())
        return [status for status in await self.listing() if status.id in ids] if ids else []

    async def listing(self, broadcast_id: int | None = None, limit: int = 100) -> list[BroadcastStatus]:
        """Broadcasts (not drafts) with their progress, newest first."""
        counts = (
            select(
                Delivery.broadcast_id.label("bid"),
                _count("sent").label("delivered"),
                _count("blocked").label("blocked"),
                _count("failed").label("failed"),
                _count("pending").label("pending"),
            )
            .group_by(Delivery.broadcast_id)
            .subquery()
        )
        stmt = (
            select(Broadcast, counts)
            .outerjoin(counts, counts.c.bid == Broadcast.id)
            .where(Broadcast.state != "draft")
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
        if broadcast_id is not None:
            stmt = stmt.where(Broadcast.id == broadcast_id)
        async with self.session("read broadcasts") as session:
            rows = (await session.execute(stmt)).all()
        return [_status(row) for row in rows]

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast row (drafts included), detached."""
        async with self.session("read a broadcast") as session:
            return await session.get(Broadcast, broadcast_id)


def _status(row: object) -> BroadcastStatus:
    broadcast: Broadcast = row[0]  # type: ignore[index]
    mapping = row._mapping  # type: ignore[attr-defined]
    return BroadcastStatus(
        id=broadcast.id,
        kind=broadcast.kind,
        audience=broadcast.audience,
        text=broadcast.text,
        state=broadcast.state,
        recipients=broadcast.recipients,
        delivered=int(mapping["delivered"] or 0),
        blocked=int(mapping["blocked"] or 0),
        failed=int(mapping["failed"] or 0),
        pending=int(mapping["pending"] or 0),
        created_at=broadcast.created_at,
        created_by=broadcast.created_by,
        progress_chat_id=broadcast.progress_chat_id,
        progress_message_id=broadcast.progress_message_id,
    )
