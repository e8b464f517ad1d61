"""The bot's logic as plain typed functions and one service object; the handlers only call into it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    User,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError

from bot.access import FloodLimiter, Role, may_ask
from bot.i18n import language_from_code, t
from bot.render import escape, render_answer, render_partial
from knowledge.config import Settings
from knowledge.conversation import ConversationService
from knowledge.models import Answer, Language, Turn
from knowledge.state import AccessRequestRecord, Exchange, StateStore, UserRecord

if TYPE_CHECKING:
    from knowledge.assistant import Assistant

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
TOUCH_EVERY = timedelta(minutes=5)
FEEDBACK_PREFIX = "fb"


class QueuedHistory:
    """The store as the conversation's HistoryStore: writes under the service's write lock, and the
    recent turns of active conversations kept in memory (write-through; the store stays the truth,
    so a restarted bot reloads them)."""

    KEPT = 20
    CONVERSATIONS = 10_000

    def __init__(
        self, store: StateStore, writing: Callable[[], contextlib.AbstractAsyncContextManager[object]]
    ) -> None:
        self.store = store
        self.writing = writing
        self._turns: OrderedDict[str, list[Turn]] = OrderedDict()

    def _keep(self, conversation_id: str, turns: list[Turn]) -> None:
        self._turns[conversation_id] = turns[-self.KEPT :]
        self._turns.move_to_end(conversation_id)
        while len(self._turns) > self.CONVERSATIONS:
            self._turns.popitem(last=False)

    async def recent(self, conversation_id: str, limit: int) -> list[Turn]:
        """The last `limit` turns, oldest first."""
        if limit > self.KEPT:
            return await self.store.recent(conversation_id, limit)
        if conversation_id not in self._turns:
            self._keep(conversation_id, await self.store.recent(conversation_id, self.KEPT))
        return self._turns[conversation_id][-limit:] if limit > 0 else []

    def remember(self, conversation_id: str, turn: Turn) -> None:
        """Note a turn that was stored by other means (StateStore.save_exchange)."""
        if conversation_id in self._turns:
            self._keep(conversation_id, [*self._turns[conversation_id], turn])

    async def append(self, conversation_id: str, turn: Turn) -> None:
        """Remember one turn."""
        async with self.writing():
            await self.store.append(conversation_id, turn)
        self.remember(conversation_id, turn)

    async def reset(self, conversation_id: str) -> None:
        """Forget the conversation."""
        async with self.writing():
            await self.store.reset(conversation_id)
        self._turns.pop(conversation_id, None)


class ExchangeWriter:
    """Group commit: answers that finish together are stored in one transaction.

    Under a burst (50 members asking at once) one commit per answer queues up on the database's
    single writer; this writer takes whatever is waiting and commits it at once.
    """

    def __init__(
        self, store: StateStore, writing: Callable[[], contextlib.AbstractAsyncContextManager[object]]
    ) -> None:
        self.store = store
        self.writing = writing
        self._queue: asyncio.Queue[tuple[Exchange, asyncio.Future[int]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def save(self, exchange: Exchange) -> int:
        """Store the exchange (with others waiting at the same moment); its answer id."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="exchange-writer")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self._queue.put((exchange, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self.writing():
                    ids = await self.store.save_exchanges([exchange for exchange, _ in batch])
            except Exception as exc:  # each waiting handler gets the error (and the error handler logs it)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), answer_id in zip(batch, ids, strict=True):
                if not future.done():
                    future.set_result(answer_id)

    async def close(self) -> None:
        """Stop the worker (callers have their ids: nothing is pending when the bot stops)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None


@dataclass(frozen=True)
class MemberProfile:
    """What a member profile (members.csv) says about a Telegram account found by its username."""

    member_id: str
    role: Role = "member"
    cluster: str | None = None


# Finds the member profile whose telegram_username is the given one (profiles come with matchmaking).
MemberLookup = Callable[[str], Awaitable[MemberProfile | None]]


def needs_touch(record: UserRecord, tg_user: User, now: datetime) -> bool:
    """True when Telegram's view of the user differs from the stored one, or last_seen_at is stale."""
    if (record.username or None) != (tg_user.username or None):
        return True
    if tg_user.first_name and record.first_name != tg_user.first_name:
        return True
    if tg_user.language_code and record.language_code != tg_user.language_code:
        return True
    return now - record.last_seen_at > TOUCH_EVERY


