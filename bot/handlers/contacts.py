"""Contacts: /contacts, the "Request introduction" and Accept/Decline buttons, and /forget."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks, introductions
from bot.commands import Command
from bot.context import Caller, caller
from bot.introductions import DECIDE, MEMORY, REQUEST
from bot.qa import thread_id
from bot.render import escape
from knowledge.access import may_ask
from knowledge.catalogue import text
from knowledge.text import detect_language

logger = logging.getLogger(__name__)

FORGET = callbacks.register("forget", 1)  # 1 yes, 0 no
MAX_REQUEST_CHARS = 500


async def contacts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Suggest members of other clusters: for the linked profile, or for /contacts TEXT."""
    who = await caller(update, context)
    if who is None or not await _may_use(who):
        return
    request = " ".join(context.args or []).strip()
    if len(request) > MAX_REQUEST_CHARS:
        await who.say("too_long", length=len(request), limit=MAX_REQUEST_CHARS)
        return
    language = who.record.language_override or (detect_language(request, who.lang) if request else who.lang)
    await introductions.send_suggestions(
        who.svc, context.bot, who.message.chat.id, who.record, request or None, language
    )


async def request_introduction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "Request introduction" button: ask the suggested member (or their cluster's manager)."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    if query is None or who is None:
        return
    values = REQUEST.parse(query.data)
    offered = MEMORY.get(who.user.id, values[0], values[1]) if values else None
    if offered is None:
        await query.answer(text(who.lang, "contacts.stale"), show_alert=True)
        return
    if not may_ask(who.user.id, who.record, who.svc.settings):
        await query.answer(text(who.lang, "members_only"), show_alert=True)
        return
    await query.answer()
    reply = await introductions.introduce(who.svc, context.bot, who.record, offered, who.lang)
    await who.message.reply_text(escape(reply))


async def decide_introduction(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Accept or Decline under an introduction request: tell both sides, share handles on accept."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    if query is None or who is None:
        return
    values = DECIDE.parse(query.data)
    decision = None
    if values is not None and values[1] in (0, 1):
        async with who.svc.writing():
            decision = await who.svc.contacts.decide(values[0], who.record, accept=values[1] == 1)
    if decision is None:
        await query.answer(text(who.lang, "intro.closed"), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query.message)
    reply = await introductions.tell_decision(who.svc, context.bot, decision, who.record)
    await who.message.reply_text(reply)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation, then delete the member's profile and data (/forget)."""
    who = await caller(update, context)
    if who is None:
        return
    if who.message.chat.type != ChatType.PRIVATE:
        await who.say("contacts.private_only")
        return
    buttons = [
        InlineKeyboardButton(text(who.lang, "forget.yes"), callback_data=FORGET.data(1)),
        InlineKeyboardButton(text(who.lang, "forget.no"), callback_data=FORGET.data(0)),
    ]
    await who.message.reply_text(
        escape(text(who.lang, "forget.confirm")), reply_markup=InlineKeyboardMarkup([buttons])
    )


async def forget_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The /forget buttons: delete on yes (profile, pending introductions, history, feedback)."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    if query is None or who is None:
        return
    await query.answer()
    await _drop_buttons(query.message)
    values = FORGET.parse(query.data)
    if values != (1,):
        await who.message.reply_text(escape(text(who.lang, "forget.kept")))
        return
    async with who.svc.writing():
        had_profile = await who.svc.contacts.forget(who.record)
    who.svc.users.forget(who.user.id)
    who.svc.history.drop(thread_id(who.user.id, who.user.id))
    logger.info("user %s forgot their data (profile: %s)", who.user.id, had_profile)
    key = "forget.done" if had_profile else "forget.done_no_profile"
    await who.message.reply_text(escape(text(who.lang, key)))


async def _may_use(who: Caller) -> bool:
    """Access and the flood limit, as for questions."""
    if not may_ask(who.user.id, who.record, who.svc.settings):
        await who.say("members_only")
        return False
    wait = who.svc.limiter.hit(who.user.id)
    if wait:
        if who.svc.limiter.should_warn(who.user.id):
            await who.say("flood", seconds=max(1, round(wait)))
        return False
    return True


async def _drop_buttons(message: Any) -> None:
    """Remove the buttons under a message that was answered (quietly: it may be gone)."""
    if message is None or not hasattr(message, "edit_reply_markup"):
        return
    try:
        await message.edit_reply_markup(None)
    except TelegramError:
        logger.debug("could not remove the buttons of a message", exc_info=True)


COMMANDS = (
    Command("contacts", contacts),
    Command("forget", forget),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The introduction and /forget buttons."""
    application.add_handler(CallbackQueryHandler(request_introduction, pattern=REQUEST.pattern))
    application.add_handler(CallbackQueryHandler(decide_introduction, pattern=DECIDE.pattern))
    application.add_handler(CallbackQueryHandler(forget_confirmed, pattern=FORGET.pattern))
