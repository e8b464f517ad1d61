"""One budget for every message the bot sends: Telegram allows about 30 a second per bot. Chat replies
and broadcast sends take slots in the same sliding one-second window; chat replies go first (a
broadcast send waits while a reply is waiting), so a broadcast to thousands never starves the chat."""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque

LIMIT = 29  # messages in any one second (Telegram's 30, less one for clock and network jitter)
PERIOD = 1.0
# Set in the broadcast sender's tasks: their sends are paced here and skip PTB's AIORateLimiter,
# which would otherwise queue them with the replies and retry their 429s a second time.
BROADCASTING: contextvars.ContextVar[bool] = contextvars.ContextVar("broadcasting", default=False)


class MessageWindow:
    """Send times of the last second; `take` waits for a free slot under a cap."""

    def __init__(self, limit: int = LIMIT, period: float = PERIOD) -> None:
        self.limit, self.period = limit, period
        self._sent: deque[float] = deque()
        self._waiting = 0  # chat replies waiting for a slot

    def _count(self, now: float) -> int:
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        return len(self._sent)

    async def take(self, cap: int | None = None, *, priority: bool = False) -> None:
        """Wait until fewer than `cap` (default the limit) messages left in the last second, then take
        a slot; without `priority` also until no chat reply is waiting."""
        cap = min(cap or self.limit, self.limit)
        self._waiting += priority
        try:
            while True:
                now = time.monotonic()
                count = self._count(now)
                if count < cap and (priority or not self._waiting):
                    self._sent.append(now)
                    return
                free_at = self._sent[0] + self.period if count >= cap else now + 0.005
                await asyncio.sleep(max(0.001, free_at - now))
        finally:
            self._waiting -= priority
