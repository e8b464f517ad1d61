"""The paced broadcast sender: drains the durable outbox under Telegram's limits with headroom for
chat replies; waits out RetryAfter, retries network errors with backoff, records Forbidden as final
(and the user as blocked), marks each row sent right after Telegram confirms; edits progress messages
and sends the final report. A job polls the outbox, so a CLI `announce` is delivered by a running bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.delivery import retry_seconds
from bot.pacing import BROADCASTING, MessageWindow
from bot.render import escape
from bot.users import ui_language
from knowledge.catalogue import text
from knowledge.reminders import schedule_reminders
from knowledge.state import StateStore
from knowledge.state.db import StateError, UnknownUserError
from knowledge.state.outbox import BroadcastStatus, Claimed, new_token

logger = logging.getLogger(__name__)

SENDER_KEY = "sender"
POLL_SECONDS = 2.0
LEASE_SECONDS = 30.0
IN_FLIGHT = 16
MAX_ATTEMPTS = 5
PROGRESS_EVERY = 3.0
# Confirmed sends are recorded together, at most this long after Telegram confirmed them: one commit
# for a burst instead of one per message keeps the database's write lock free for chat replies. A
# crash in between re-sends at most the confirmations of this window (like the sends in flight).
CONFIRM_SECONDS = 0.2


class Sender:
    """One per bot process: drains the outbox in one task at `rate` messages a second."""

    def __init__(
        self,
        bot: Bot,
        store: StateStore,
        rate: float,
        writing: Any = None,
        window: MessageWindow | None = None,
    ) -> None:
        self.bot, self.store, self.rate = bot, store, rate
        self.window = window or MessageWindow()  # shared with the chat replies (bot/pacing.py)
        self.token = new_token()
        self.writing = writing or contextlib.nullcontext
        self._task: asyncio.Task[None] | None = None
        self._next = 0.0
        self._paused_until = 0.0
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._edited: dict[int, float] = {}
        self._confirmed: list[int] = []
        self._recording: asyncio.Task[None] | None = None

    def kick(self) -> None:
        """Start draining unless a drain is running."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.drain(), name="outbox-drain")

    async def stop(self) -> None:
        """Stop draining; rows in flight keep their lease and come back to the next sender."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def drain(self) -> None:
        """Send until no row is due, then report finished broadcasts."""
        sends: set[asyncio.Task[None]] = set()
        try:
            while (rows := await self._claim()) or sends:
                if not rows:  # the last answers may bring rows back (RetryAfter, network errors)
                    await asyncio.gather(*sends)
                    continue
                for row in rows:  # the next batch is claimed while this one's last sends are answered
                    await self._pace()
                    await self._slots.acquire()
                    task = asyncio.create_task(self._send(row))
                    sends.add(task)
                    task.add_done_callback(sends.discard)
                await self._progress({row.broadcast_id for row in rows})
            await self._record_confirmed()
            for status in await self.store.outbox.finish():
                await self._report(status)
        except StateError:
            logger.warning(
                "the outbox could not be read or written; retrying at the next poll", exc_info=True
            )
        except asyncio.CancelledError:
            for task in list(sends):  # stopped: rows in flight keep their lease
                task.cancel()
            with contextlib.suppress(StateError):
                await self._record_confirmed()
            raise

    async def _claim(self) -> list[Claimed]:
        async with self.writing():
            return await self.store.outbox.claim(self.token, max(1, int(self.rate)), LEASE_SECONDS)

    async def _pace(self) -> None:
        now = time.monotonic()
        start = max(self._next, self._paused_until, now)
        self._next = start + 1.0 / self.rate
        if start > now:
            await asyncio.sleep(start - now)
        await self.window.take(max(1, int(self.rate)))  # after any chat reply that is waiting
        self._next = max(self._next, time.monotonic())

    async def _send(self, row: Claimed) -> None:
        BROADCASTING.set(True)  # this task's sends are paced here, not queued by the AIORateLimiter
        try:
            outcome = await self._attempt(row)
            if outcome is None:
                self._confirm(row.id)
                return
            async with self.writing():
                await outcome
        except StateError:
            logger.warning("delivery %s not recorded; its lease will bring it back", row.id, exc_info=True)
        finally:
            self._slots.release()

    def _confirm(self, delivery_id: int) -> None:
        """Note a confirmed send; recorded with the others of the next CONFIRM_SECONDS."""
        self._confirmed.append(delivery_id)
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._record_soon(), name="outbox-confirm")

    async def _record_soon(self) -> None:
        await asyncio.sleep(CONFIRM_SECONDS)
        try:
            await self._record_confirmed()
        except StateError:
            logger.warning("confirmed deliveries not recorded; their leases bring them back", exc_info=True)

    async def _record_confirmed(self) -> None:
        """Record every confirmed send not yet recorded, in one statement."""
        ids, self._confirmed = self._confirmed, []
        if ids:
            async with self.writing():
                await self.store.outbox.sent_many(ids, self.token)

    async def _attempt(self, row: Claimed) -> Any:
        """Send once; None when Telegram confirmed it, else an awaitable that records the outcome."""
        outbox = self.store.outbox
        try:
            await self.bot.send_message(row.user_id, row.text)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
            return outbox.later(row.id, self.token, wait, "rate limited")
        except Forbidden as exc:
            return self._blocked(row, str(exc))
        except BadRequest as exc:
            return outbox.failed(row.id, self.token, str(exc))
        except NetworkError as exc:  # timeouts, 5xx, connection errors
            if row.attempts >= MAX_ATTEMPTS:
                return outbox.failed(row.id, self.token, str(exc))
            return outbox.later(row.id, self.token, min(60.0, 2.0**row.attempts), str(exc))
        except TelegramError as exc:
            return outbox.failed(row.id, self.token, str(exc))
        return None

    async def _blocked(self, row: Claimed, error: str) -> None:
        await self.store.outbox.blocked(row.id, self.token, error)
        with contextlib.suppress(UnknownUserError):
            await self.store.users.set_blocked(row.user_id, True)

    async def _progress(self, broadcast_ids: set[int]) -> None:
        now = time.monotonic()
        for broadcast_id in broadcast_ids:
            if now - self._edited.get(broadcast_id, 0.0) < PROGRESS_EVERY:
                continue
            self._edited[broadcast_id] = now
            for status in await self.store.outbox.listing(broadcast_id):
                await self._edit(status, "announce.progress")

    async def _report(self, status: BroadcastStatus) -> None:
        self._edited.pop(status.id, None)
        await self._edit(status, "announce.report")

    async def _edit(self, status: BroadcastStatus, key: str) -> None:
        if status.progress_chat_id is None or status.progress_message_id is None:
            return
        language = ui_language(await self.store.users.get(status.created_by or 0))
        counts = status.model_dump(include={"delivered", "recipients", "blocked", "failed"})
        try:
            await self.bot.edit_message_text(
                escape(text(language, key, **counts)),
                chat_id=status.progress_chat_id,
                message_id=status.progress_message_id,
            )
        except TelegramError:
            logger.info("could not edit the progress of broadcast %s", status.id)


def sender(context: ContextTypes.DEFAULT_TYPE) -> Sender:
    """The application's sender."""
    found: Sender = context.application.bot_data[SENDER_KEY]
    return found


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: queue due reminders, then drain the outbox."""
    current = sender(context)
    try:
        async with current.writing():
            await schedule_reminders(current.store, context.application.bot_data["settings_reminders"])
    except StateError:
        logger.warning("reminders could not be scheduled", exc_info=True)
    current.kick()


def install(
    application: Application[Any, Any, Any, Any, Any, Any], store: StateStore, settings: Any, writing: Any
) -> Sender:
    """Create the sender and its polling job."""
    window = getattr(application.bot.rate_limiter, "window", None)
    found = Sender(application.bot, store, settings.clusterbridge_broadcast_rate, writing, window)
    application.bot_data[SENDER_KEY] = found
    application.bot_data["settings_reminders"] = settings.reminder_offsets
    if application.job_queue is not None:
        application.job_queue.run_repeating(tick, interval=POLL_SECONDS, first=0.5, name="outbox")
    return found
