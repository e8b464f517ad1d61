"""Usage figures read from the state (for /stats and `clusterbridge stats`), and finding a user by handle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import distinct, func, select

from knowledge.state.db import Repository
from knowledge.state.tables import SentAnswer, Subscription, User
from knowledge.state.users import UserRecord


class Usage(Repository):
    """Counts over users, subscriptions and sent answers."""

    async def linked_members(self) -> int:
        """Users linked to a member profile."""
        stmt = select(func.count()).select_from(User).where(User.member_id.is_not(None))
        async with self.session("count linked members") as session:
            return int(await session.scalar(stmt) or 0)

    async def active_subscribers(self) -> int:
        """Users with at least one subscription who have not blocked the bot."""
        stmt = (
            select(func.count(distinct(Subscription.user_id)))
            .join(User, User.id == Subscription.user_id)
            .where(User.blocked.is_(False))
        )
        async with self.session("count subscribers") as session:
            return int(await session.scalar(stmt) or 0)

    async def answers_since(self, since: datetime) -> list[tuple[datetime, bool]]:
        """(sent at, abstained) of every answer sent since `since`."""
        stmt = select(SentAnswer.created_at, SentAnswer.abstained).where(SentAnswer.created_at >= since)
        async with self.session("count questions") as session:
            return [(at, bool(abstained)) for at, abstained in (await session.execute(stmt)).all()]

    async def find_user(self, handle: str) -> UserRecord | None:
        """The user named by a numeric id or an @username (case-insensitive), or None."""
        handle = handle.strip()
        if handle.lstrip("-").isdigit() and handle.isascii():
            stmt = select(User).where(User.id == int(handle))
        else:
            name = handle.lstrip("@").lower()
            stmt = select(User).where(func.lower(User.username) == name).order_by(User.last_seen_at.desc())
        async with self.session("find a user") as session:
            row = await session.scalar(stmt.limit(1))
            return UserRecord.model_validate(row) if row is not None else None
