"""/start, /help, /lang and /reset."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.commands import Command, help_text
from bot.context import caller
from bot.introductions import link_profile
from bot.qa import thread_id
from bot.render import escape
from bot.users import ui_language
from knowledge.access import effective_role
from knowledge.catalogue import text
from knowledge.models import LANGUAGES

COMMANDS_KEY = "commands"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user, link their member profile by Telegram username, explain what the bot can do."""
    who = await caller(update, context)
    if who is None:
        return
    record = await link_profile(who.svc, who.user, who.record)
    greeting = text(who.lang, "start", name=who.user.first_name, bot=context.bot.username)
    if record.member_id:
        greeting += "\n\n" + text(who.lang, "start_linked")
    await who.message.reply_text(escape(greeting))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands this user may use."""
    who = await caller(update, context)
    if who is None:
        return
    role = effective_role(who.user.id, who.record, who.svc.settings)
    await who.message.reply_text(help_text(context.bot_data[COMMANDS_KEY], who.lang, role))


async def lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Set the answer language: /lang de, /lang en or /lang auto."""
    who = await caller(update, context)
    if who is None:
        return
    args = context.args or []
    choice = args[0].lower() if len(args) == 1 else ""
    if choice in LANGUAGES:
        chosen = LANGUAGES[LANGUAGES.index(choice)]
        await who.svc.users.set_language(who.user.id, chosen)
        await who.say_in(chosen, "lang_set")
    elif choice == "auto":
        await who.svc.users.set_language(who.user.id, None)
        await who.say_in(ui_language(None, who.user.language_code), "lang_auto")
    else:
        await who.say("lang_usage")


async def reset(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation in this chat."""
    who = await caller(update, context)
    if who is None:
        return
    await who.svc.qa.reset(thread_id(who.message.chat_id, who.user.id))
    await who.say("reset_done")


COMMANDS = (
    Command("start", start),
    Command("help", help_command),
    Command("lang", lang),
    Command("reset", reset),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Nothing besides the commands."""
