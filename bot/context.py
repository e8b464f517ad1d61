"""What every handler starts with: the service, the caller and their language, and chat facts."""

from __future__ import annotations

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
from knowledge.state import UserRecord

SERVICE_KEY = "service"


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
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str, role: Role = "admin"
) -> Caller | None:
    """The sender when they have `role` (checked on a fresh read, refusals logged), else None."""
    who = await caller(update, context, fresh=True)
    if who is None:
        return None
    if not check_privileged(who.user.id, who.record, who.svc.settings, role, command):
        await who.say("not_allowed")
        return None
    return who


def is_group(chat_type: str) -> bool:
    """True for groups and supergroups (channels are not served)."""
    return chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


def is_reply_to_bot(message: Message, bot_id: int) -> bool:
    """True when the message replies to one of the bot's own messages."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