def conversation_id(chat_id: int, user_id: int) -> str:
    """One conversation per (chat, user): in a group each member has their own thread."""
    return f"chat:{chat_id}:user:{user_id}"


def ui_language(record: UserRecord | None, language_code: str | None = None) -> Language:
    """The language of the bot's own messages: the user's override, else Telegram's code, else German."""
    if record is not None:
        return record.language
    return language_from_code(language_code)


def answer_language(record: UserRecord | None) -> Language | None:
    """The language answers must be in: the /lang override, else None (the question's own language)."""
    return record.language_override if record is not None else None


def feedback_keyboard(answer_id: int) -> InlineKeyboardMarkup:
    """The 👍/👎 buttons under an answer; the callback data carries the stored answer id."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=f"{FEEDBACK_PREFIX}:{answer_id}:1"),
                InlineKeyboardButton("👎", callback_data=f"{FEEDBACK_PREFIX}:{answer_id}:-1"),
            ]
        ]
    )


def parse_feedback(data: str | None) -> tuple[int, int] | None:
    """(answer id, rating) from a feedback button's callback data, or None when it is not one."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != FEEDBACK_PREFIX:
        return None
    try:
        answer_id, rating = int(parts[1]), int(parts[2])
    except ValueError:
        return None
    return (answer_id, rating) if rating in (1, -1) else None


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the question when the message mentions or replies to the bot, else None."""
    text = message.text or ""
    mentioned = False
    cleaned = text
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and value.lstrip("@").lower() == bot_username.lower()) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id
        ):
            mentioned = True
            cleaned = cleaned.replace(value, " ")
    replied = message.reply_to_message is not None and (
        message.reply_to_message.from_user is not None and message.reply_to_message.from_user.id == bot_id
    )
    if not (mentioned or replied):
        return None
    return " ".join(cleaned.split())


def is_group(chat_type: str) -> bool:
    """True for groups and supergroups (channels are not served)."""
    return chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


@dataclass
class BotService:
    """Everything the handlers need: settings, the shared conversation service, the store, the limits."""

    settings: Settings
    assistant: Assistant
    store: StateStore
    limiter: FloodLimiter = field(default_factory=FloodLimiter)
    members: MemberLookup | None = None
    stream_interval: float = 1.0
    typing_delay: float = 0.3
    user_ttl: float = 10.0
    conversations: ConversationService = field(init=False)
    history: QueuedHistory = field(init=False)
    exchanges: ExchangeWriter = field(init=False)
    _users: dict[int, tuple[float, UserRecord]] = field(default_factory=dict, init=False)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)
    _writes: asyncio.Lock | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.store.engine.dialect.name == "sqlite":
            # SQLite has one writer at a time; colliding writers back off in coarse sleeps. Queueing
            # the bot's own writes in-process is several times faster under load (bench/bot_latency.py).
            self._writes = asyncio.Lock()
        self.history = QueuedHistory(self.store, self.writing)
        self.conversations = ConversationService(self.assistant, self.history)
        self.exchanges = ExchangeWriter(self.store, self.writing)

    def writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Hold while writing to the store: queues writes on SQLite, nothing on PostgreSQL."""
        return self._writes if self._writes is not None else contextlib.nullcontext()

    def lock(self, conversation: str) -> asyncio.Lock:
        """One lock per conversation, so one user's questions are answered in order."""
        return self._locks.setdefault(conversation, asyncio.Lock())

    def prune(self) -> None:
        """Drop idle locks and expired flood windows."""
        for key in [k for k, lock in self._locks.items() if not lock.locked()]:
            del self._locks[key]
        self.limiter.prune()

    async def user(self, tg_user: User, *, fresh: bool = False) -> UserRecord:
        """The stored user, read at most every `user_ttl` seconds (`fresh`: now, as privileged commands
        do); written (touch_user) only when new, changed or not seen for a while.

        Reading instead of writing on every message keeps the database's write lock free under load;
        what the bot itself changes takes effect at once, changes made elsewhere within `user_ttl`.
        """
        cached = None if fresh else self._users.get(tg_user.id)
        now = time.monotonic()
        valid = cached is not None and now - cached[0] < self.user_ttl
        record = cached[1] if cached is not None and valid else await self.store.get_user(tg_user.id)
        if record is None or needs_touch(record, tg_user, datetime.now(UTC)):
            async with self.writing():
                record = await self.store.touch_user(
                    tg_user.id, tg_user.username, tg_user.first_name, tg_user.language_code
                )
        if record.blocked:  # they write to the bot again, so they no longer block it
            await self.set_blocked(record.id, False)
            record = record.model_copy(update={"blocked": False})
        self._users[tg_user.id] = (cached[0] if cached is not None and valid else now, record)
        return record

    def forget_user(self, user_id: int) -> None:
        """Drop a cached user record after changing it."""
        self._users.pop(user_id, None)

    async def link_profile(self, tg_user: User, record: UserRecord) -> UserRecord:
        """Link the account to the member profile with its telegram_username, taking the profile's role."""
        if self.members is None or not tg_user.username:
            return record
        profile = await self.members(tg_user.username)
        if profile is None:
            return record
        async with self.writing():
            if record.member_id != profile.member_id:
                await self.store.link_member(record.id, profile.member_id)
                self.forget_user(record.id)
                logger.info("linked user %s to member %s", record.id, profile.member_id)
            if (record.role, record.role_cluster) != (profile.role, profile.cluster):
                await self.store.set_role(record.id, profile.role, profile.cluster)
                self.forget_user(record.id)
        return await self.store.get_user(record.id) or record

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Remember whether the user has blocked the bot (Telegram answers 403 Forbidden then)."""
        async with self.writing():
            await self.store.set_blocked(user_id, blocked)
        self.forget_user(user_id)

    async def set_language(self, user_id: int, language: Language | None) -> None:
        """Store the /lang override (None: the question's language)."""
        async with self.writing():
            await self.store.set_language(user_id, language)
        self.forget_user(user_id)

    async def add_feedback(self, answer_id: int, user_id: int, rating: int) -> bool:
        """Store 👍/👎 on a saved answer; False when the answer is unknown."""
        if await self.store.get_answer(answer_id) is None:
            return False
        async with self.writing():
            await self.store.add_feedback(answer_id, user_id, rating)
        return True

    async def request_access(self, bot: Bot, tg_user: User, text: str) -> tuple[int, bool]:
        """Store and forward a request to the admins: (id, True); (the open request's id, False) if one exists."""
        pending = next((r for r in await self.store.open_access_requests() if r.user_id == tg_user.id), None)
        if pending is not None:
            return pending.id, False
        async with self.writing():
            request_id = await self.store.add_access_request(tg_user.id, text)
        handle = f"@{tg_user.username}, " if tg_user.username else ""
        who = f"{tg_user.full_name} ({handle}id {tg_user.id})"
        for admin_id in sorted(self.settings.admin_ids):
            admin = await self.store.get_user(admin_id)
            note = t(ui_language(admin), "request_access_admin", id=request_id, user=who, text=text)
            try:
                await bot.send_message(admin_id, escape(note))
            except TelegramError:
                logger.warning("could not forward access request %s to admin %s", request_id, admin_id)
        return request_id, True

    async def stats(self) -> dict[str, object]:
        """Numbers for /stats: users, 👍, 👎 and open access requests (with their numbers)."""
        feedback = await self.store.feedback_summary()
        requests = await self.store.open_access_requests()
        ids = ", ".join(str(r.id) for r in requests[:20])
        return {
            "users": await self.store.count_users(),
            "up": feedback.get("up", 0),
            "down": feedback.get("down", 0),
            "requests": len(requests),
            "request_ids": f" (#{ids.replace(', ', ', #')})" if ids else "",
        }

    async def decide_access(
        self, request_id: int, grant: bool, member_id: str | None = None
    ) -> AccessRequestRecord | None:
        """Grant (linking the user to `member_id`, or to the request itself) or deny an open request."""
        request = next((r for r in await self.store.open_access_requests() if r.id == request_id), None)
        if request is None:
            return None
        async with self.writing():
            await self.store.set_access_request_status(request_id, "granted" if grant else "denied")
            if grant:
                await self.store.link_member(request.user_id, member_id or f"access-request:{request_id}")
        self.forget_user(request.user_id)
        logger.info("access request %s %s", request_id, "granted" if grant else "denied")
        return request

    async def answer(self, bot: Bot, message: Message, question: str) -> None:
        """Answer `question` from `message`: access, limits, typing, streaming, rendering, buttons."""
        tg_user = message.from_user
        if tg_user is None:
            return
        chat = message.chat
        group = is_group(chat.type)
        reply = ReplyParameters(message.message_id, allow_sending_without_reply=True) if group else None
        record = await self.user(tg_user)
        lang = ui_language(record, tg_user.language_code)

        wait = self.limiter.hit(tg_user.id)
        if wait:
            logger.info("flood limit for user %s (%.0f s)", tg_user.id, wait)
            if self.limiter.should_warn(tg_user.id):
                text = t(lang, "flood", seconds=max(1, round(wait)))
                await bot.send_message(chat.id, escape(text), reply_parameters=reply)
            return
        if not may_ask(tg_user.id, record, self.settings):
            await bot.send_message(chat.id, escape(t(lang, "members_only")), reply_parameters=reply)
            return
        question = question.strip()
        if not question:
            await bot.send_message(chat.id, escape(t(lang, "ask_usage")), reply_parameters=reply)
            return
        if len(question) > MAX_QUESTION_CHARS:
            text = t(lang, "too_long", length=len(question), limit=MAX_QUESTION_CHARS)
            await bot.send_message(chat.id, escape(text), reply_parameters=reply)
            return

        conversation = conversation_id(chat.id, tg_user.id)
        language = answer_language(record)
        async with self.lock(conversation), typing(bot, chat.id, self.typing_delay):
            if getattr(self.assistant, "llm_enabled", False):
                result, sent = await self._stream(bot, chat.id, conversation, question, language, reply)
            else:
                result = await self.conversations.ask(
                    conversation, question, language=language, remember=False
                )
                sent = None
            answer_id = await self.exchanges.save(  # the turn and the answer (for feedback) in one commit
                Exchange(
                    conversation_id=conversation,
                    user_id=tg_user.id,
                    chat_id=chat.id,
                    question=question,
                    answer=result.answer,
                    sources=list(result.sources),
                    mode=result.mode,
                )
            )
            self.history.remember(conversation, Turn(question=question, answer=result.answer))
        messages = render_answer(result, result.language or lang)
        await deliver(bot, chat.id, messages, feedback_keyboard(answer_id), reply, sent)

    async def _stream(
        self,
        bot: Bot,
        chat_id: int,
        conversation: str,
        question: str,
        language: Language | None,
        reply: ReplyParameters | None,
    ) -> tuple[Answer, Message | None]:
        """Stream an LLM answer by editing one message at most every `stream_interval` seconds."""
        text = ""
        sent: Message | None = None
        shown = ""
        last = 0.0
        final: Answer | None = None
        async for part in self.conversations.stream(
            conversation, question, language=language, remember=False
        ):
            if isinstance(part, Answer):
                final = part
                continue
            text += part
            now = time.monotonic()
            if now - last < self.stream_interval or not text.strip():
                continue
            preview = render_partial(text)
            if preview == shown:
                continue
            if sent is None:
                sent = await bot.send_message(chat_id, preview, reply_parameters=reply)
            else:
                await edit_quietly(bot, sent, preview)
            shown, last = preview, now
        if final is None:
            raise RuntimeError("the assistant's stream ended without an answer")
        return final, sent


async def edit_quietly(
    bot: Bot, message: Message, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit a message, ignoring Telegram's 'message is not modified'."""
    try:
        await bot.edit_message_text(
            text, chat_id=message.chat_id, message_id=message.message_id, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def deliver(
    bot: Bot,
    chat_id: int,
    messages: list[str],
    markup: InlineKeyboardMarkup,
    reply: ReplyParameters | None,
    first: Message | None = None,
) -> list[Message]:
    """Send the rendered answer (editing the streamed message into the first part); buttons go last."""
    sent: list[Message] = []
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        buttons = markup if last else None
        if index == 0 and first is not None:
            await edit_quietly(bot, first, text, buttons)
            sent.append(first)
        else:
            sent.append(
                await bot.send_message(
                    chat_id, text, reply_markup=buttons, reply_parameters=reply if index == 0 else None
                )
            )
    return sent


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int, delay: float, every: float = 4.5) -> AsyncIterator[None]:
    """Show 'typing…' while the body runs: after `delay` seconds (fast answers need none), then repeatedly."""

    async def keep_typing() -> None:
        await asyncio.sleep(delay)
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except Exception:  # the indicator is cosmetic; never fail an answer for it
                logger.debug("sendChatAction failed", exc_info=True)
            await asyncio.sleep(every)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
