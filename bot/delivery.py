"""Sending to Telegram: answers delivered with bounded retries, quiet edits, the typing indicator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, RetryAfter

logger = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 5
BACKOFF = 0.5  # seconds before the second attempt; doubles, with jitter
MAX_WAIT = 30.0  # never wait longer than this for one retry


class DeliveryFailed(Exception):
    """A message could not be delivered after every retry."""


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds to wait after a 429: `retry_after` is an int, or a timedelta with PTB_TIMEDELTA set."""
    value: object = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


async def with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    backoff: float | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `send`; on 429 wait as told, on network errors, timeouts and 5xx back off (from `backoff`,
    default BACKOFF), and retry up to `attempts` times in all. Other errors (400, 403) are final."""
    delay = BACKOFF if backoff is None else backoff
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == attempts or wait > MAX_WAIT:
                raise DeliveryFailed(f"rate limited ({wait:.0f} s)") from exc
        except NetworkError as exc:  # TimedOut, 502 and other 5xx, connection errors
            if isinstance(exc, BadRequest) or attempt == attempts:
                raise DeliveryFailed(str(exc)) from exc
            wait = delay * (1 + random.random() / 2)
            delay = min(delay * 2, MAX_WAIT)
        logger.info("send failed (attempt %d of %d), retrying in %.1f s", attempt, attempts, wait)
        await sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


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
    """Send the rendered answer (editing the streamed message into the first part); buttons go last.

    Each part is retried on its own (`with_retries`); DeliveryFailed when one cannot be sent.
    """
    sent: list[Message] = []
    for index, text in enumerate(messages):
        buttons = markup if index == len(messages) - 1 else None
        if index == 0 and first is not None:
            await with_retries(partial(edit_quietly, bot, first, text, buttons))
            sent.append(first)
            continue
        send = partial(
            bot.send_message,
            chat_id,
            text,
            reply_markup=buttons,
            reply_parameters=reply if index == 0 else None,
        )
        sent.append(await with_retries(send))
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
