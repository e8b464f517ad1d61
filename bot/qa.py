"""Answering a question in Telegram: access and limits, typing, streaming, delivery, feedback buttons."""

from __future__ import annotations

import logging
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, ReplyParameters

from bot import callbacks, introductions
from bot.context import is_group, is_reply_to_bot
from bot.delivery import DeliveryFailed, deliver, edit_quietly, typing, with_retries
from bot.render import escape, render_answer, render_partial
from bot.service import BotService
from bot.users import answer_language, ui_language
from knowledge.access import may_ask
from knowledge.catalogue import text
from knowledge.contact_intent import is_contact_request
from knowledge.event_answers import answer_from_events
from knowledge.models import Answer, Language, Turn
from knowledge.state import Exchange
from knowledge.text import detect_language

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
FEEDBACK = callbacks.register("fb", 2)  # answer id, rating (+1 or -1)


def thread_id(chat_id: int, user_id: int) -> str:
    """One Q&A thread per (chat, user): in a group each member has their own."""
    return f"chat:{chat_id}:user:{user_id}"


def feedback_keyboard(answer_id: int) -> InlineKeyboardMarkup:
    """The 👍/👎 buttons under an answer; the callback data carries the sent answer's id."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("👍", callback_data=FEEDBACK.data(answer_id, 1)),
                InlineKeyboardButton("👎", callback_data=FEEDBACK.data(answer_id, -1)),
            ]
        ]
    )


def parse_feedback(data: str | None) -> tuple[int, int] | None:
    """(answer id, rating) from a feedback button's data, or None when it is not a valid one."""
    values = FEEDBACK.parse(data)
    if values is None or values[0] <= 0 or values[1] not in (1, -1):
        return None
    return values[0], values[1]


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the question when the message mentions or replies to the bot, else None."""
    cleaned = message.text or ""
    mentioned = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if (entity.type == MessageEntity.MENTION and value.lstrip("@").lower() == bot_username.lower()) or (
            entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot_id
        ):
            mentioned = True
            cleaned = cleaned.replace(value, " ")
    if not (mentioned or is_reply_to_bot(message, bot_id)):
        return None
    return " ".join(cleaned.split())


async def answer(svc: BotService, bot: Bot, message: Message, question: str) -> None:
    """Answer `question` from `message`: access, limits, typing, streaming, rendering, buttons."""
    tg_user = message.from_user
    if tg_user is None:
        return
    chat = message.chat
    reply = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True) if is_group(chat.type) else None
    )
    record = await svc.users.get(tg_user)
    lang = ui_language(record, tg_user.language_code)

    async def say(key: str, **values: object) -> None:
        await bot.send_message(chat.id, escape(text(lang, key, **values)), reply_parameters=reply)

    wait = svc.limiter.hit(tg_user.id)
    if wait:
        logger.info("flood limit for user %s (%.0f s)", tg_user.id, wait)
        if svc.limiter.should_warn(tg_user.id):
            await say("flood", seconds=max(1, round(wait)))
        return
    if not may_ask(tg_user.id, record, svc.settings):
        return await say("members_only")
    question = question.strip()
    if not question:
        return await say("ask_usage")
    if len(question) > MAX_QUESTION_CHARS:
        return await say("too_long", length=len(question), limit=MAX_QUESTION_CHARS)

    thread = thread_id(chat.id, tg_user.id)
    language = answer_language(record)
    if not is_group(chat.type) and is_contact_request(question):  # people, not documents
        asked = language or detect_language(question, lang)
        if await introductions.answer_request(svc, bot, message, record, question, asked):
            return
    async with typing(bot, chat.id, svc.typing_delay):
        from_events = await answer_from_events(svc.store, question, language, default=lang)
        if from_events is not None:  # event questions: from the events themselves
            result, sent = from_events, None
        elif svc.assistant.llm_enabled:
            result, sent = await _stream(svc, bot, chat.id, thread, question, language, reply)
        else:
            result = await svc.qa.ask(thread, question, language=language, remember=False)
            sent = None
        exchange = Exchange(
            thread_id=thread,
            user_id=tg_user.id,
            chat_id=chat.id,
            question=question,
            answer=result.answer,
            sources=list(result.sources),
            mode=result.mode,
            abstained=result.abstained,
        )
        answer_id = await svc.exchanges.save(exchange)  # the turn and the answer in one commit
        svc.history.remember(thread, Turn(question=question, answer=result.answer))
    try:
        await deliver(
            bot,
            chat.id,
            render_answer(result, result.language or lang),
            feedback_keyboard(answer_id),
            reply,
            sent,
        )
    except DeliveryFailed as exc:
        # What the user did not see is not part of the conversation: take it back, then say so.
        logger.warning("answer %s to chat %s not delivered: %s", answer_id, chat.id, exc)
        async with svc.writing():
            await svc.store.answers.withdraw(answer_id, thread)
        svc.history.drop(thread)
        await with_retries(lambda: say("delivery_failed"))


async def _stream(
    svc: BotService,
    bot: Bot,
    chat_id: int,
    thread: str,
    question: str,
    language: Language | None,
    reply: ReplyParameters | None,
) -> tuple[Answer, Message | None]:
    """Stream an LLM answer by editing one message at most every `stream_interval` seconds."""
    streamed = ""
    sent: Message | None = None
    shown = ""
    last = 0.0
    final: Answer | None = None
    async for part in svc.qa.stream(thread, question, language=language, remember=False):
        if isinstance(part, Answer):
            final = part
            continue
        streamed += part
        now = time.monotonic()
        if now - last < svc.stream_interval or not streamed.strip():
            continue
        preview = render_partial(streamed)
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
