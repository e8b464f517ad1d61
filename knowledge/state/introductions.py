"""Introductions (double opt-in): requests from one member to another, with their status."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from knowledge.state.db import Record, Repository
from knowledge.state.tables import Introduction, utcnow


class IntroductionRecord(Record):
    """A request to be introduced."""

    id: int
    requester_user_id: int
    requester_member_id: str | None
    target_member_id: str
    reason: str
    status: str
    via_manager: bool
    created_at: datetime
    decided_at: datetime | None


class Introductions(Repository):
    """The introductions table."""

    async def add(
        self,
        requester_user_id: int,
        requester_member_id: str | None,
        target_member_id: str,
        reason: str,
        via_manager: bool,
    ) -> int:
        """Record a pending request; its id."""
        row = Introduction(
            requester_user_id=requester_user_id,
            requester_member_id=requester_member_id,
            target_member_id=target_member_id,
            reason=reason[:1000],
            status="pending",
            via_manager=via_manager,
            created_at=utcnow(),
        )
        async with self.session("save an introduction") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def get(self, introduction_id: int) -> IntroductionRecord | None:
        """The request, or None."""
        async with self.session("read an introduction") as session:
            row = await session.get(Introduction, introduction_id)
            return IntroductionRecord.model_validate(row) if row is not None else None

    async def pending_between(
        self, requester_user_id: int, target_member_id: str
    ) -> IntroductionRecord | None:
        """The requester's pending request to this member, if any."""
        stmt = select(Introduction).where(
            Introduction.requester_user_id == requester_user_id,
            Introduction.target_member_id == target_member_id,
            Introduction.status == "pending",
        )
        async with self.session("read introductions") as session:
            row = (await session.scalars(stmt.limit(1))).first()
            return IntroductionRecord.model_validate(row) if row is not None else None

    async def count_since(self, requester_user_id: int, since: datetime) -> int:
        """How many requests the user made since `since`."""
        stmt = select(func.count()).where(
            Introduction.requester_user_id == requester_user_id, Introduction.created_at >= since
        )
        async with self.session("count introductions") as session:
            return int(await session.scalar(stmt) or 0)

    async def decide(self, introduction_id: int, status: str) -> IntroductionRecord | None:
        """Move a pending request to `status` (accepted or declined); None when it is not pending."""
        async with self.session("decide an introduction") as session:
            result = await session.execute(
                update(Introduction)
                .where(Introduction.id == introduction_id, Introduction.status == "pending")
                .values(status=status, decided_at=utcnow())
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return None
            row = await session.get(Introduction, introduction_id)
            return IntroductionRecord.model_validate(row) if row is not None else None

    async def expire(self, older_than: timedelta) -> int:
        """Mark pending requests older than `older_than` as expired; how many."""
        async with self.session("expire introductions") as session:
            result = await session.execute(
                update(Introduction)
                .where(Introduction.status == "pending", Introduction.created_at < utcnow() - older_than)
                .values(status="expired", decided_at=utcnow())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
