"""The Q&A service that the terminal chat and the Telegram bot share: questions answered in the
context of a thread's recent turns (its history)."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from knowledge.models import Answer, Language, Turn

if TYPE_CHECKING:
    from knowledge.assistant import Assistant

HISTORY_TURNS = 4


class History(Protocol):
    """Where a thread's recent turns live (memory for the terminal, the database for the bot)."""

    async def recent(self, thread_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        ...

    async def append(self, thread_id: str, turn: Turn) -> None:
        """Remember one turn."""
        ...

    async def reset(self, thread_id: str) -> None:
        """Forget the thread."""
        ...


class MemoryHistory:
    """A History in memory, for the terminal chat and tests."""

    def __init__(self, max_turns: int = 50) -> None:
        self._turns: dict[str, deque[Turn]] = defaultdict(lambda: deque(maxlen=max_turns))

    async def recent(self, thread_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        return list(self._turns[thread_id])[-limit:] if limit > 0 else []

    async def append(self, thread_id: str, turn: Turn) -> None:
        """Remember one turn."""
        self._turns[thread_id].append(turn)

    async def reset(self, thread_id: str) -> None:
        """Forget the thread."""
        self._turns.pop(thread_id, None)


class QAService:
    """Answers questions in the context of a thread's recent turns."""

    def __init__(self, assistant: Assistant, history: History, turns: int = HISTORY_TURNS) -> None:
        self.assistant = assistant
        self.history = history
        self.turns = turns

    async def ask(
        self, thread_id: str, question: str, language: Language | None = None, *, remember: bool = True
    ) -> Answer:
        """Answer `question` using the thread's history; then extend it, unless the caller
        stores the turn itself (`remember=False`, e.g. together with other writes)."""
        recent = await self.history.recent(thread_id, self.turns)
        answer = await self.assistant.aask(question, history=recent, language=language)
        if remember:
            await self.history.append(thread_id, Turn(question=question, answer=answer.answer))
        return answer

    async def stream(
        self, thread_id: str, question: str, language: Language | None = None, *, remember: bool = True
    ) -> AsyncIterator[str | Answer]:
        """Yield the answer text as it grows (LLM mode), then the final Answer (`remember` as in `ask`)."""
        recent = await self.history.recent(thread_id, self.turns)
        final: Answer | None = None
        async for part in self.assistant.astream(question, history=recent, language=language):
            if isinstance(part, Answer):
                final = part
            yield part
        if final is not None and remember:
            await self.history.append(thread_id, Turn(question=question, answer=final.answer))

    async def reset(self, thread_id: str) -> None:
        """Forget the thread."""
        await self.history.reset(thread_id)
