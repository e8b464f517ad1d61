"""Requests for access (when the assistant is for members only) and the admins' decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from knowledge.state.db import Record, Repository
from knowledge.state.tables import AccessRequest, User, utcnow


class AccessRequestRecord(Record):
    """A user's request for access."""

    id: int
    user_id: int
    text: str
    status: str
    created_at: datetime


class AccessRequests(Repository):
    """The access_requests table."""

    async def add(self, user_id: int, text: str) -> int:
        """Record a request for access; returns its id."""
        row = AccessRequest(user_id=user_id, text=text, status="open", created_at=utcnow())
        async with self.session("save an access request") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def open_requests(self) -> list[AccessRequestRecord]:
        """The requests nobody has decided on yet, oldest first."""
        stmt = select(AccessRequest).where(AccessRequest.status == "open").order_by(AccessRequest.id)
        async with self.session("read access requests") as session:
            return [AccessRequestRecord.model_validate(row) for row in await session.scalars(stmt)]

    async def open_request_of(self, user_id: int) -> AccessRequestRecord | None:
        """The user's open request, if any."""
        stmt = select(AccessRequest).where(AccessRequest.status == "open", AccessRequest.user_id == user_id)
        async with self.session("read access requests") as session:
            row = (await session.scalars(stmt.limit(1))).first()
            return AccessRequestRecord.model_validate(row) if row is not None else None

    async def decide(self, request_id: int, grant: bool, member_id: str | None) -> AccessRequestRecord | None:
        """Close an open request as granted (linking its user to `member_id`) or denied, in one
        transaction: both happen or neither. None when no open request has that id."""
        async with self.session("decide an access request") as session:
            row = (
                await session.scalars(
                    select(AccessRequest)
                    .where(AccessRequest.id == request_id, AccessRequest.status == "open")
                    .with_for_update()
                )
            ).first()
            if row is None:
                return None
            row.status = "granted" if grant else "denied"
            if grant:
                await session.execute(update(User).where(User.id == row.user_id).values(member_id=member_id))
            await session.flush()
            return AccessRequestRecord.model_validate(row)
