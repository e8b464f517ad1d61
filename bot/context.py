"""What every handler starts with: the service, the caller and their language, and chat facts."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.render import escape
from bot.service import BotService
from bot.users import ui_language
from knowledge.access import check_privileged
from knowledge.catalogue import text
from knowledge.models import Language, Role
from knowledge.state import StateError, UserRecord
from knowledge.state.audit import AuditResult

SERVICE_KEY = "service"
logger = logging.getLogger(__name__)
# What a privileged handler reports for the audit log: the result and one line of detail.
Outcome = tuple[AuditResult, str]


def service(context: ContextTypes.DEFAULT_TYPE) -> BotService:
    """The BotService stored in the application's bot_data."""
    found: BotService = context.application.bot_data[SERVICE_KEY]
    return found


@dataclass(frozen=True)
class Caller:
    """Who sent an update, with the service and their stored record and interface language."""

    message: Message
    user: User
    svc: BotService
    record: UserRecord
    lang: Language

    async def say(self, key: str, **values: object) -> Message:
        """Reply with the catalogue text `key` in the caller's language, escaped."""
        return await self.say_in(self.lang, key, **values)

    async def say_in(self, language: Language, key: str, **values: object) -> Message:
        """Reply with the catalogue text `key` in `language`, escaped."""
        return await self.message.reply_text(escape(text(language, key, **values)))


async def caller(update: Update, context: ContextTypes.DEFAULT_TYPE, *, fresh: bool = False) -> Caller | None:
    """The sender of a message, or None for updates without one (then there is nothing to answer)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    svc = service(context)
    record = await svc.users.get(user, fresh=fresh)
    return Caller(message, user, svc, record, ui_language(record, user.language_code))


async def privileged_caller(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    command: str,
    role: Role = "admin",
    *,
    audited: bool = True,
) -> Caller | None:
    """The sender when they have `role` (checked on a fresh read), else None; refusals are logged and
    audited, and so is the accepted command unless `audited` is False (the handler audits its outcome)."""
    who = await caller(update, context, fresh=True)
    if who is None:
        return None
    args = " ".join(context.args or [])
    if not check_privileged(who.user.id, who.record, who.svc.settings, role, command):
        await audit(who, command, args, "refused", f"needs {role}")
        await who.say("not_allowed")
        return None
    if audited:
        await audit(who, command, args, "ok")
    return who


async def audit(who: Caller, command: str, args: str, result: AuditResult, detail: str = "") -> None:
    """One audit-log row (and log line); a log that cannot be written is logged, never the user's problem."""
    actor = f"@{who.user.username}" if who.user.username else who.user.full_name
    logger.info("audit action=%s actor_id=%s result=%s detail=%r", command, who.user.id, result, detail)
    try:
        await who.svc.store.audit.record(who.user.id, actor, command, result, args, detail)
    except StateError as exc:
        logger.error("audit log not written for /%s by %s: %s", command, who.user.id, exc)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def privileged(command: str, role: Role = "admin") -> Callable[[Callable[..., Awaitable[Outcome]]], Handler]:
    """A privileged handler `(who, context) -> Outcome`: the role check, then one audit row with the
    outcome it returns ('failed' with the exception's type when it raises)."""

    def wrap(handler: Callable[[Caller, ContextTypes.DEFAULT_TYPE], Awaitable[Outcome]]) -> Handler:
        @functools.wraps(handler)
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            who = await privileged_caller(update, context, command, role, audited=False)
            if who is None:
                return
            args = " ".join(context.args or [])
            try:
                result, detail = await handler(who, context)
            except Exception as exc:
                await audit(who, command, args, "failed", type(exc).__name__)
                raise
            await audit(who, command, args, result, detail)

        return run

    return wrap


def is_group(chat_type: str) -> bool:
    """True for groups and supergroups (channels are not served)."""
    return chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


def is_reply_to_bot(message: Message, bot_id: int) -> bool:
    """True when the message replies to one of the bot's own messages."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
