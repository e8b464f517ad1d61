"""What no feature handles: non-text messages, unknown commands, stale buttons, and errors."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.commands import NEW_MESSAGES
from bot.context import caller, is_group, is_reply_to_bot, service
from bot.render import escape
from bot.users import ui_language
from knowledge.catalogue import text
from knowledge.errors import ClusterBridgeError, IndexEmptyError

logger = logging.getLogger(__name__)

# Everything that is not text: stickers, photos, voice, audio, video, files, locations, contacts, polls.
NON_TEXT = (
    filters.Sticker.ALL
    | filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files: explain that only text questions work."""
    message = update.effective_message
    if message is None or (is_group(message.chat.type) and not is_reply_to_bot(message, context.bot.id)):
        return  # never comment on a group's pictures unless they are a reply to the bot
    who = await caller(update, context)
    if who is not None:
        await who.say("non_text")


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown commands get a pointer to /help (in groups only when addressed to this bot)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = message.text.split()[0].lower()
    if message.chat.type != ChatType.PRIVATE and not command.endswith(f"@{context.bot.username}".lower()):
        return
    who = await caller(update, context)
    if who is not None:
        await who.say("unknown_command")


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button no route accepts (old, from another version, or forged): say so, change nothing."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    logger.info("unroutable button from user %s: %r", user.id, (query.data or "")[:64])
    await query.answer(text(ui_language(None, user.language_code), "stale_button"))


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception and tell the user, politely, that something went wrong."""
    if isinstance(context.error, Forbidden) and isinstance(update, Update) and update.effective_user:
        logger.info("user %s has blocked the bot: %s", update.effective_user.id, context.error)
        with contextlib.suppress(ClusterBridgeError):
            await service(context).users.set_blocked(update.effective_user.id, True)
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
    reply = text(ui_language(None, user.language_code if user else None), key)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(reply)
            return
        await context.bot.send_message(update.effective_chat.id, escape(reply))
    except TelegramError:
        logger.warning("could not tell chat %s about the error", update.effective_chat.id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Last: non-text messages, unknown commands, unroutable buttons; and the error handler."""
    private = filters.ChatType.PRIVATE
    anything_else_in_private = private & ~filters.TEXT & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(NEW_MESSAGES & (NON_TEXT | anything_else_in_private), non_text))
    application.add_handler(MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown))
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_error_handler(error_handler)
