"""Subscriptions to a cluster's or a topic's announcements, and the audiences they make."""

from __future__ import annotations

from sqlalchemy import delete, select

from knowledge.state.db import Repository
from knowledge.state.tables import SUBSCRIPTION_KINDS, Subscription, User, utcnow


def _kind(kind: str) -> str:
    if kind not in SUBSCRIPTION_KINDS:
        raise ValueError(f"kind must be one of {', '.join(SUBSCRIPTION_KINDS)}, not {kind!r}")
    return kind


class Subscriptions(Repository):
    """The subscriptions table."""

    async def subscribe(self, user_id: int, kind: str, value: str) -> None:
        """Subscribe (idempotent)."""
        stmt = self._insert(Subscription).values(
            user_id=user_id, kind=_kind(kind), value=value, created_at=utcnow()
        )
        async with self.session("save a subscription") as session:
            await session.execute(stmt.on_conflict_do_nothing())

    async def unsubscribe(self, user_id: int, kind: str, value: str) -> None:
        """Unsubscribe (idempotent)."""
        stmt = delete(Subscription).where(
            Subscription.user_id == user_id, Subscription.kind == _kind(kind), Subscription.value == value
        )
        async with self.session("remove a subscription") as session:
            await session.execute(stmt)

    async def of_user(self, user_id: int) -> set[tuple[str, str]]:
        """The user's subscriptions as (kind, value)."""
        async with self.session("read subscriptions") as session:
            rows = await session.execute(
                select(Subscription.kind, Subscription.value).where(Subscription.user_id == user_id)
            )
            return {(kind, value) for kind, value in rows.all()}

    async def audience(self, kind: str, value: str | None) -> list[int]:
        """Active users (not blocked) subscribed to `value`; kind 'all' means every active user."""
        stmt = select(User.id).where(User.blocked.is_(False)).order_by(User.id)
        if kind != "all":
            subscribed = select(Subscription.user_id).where(
                Subscription.kind == _kind(kind), Subscription.value == value
            )
            stmt = stmt.where(User.id.in_(subscribed))
        async with self.session("read an audience") as session:
            return list((await session.scalars(stmt)).all())

    async def audiences(self, pairs: list[tuple[str, str]]) -> list[int]:
        """Active users subscribed to any of these (kind, value) pairs, each once."""
        found: set[int] = set()
        for kind, value in pairs:
            found.update(await self.audience(kind, value))
        return sorted(found)
