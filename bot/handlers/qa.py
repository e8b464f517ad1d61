"""Questions: /ask, any text in a private chat, mentions and replies in groups, and 👍/👎 feedback."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import qa
from bot.commands import NEW_MESSAGES, Command
from bot.context import service
from bot.users import ui_language
from knowledge.catalogue import text
from knowledge.state import UnknownAnswerError


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the question after /ask (in any chat)."""
    if update.effective_message is not None:
        await qa.answer(service(context), context.bot, update.effective_message, " ".join(context.args or []))


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, any text is a question."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await qa.answer(service(context), context.bot, message, message.text)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, answer only when the bot is mentioned or replied to; ignore other chatter."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    asked = qa.addressed_question(message, context.bot.username, context.bot.id)
    if asked is not None:
        await qa.answer(service(context), context.bot, message, asked)


async def feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store a 👍/👎 on an answer sent to this chat."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    svc = service(context)
    lang = ui_language(await svc.users.get(user), user.language_code)
    parsed = qa.parse_feedback(query.data)
    stored = False
    if parsed is not None:
        try:
            async with svc.writing():
                await svc.store.answers.add_feedback(
                    parsed[0], user.id, parsed[1], chat_id=query.message.chat.id
                )
            stored = True
        except UnknownAnswerError:
            pass
    await query.answer(text(lang, "feedback_thanks" if stored else "feedback_unknown"))


COMMANDS = (Command("ask", ask),)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Free text in private chats and groups, and the feedback buttons."""
    application.add_handler(CallbackQueryHandler(feedback, pattern=qa.FEEDBACK.pattern))
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text_only = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(text_only & private, question))
    application.add_handler(MessageHandler(text_only & groups, group_message))
