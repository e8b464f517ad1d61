"""Answers the bot sent (what a feedback button refers to) and the feedback on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge.models import Source, Turn
from knowledge.state.db import Record, Repository, UnknownAnswerError
from knowledge.state.history import History
from knowledge.state.tables import Feedback, HistoryTurn, SentAnswer, utcnow


class Exchange(BaseModel):
    """An answered question: a history turn and the sent answer kept for feedback."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    user_id: int
    chat_id: int
    question: str
    answer: str
    sources: list[Source]
    mode: str
    # None: judged by the sources (an answer without sources is an abstention).
    abstained: bool | None = None

    @property
    def was_abstention(self) -> bool:
        """True when the documents did not answer the question."""
        return self.abstained if self.abstained is not None else not self.sources


class SentAnswerRecord(Record):
    """An answer the bot sent."""

    id: int
    user_id: int
    chat_id: int
    question: str
    answer: str
    sources: list[Source]
    mode: str
    created_at: datetime


class Answers(Repository):
    """The sent_answers and feedback tables."""

    def __init__(self, engine: AsyncEngine, history: History) -> None:
        super().__init__(engine)
        self.history = history

    async def save_exchanges(self, exchanges: Sequence[Exchange]) -> list[int]:
        """Several answered questions (turn and sent answer each) in one transaction; their answer ids."""
        if not exchanges:
            return []
        turns: dict[str, list[Turn]] = defaultdict(list)
        for x in exchanges:
            turns[x.thread_id].append(Turn(question=x.question, answer=x.answer))
        now = utcnow()
        async with self.session("save answers") as session:
            await self.history.add_turns(session, turns)
            rows = await session.execute(
                insert(SentAnswer).returning(SentAnswer.id, sort_by_parameter_order=True),
                [
                    {
                        "user_id": x.user_id,
                        "chat_id": x.chat_id,
                        "question": x.question,
                        "answer": x.answer,
                        "sources": [s.model_dump(mode="json") for s in x.sources],
                        "mode": x.mode,
                        "abstained": x.was_abstention,
                        "created_at": now,
                    }
                    for x in exchanges
                ],
            )
            return [row[0] for row in rows]

    async def get(self, answer_id: int) -> SentAnswerRecord | None:
        """The sent answer, or None."""
        async with self.session("read an answer") as session:
            row = await session.get(SentAnswer, answer_id)
            return SentAnswerRecord.model_validate(row) if row is not None else None

    async def withdraw(self, answer_id: int, thread_id: str) -> None:
        """Take back an answer that never reached the user: the sent answer and its history turn."""
        async with self.session("withdraw an answer") as session:
            row = await session.get(SentAnswer, answer_id)
            if row is None:
                return
            turn = (
                select(HistoryTurn.id)
                .where(
                    HistoryTurn.thread_id == thread_id,
                    HistoryTurn.question == row.question,
                    HistoryTurn.answer == row.answer,
                )
                .order_by(HistoryTurn.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            await session.execute(delete(HistoryTurn).where(HistoryTurn.id == turn))
            await session.delete(row)

    async def forget_user(self, user_id: int) -> None:
        """Delete the answers sent to this user and every feedback they gave."""
        async with self.session("forget a user's answers") as session:
            await session.execute(delete(Feedback).where(Feedback.user_id == user_id))
            await session.execute(delete(SentAnswer).where(SentAnswer.user_id == user_id))

    async def add_feedback(
        self, answer_id: int, user_id: int, rating: int, chat_id: int | None = None
    ) -> None:
        """Record 👍 (+1) or 👎 (-1); a second click by the same user updates the rating.

        With `chat_id`, the answer must have been sent to that chat (a button pressed elsewhere, or
        forged, refers to no answer of this chat): UnknownAnswerError otherwise.
        """
        if isinstance(rating, bool) or rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        stmt = self._insert(Feedback).values(
            answer_id=answer_id, user_id=user_id, rating=rating, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[Feedback.answer_id, Feedback.user_id], set_={"rating": stmt.excluded.rating}
        )
        found = select(SentAnswer.id).where(
            and_(SentAnswer.id == answer_id, SentAnswer.chat_id == chat_id)
            if chat_id is not None
            else SentAnswer.id == answer_id
        )
        async with self.session("save feedback") as session:
            if await session.scalar(found) is None:
                raise UnknownAnswerError(f"Unknown answer {answer_id}: feedback goes on answers sent here")
            await session.execute(stmt)

    async def feedback_summary(self) -> dict[str, int]:
        """How many 👍 and 👎 there are: {"up": n, "down": m}."""
        stmt = select(
            func.coalesce(func.sum(case((Feedback.rating > 0, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Feedback.rating < 0, 1), else_=0)), 0),
        )
        async with self.session("summarize feedback") as session:
            up, down = (await session.execute(stmt)).one()
        return {"up": int(up), "down": int(down)}
