"""/event for managers and admins: a guided dialog (title, date and time, place, description, topics,
link), a preview, then publish: stored, indexed, announced to the subscribers of the cluster and of
the event's topics through the outbox. /cancel or the Cancel button ends it at any step.

The dialog (a ConversationHandler kept in memory: a restart or the timeout ends it) runs in handler
group -2, before the commands and the question handler: every step ends with ApplicationHandlerStop,
so a value typed in the dialog is never also answered as a question.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import UTC, datetime
from typing import Any, NoReturn

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.commands import NEW_MESSAGES, Command
from bot.context import Caller, caller, privileged_caller
from bot.render import escape
from bot.sender import SENDER_KEY, Sender
from ingest.events import index_events
from knowledge.access import has_role
from knowledge.catalogue import text
from knowledge.clusters import load_clusters
from knowledge.event_publishing import announce_event, card
from knowledge.events import Event, when
from knowledge.index import VectorIndex
from knowledge.periods import parse_when

logger = logging.getLogger(__name__)

PUBLISH = callbacks.register("evpub", 1)  # the manager's user id
CANCEL = callbacks.register("evcancel", 1)
TITLE, WHEN, PLACE, DESCRIPTION, TOPICS, LINK, CONFIRM = range(7)
ASK = {WHEN: "event.ask_when", PLACE: "event.ask_place", DESCRIPTION: "event.ask_description"}
ASK |= {TOPICS: "event.ask_topics", LINK: "event.ask_link"}
DRAFT_KEY = "event_draft"
TIMEOUT_SECONDS = 600
NONE = "-"
MAX_TITLE = 300
CLUSTERS = {cluster.id: cluster.name for cluster in load_clusters()}


def _stop(state: object) -> NoReturn:
    """End this update's handling here (no question answer, no other group) and go to `state`."""
    raise ApplicationHandlerStop(state)


def _cancel_button(who: Caller) -> InlineKeyboardMarkup:
    label = text(who.lang, "announce.cancel")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=CANCEL.data(who.user.id))]])


async def _ask(who: Caller, key: str, state: int, **values: object) -> NoReturn:
    await who.message.reply_text(escape(text(who.lang, key, **values)), reply_markup=_cancel_button(who))
    _stop(state)


def _cluster(who: Caller, args: list[str]) -> str | None:
    """A manager's own cluster; an admin's named one (`/event ID`) or their own."""
    if args and args[0] in CLUSTERS and has_role(who.user.id, who.record, who.svc.settings, "admin"):
        return args[0]
    return who.record.role_cluster


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """/event [CLUSTER]: start the dialog in a private chat (managers: their cluster)."""
    who = await privileged_caller(update, context, "event", role="manager")
    if who is None:
        _stop(ConversationHandler.END)
    if who.message.chat.type != ChatType.PRIVATE:
        await who.say("event.private_only")
        _stop(ConversationHandler.END)
    cluster = _cluster(who, list(context.args or []))
    if cluster is None:
        await who.say("announce.no_cluster")
        _stop(ConversationHandler.END)
    context.user_data[DRAFT_KEY] = {"cluster": cluster}  # type: ignore[index]
    await _ask(who, "event.ask_title", TITLE, cluster=CLUSTERS.get(cluster, cluster))


async def _typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Caller, dict[str, Any], str]:
    who = await caller(update, context)
    draft = (context.user_data or {}).get(DRAFT_KEY)
    if who is None or draft is None:
        _stop(ConversationHandler.END)
    return who, draft, (who.message.text or "").strip()


async def title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """The title, then the date and time."""
    who, draft, value = await _typed(update, context)
    if len(value) > MAX_TITLE:
        await _ask(who, "event.bad_title", TITLE, limit=MAX_TITLE)
    draft["title"] = value
    await _ask(who, "event.ask_when", WHEN)


async def start_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """The date and time; explained again when it is no date, has no time of day or lies in the past."""
    who, draft, value = await _typed(update, context)
    now = datetime.now(UTC)
    try:
        moment = parse_when(value, now)
    except ValueError:
        await _ask(who, "event.bad_when", WHEN, value=value)
    if moment <= now:
        await _ask(who, "event.past_when", WHEN, when=when(moment, who.lang))
    draft["start"] = moment
    await _ask(who, ASK[PLACE], PLACE)


