"""The bot's view of its users: stored records read through a short cache, written only on change."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from telegram import User

from bot.history import Writing
from knowledge.catalogue import language_from_code
from knowledge.models import Language
from knowledge.state import StateStore, UserRecord
from knowledge.state.users import FIRST_NAME_LIMIT

TOUCH_EVERY = timedelta(minutes=5)


def needs_touch(record: UserRecord, tg_user: User, now: datetime) -> bool:
    """True when Telegram's view of the user differs from the stored one, or last_seen_at is stale."""
    if (record.username or None) != (tg_user.username or None):
        return True
    if tg_user.first_name and record.first_name != tg_user.first_name[:FIRST_NAME_LIMIT]:
        return True
    if tg_user.language_code and record.language_code != tg_user.language_code:
        return True
    return now - record.last_seen_at > TOUCH_EVERY


def ui_language(record: UserRecord | None, language_code: str | None = None) -> Language:
    """The language of the bot's own messages: the user's override, else Telegram's code, else German."""
    return record.language if record is not None else language_from_code(language_code)


def answer_language(record: UserRecord | None) -> Language | None:
    """The language answers must be in: the /lang override, else None (the question's own language)."""
    return record.language_override if record is not None else None


class UserDirectory:
    """Users read at most every `ttl` seconds (privileged commands read fresh) and written (touched)
    only when new, changed or not seen for a while.

    Reading instead of writing on every message keeps the database's write lock free under load;
    what the bot itself changes takes effect at once, changes made elsewhere within `ttl`.
    """

    def __init__(self, store: StateStore, writing: Writing, ttl: float = 10.0) -> None:
        self.store = store
        self.writing = writing
        self.ttl = ttl
        self._cache: dict[int, tuple[float, UserRecord]] = {}

    async def get(self, tg_user: User, *, fresh: bool = False) -> UserRecord:
        """The stored user (created on first contact); a user who writes again no longer blocks the bot."""
        cached = None if fresh else self._cache.get(tg_user.id)
        now = time.monotonic()
        valid = cached is not None and now - cached[0] < self.ttl
        record = cached[1] if cached is not None and valid else await self.store.users.get(tg_user.id)
        if record is None or needs_touch(record, tg_user, datetime.now(UTC)):
            async with self.writing():
                record = await self.store.users.touch(
                    tg_user.id, tg_user.username, tg_user.first_name, tg_user.language_code
                )
        if record.blocked:
            await self.set_blocked(record.id, False)
            record = record.model_copy(update={"blocked": False})
        self._cache[tg_user.id] = (cached[0] if cached is not None and valid else now, record)
        return record

    def forget(self, user_id: int) -> None:
        """Drop a cached record after changing it."""
        self._cache.pop(user_id, None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Remember whether the user has blocked the bot (Telegram answers 403 Forbidden then)."""
        async with self.writing():
            await self.store.users.set_blocked(user_id, blocked)
        self.forget(user_id)

    async def set_language(self, user_id: int, language: Language | None) -> None:
        """Store the /lang override (None: the question's language)."""
        async with self.writing():
            await self.store.users.set_language(user_id, language)
        self.forget(user_id)

    def prune(self) -> None:
        """Forget expired cache entries."""
        now = time.monotonic()
        for user_id in [u for u, (at, _) in self._cache.items() if now - at >= self.ttl]:
            del self._cache[user_id]
