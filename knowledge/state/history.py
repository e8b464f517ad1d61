"""The Q&A history: the recent question-and-answer turns of each thread (one per chat and user)."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from knowledge.models import Turn
from knowledge.state.db import Repository
from knowledge.state.tables import HistoryTurn, utcnow

MAX_TURNS = 50


class History(Repository):
    """The history_turns table; a `knowledge.qa.History` for the bot."""

    def __init__(self, engine: AsyncEngine, max_turns: int = MAX_TURNS) -> None:
        super().__init__(engine)
        self.max_turns = max(max_turns, 1)

    async def recent(self, thread_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        if limit <= 0:
            return []
        stmt = (
            select(HistoryTurn.question, HistoryTurn.answer)
            .where(HistoryTurn.thread_id == thread_id)
            .order_by(HistoryTurn.id.desc())
            .limit(limit)
        )
        async with self.session("read the history") as session:
            rows = (await session.execute(stmt)).all()
        return [Turn(question=row.question, answer=row.answer) for row in reversed(rows)]

    async def append(self, thread_id: str, turn: Turn) -> None:
        """Remember one turn; keeps the last `max_turns` turns of the thread."""
        async with self.session("save the history") as session:
            await self.add_turns(session, {thread_id: [turn]})

    async def add_turns(self, session: AsyncSession, turns: dict[str, list[Turn]]) -> None:
        """Insert turns of several threads and prune them, in two statements (within `session`)."""
        now = utcnow()
        rows = [
            {"thread_id": thread, "question": t.question, "answer": t.answer, "created_at": now}
            for thread, items in turns.items()
            for t in items
        ]
        if not rows:
            return
        await session.execute(insert(HistoryTurn), rows)
        ranked = (
            select(
                HistoryTurn.id,
                func.row_number()
                .over(partition_by=HistoryTurn.thread_id, order_by=HistoryTurn.id.desc())
                .label("newest_first"),
            )
            .where(HistoryTurn.thread_id.in_(sorted(turns)))
            .subquery()
        )
        too_old = select(ranked.c.id).where(ranked.c.newest_first > self.max_turns)
        await session.execute(delete(HistoryTurn).where(HistoryTurn.id.in_(too_old)))

    async def forget_user(self, user_id: int) -> None:
        """Delete every thread of this user (in any chat)."""
        async with self.session("forget a user's history") as session:
            await session.execute(
                delete(HistoryTurn).where(HistoryTurn.thread_id.like(f"chat:%:user:{int(user_id)}"))
            )

    async def reset(self, thread_id: str) -> None:
        """Forget the thread."""
        async with self.session("reset the history") as session:
            await session.execute(delete(HistoryTurn).where(HistoryTurn.thread_id == thread_id))