def _step(name: str, following: int) -> Any:
    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
        """One text field of the draft ("-" for none), then the next question."""
        who, draft, value = await _typed(update, context)
        draft[name] = "" if value == NONE else value
        await _ask(who, ASK[following], following)

    return step


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """The link ("-" for none), then the preview with Publish and Cancel."""
    who, draft, value = await _typed(update, context)
    if value != NONE and not value.lower().startswith(("https://", "http://")):
        await _ask(who, "event.bad_link", LINK)
    draft["url"] = None if value == NONE else value
    event = _event(draft)
    buttons = [
        InlineKeyboardButton(text(who.lang, "event.publish"), callback_data=PUBLISH.data(who.user.id)),
        InlineKeyboardButton(text(who.lang, "announce.cancel"), callback_data=CANCEL.data(who.user.id)),
    ]
    preview = escape(text(who.lang, "event.preview", event=card(event, who.lang)))
    await who.message.reply_text(preview, reply_markup=InlineKeyboardMarkup([buttons]))
    _stop(CONFIRM)


def _event(draft: dict[str, Any]) -> Event:
    topics = [topic.strip() for topic in draft.get("topics", "").split(",") if topic.strip()]
    return Event(
        title=draft["title"],
        cluster=draft["cluster"],
        start=draft["start"],
        location=draft.get("place") or None,
        description=draft.get("description", ""),
        topics=tuple(topics),
        url=draft.get("url"),
    ).with_id()


async def publish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """Publish: store, index and announce the event (once), then say to how many subscribers."""
    query, who = update.callback_query, await caller(update, context)
    draft = (context.user_data or {}).pop(DRAFT_KEY, None)
    if query is None or who is None or query.message is None or draft is None:
        _stop(ConversationHandler.END)
    await query.answer()
    event = _event(draft)
    async with who.svc.writing():
        await who.svc.store.events.publish(event, created_by=who.user.id)
        broadcast_id, count = await announce_event(who.svc.store, event, who.user.id)
    logger.info("user %s published event %s to %s subscribers", who.user.id, event.id, count)
    await _index(who, event)
    await query.edit_message_text(escape(text(who.lang, "event.published", count=count)))
    if broadcast_id is not None:
        async with who.svc.writing():
            await who.svc.store.outbox.set_progress(
                broadcast_id, query.message.chat.id, query.message.message_id
            )
        sender: Sender = context.application.bot_data[SENDER_KEY]
        sender.kick()
    _stop(ConversationHandler.END)


async def _index(who: Caller, event: Event) -> None:
    """Add the event to the events collection beside the assistant's documents (a failure is logged:
    the event is stored and announced, only text search misses it until the next `ingest --events`)."""
    docs: VectorIndex | None = getattr(getattr(who.svc.assistant, "retriever", None), "index", None)
    if docs is None:
        return
    try:
        events = VectorIndex(docs.client, docs.embeddings, kind="events")
        await asyncio.to_thread(index_events, events, [event], [])
    except Exception:  # the index is a search aid; the event itself is saved
        logger.warning("event %s not indexed", event.id, exc_info=True)


async def waiting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """Text under the preview: point to the buttons."""
    who, _draft, _value = await _typed(update, context)
    await _ask(who, "event.use_buttons", CONFIRM)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """/cancel or the Cancel button at any step: nothing is saved."""
    who = await caller(update, context)
    (context.user_data or {}).pop(DRAFT_KEY, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if who is not None:
        await who.say("event.cancelled")
    _stop(ConversationHandler.END)


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The dialog timed out: forget the draft and say so."""
    (context.user_data or {}).pop(DRAFT_KEY, None)
    if isinstance(update, Update) and (who := await caller(update, context)) is not None:
        await who.say("event.timeout")


def dialog(timeout: float = TIMEOUT_SECONDS) -> ConversationHandler[Any]:
    """The /event dialog: one state per field, the preview, cancel at any step, a timeout."""
    typed = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND
    steps = {PLACE: ("place", DESCRIPTION), DESCRIPTION: ("description", TOPICS), TOPICS: ("topics", LINK)}
    states: dict[object, list[Any]] = {
        state: [MessageHandler(typed, _step(*step))] for state, step in steps.items()
    }
    states |= {
        TITLE: [MessageHandler(typed, title)],
        WHEN: [MessageHandler(typed, start_time)],
        LINK: [MessageHandler(typed, link)],
        CONFIRM: [CallbackQueryHandler(publish, pattern=PUBLISH.pattern), MessageHandler(typed, waiting)],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
    }
    with warnings.catch_warnings():  # per_message=False with buttons is intended: one dialog per chat
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("event", start, filters=NEW_MESSAGES)],
            states=states,
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=CANCEL.pattern),
            ],
            allow_reentry=True,
            conversation_timeout=timeout,
            name="event",
        )


COMMAND = Command("event", start, role="manager")  # declared here, listed in bot.handlers.events


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The dialog, ahead of everything else (group -2)."""
    application.add_handler(dialog(), group=-2)
