"""Thin Telegram handlers: one per command or kind of update; the logic lives in bot.service."""

from __future__ import annotations

import contextlib
import html
import logging
from dataclasses import dataclass

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.access import check_privileged
from bot.i18n import t
from bot.render import escape
from bot.service import (
    BotService,
    addressed_question,
    conversation_id,
    is_group,
    parse_feedback,
    ui_language,
)
from knowledge.errors import ClusterBridgeError, IndexEmptyError
from knowledge.models import Language
from knowledge.state import UserRecord

logger = logging.getLogger(__name__)

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


async def caller(update: Update, context: ContextTypes.DEFAULT_TYPE, *, fresh: bool = False) -> Caller | None:
    """The sender of a message, or None for updates without one (then there is nothing to answer)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    svc = service(context)
    record = await svc.user(user, fresh=fresh)
    return Caller(message, user, svc, record, ui_language(record, user.language_code))


async def admin_caller(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> Caller | None:
    """The sender when they are an admin (checked on a fresh read, refusals logged), else None."""
    who = await caller(update, context, fresh=True)
    if who is None:
        return None
    if not check_privileged(who.user.id, who.record, who.svc.settings, "admin", command):
        await who.message.reply_text(escape(t(who.lang, "not_allowed")))
        return None
    return who


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user in their language and explain what the bot can do."""
    who = await caller(update, context)
    if who is None:
        return
    record = await who.svc.link_profile(who.user, who.record)
    lang = ui_language(record, who.user.language_code)
    text = escape(t(lang, "start", name=who.user.first_name, bot=context.bot.username))
    if record.member_id:
        text += "\n\n" + escape(t(lang, "start_linked"))
    await who.message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands."""
    who = await caller(update, context)
    if who is not None:
        await who.message.reply_text(escape(t(who.lang, "help")))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the question after /ask (in any chat)."""
    message = update.effective_message
    if message is None:
        return
    await service(context).answer(context.bot, message, " ".join(context.args or []))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, any text is a question."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await service(context).answer(context.bot, message, message.text)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, answer only when the bot is mentioned or replied to; ignore other chatter."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = addressed_question(message, context.bot.username, context.bot.id)
    if text is None:
        return
    await service(context).answer(context.bot, message, text)


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation in this chat."""
    who = await caller(update, context)
    if who is None:
        return
    await who.svc.conversations.reset(conversation_id(who.message.chat_id, who.user.id))
    await who.message.reply_text(escape(t(who.lang, "reset_done")))


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the answer language: /lang de, /lang en or /lang auto."""
    who = await caller(update, context)
    if who is None:
        return
    args = context.args or []
    choice = args[0].lower() if len(args) == 1 else ""
    if choice in ("de", "en"):
        chosen: Language = "en" if choice == "en" else "de"
        await who.svc.set_language(who.user.id, chosen)
        await who.message.reply_text(escape(t(chosen, "lang_set")))
    elif choice == "auto":
        await who.svc.set_language(who.user.id, None)
        await who.message.reply_text(escape(t(ui_language(None, who.user.language_code), "lang_auto")))
    else:
        await who.message.reply_text(escape(t(who.lang, "lang_usage")))


async def request_access(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask the admins for access (members-only policy); the request is stored and forwarded."""
    who = await caller(update, context)
    if who is None:
        return
    text = " ".join(context.args or []).strip()
    if not text:
        await who.message.reply_text(escape(t(who.lang, "request_access_usage")))
        return
    request_id, new = await who.svc.request_access(context.bot, who.user, text[:1000])
    await who.message.reply_text(
        escape(t(who.lang, "request_access_done" if new else "request_pending", id=request_id))
    )


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: users, feedback and open access requests."""
    who = await admin_caller(update, context, "stats")
    if who is not None:
        await who.message.reply_text(escape(t(who.lang, "stats", **await who.svc.stats())))


async def grant(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: /grant NO [MEMBER-ID] lets the author of access request NO in."""
    await _decide(update, context, grant=True)


async def deny(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: /deny NO turns access request NO down."""
    await _decide(update, context, grant=False)


async def _decide(update: Update, context: ContextTypes.DEFAULT_TYPE, grant: bool) -> None:
    who = await admin_caller(update, context, "grant" if grant else "deny")
    if who is None:
        return
    message, svc, lang_ = who.message, who.svc, who.lang
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit() or len(args) > (2 if grant else 1):
        await message.reply_text(escape(t(lang_, "decide_usage")))
        return
    request_id = int(args[0].lstrip("#"))
    request = await svc.decide_access(request_id, grant, args[1] if len(args) > 1 else None)
    if request is None:
        await message.reply_text(escape(t(lang_, "request_unknown", id=request_id)))
        return
    requester = await svc.store.get_user(request.user_id)
    name = (
        (requester.first_name or requester.username or str(request.user_id))
        if requester
        else str(request.user_id)
    )
    await message.reply_text(
        escape(t(lang_, "request_granted" if grant else "request_denied", id=request_id, user=name))
    )
    try:
        await context.bot.send_message(
            request.user_id, escape(t(ui_language(requester), "access_granted" if grant else "access_denied"))
        )
    except TelegramError:
        logger.warning("could not tell user %s about access request %s", request.user_id, request_id)


async def feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store a 👍/👎 on an answer."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    svc = service(context)
    record = await svc.user(user)
    lang_ = ui_language(record, user.language_code)
    parsed = parse_feedback(query.data)
    stored = parsed is not None and await svc.add_feedback(parsed[0], user.id, parsed[1])
    await query.answer(t(lang_, "feedback_thanks" if stored else "feedback_unknown"))


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files: explain that only text questions work."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if is_group(message.chat.type) and not (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == context.bot.id
    ):
        return  # never comment on a group's pictures unless they are a reply to the bot
    record = await service(context).user(user)
    await message.reply_text(escape(t(ui_language(record, user.language_code), "non_text")))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown commands get a pointer to /help (in groups only when addressed to this bot)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    command = message.text.split()[0]
    if message.chat.type != ChatType.PRIVATE and not command.lower().endswith(
        f"@{context.bot.username}".lower()
    ):
        return
    record = await service(context).user(user)
    await message.reply_text(escape(t(ui_language(record, user.language_code), "unknown_command")))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception and tell the user, politely, that something went wrong."""
    if isinstance(context.error, Forbidden) and isinstance(update, Update) and update.effective_user:
        logger.info("user %s has blocked the bot: %s", update.effective_user.id, context.error)
        with contextlib.suppress(ClusterBridgeError):
            await service(context).set_blocked(update.effective_user.id, True)
        return
    key = "error"
    if isinstance(context.error, IndexEmptyError):
        key = "index_empty"
        logger.warning("cannot answer: %s", context.error)
    elif isinstance(context.error, ClusterBridgeError):
        logger.error("error while handling an update: %s", context.error)
    else:
        logger.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    text = t(ui_language(None, user.language_code if user else None), key)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text)
            return
        await context.bot.send_message(update.effective_chat.id, html.escape(text))
    except TelegramError:
        logger.warning("could not tell chat %s about the error", update.effective_chat.id)
