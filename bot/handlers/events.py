"""/events [TEXT]: upcoming events (by text, cluster or period), each with "Going" (RSVP toggle with
the count) and "Add to calendar" (an .ics file made with icalendar)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.commands import Command
from bot.context import caller
from bot.handlers import event_dialog
from bot.render import escape
from knowledge.catalogue import text
from knowledge.clusters import load_clusters
from knowledge.event_answers import LIMIT, line, select
from knowledge.events import Event, to_ics
from knowledge.models import Language
from knowledge.periods import find_period

GOING = callbacks.register("rsvp", 1)  # the event's number (its id's digest)
CALENDAR = callbacks.register("ics", 1)
CLUSTERS = {cluster.id: cluster.name for cluster in load_clusters()}


def number(event_id: str) -> int:
    """The event id's digest as a button number (60 bits)."""
    return int(event_id.split("-", 1)[1][:15], 16)


def _buttons(event: Event, going: bool, count: int, language: Language) -> InlineKeyboardMarkup:
    label = text(language, "events.going" if going else "events.join", count=count)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=GOING.data(number(event.id))),
                InlineKeyboardButton(
                    text(language, "events.calendar"), callback_data=CALENDAR.data(number(event.id))
                ),
            ]
        ]
    )


async def events(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List upcoming events, filtered by the words, a cluster or a period in TEXT."""
    who = await caller(update, context)
    if who is None:
        return
    now, words = datetime.now(UTC), " ".join(context.args or [])
    period = find_period(words, now) if words else None
    clusters = [
        cid for cid, name in CLUSTERS.items() if cid in words.lower() or name.lower() in words.lower()
    ]
    rest = words.replace(period.words, " ") if period else words
    for cid in clusters:
        rest = rest.replace(cid, " ").replace(CLUSTERS[cid], " ")
    found = select(
        await who.svc.store.events.between(period.start if period else now), rest.strip(), clusters, period
    )
    if not found:
        await who.say("events.none")
        return
    counts = await who.svc.store.events.rsvp_counts([e.id for e in found[:LIMIT]])
    for event in found[:LIMIT]:
        going = who.user.id in await who.svc.store.events.going(event.id)
        markup = _buttons(event, going, counts.get(event.id, 0), who.lang)
        await who.message.reply_text(escape(line(event, who.lang, now)), reply_markup=markup)


async def _event(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Event | None:
    query, who = update.callback_query, await caller(update, context)
    values = (GOING.parse(query.data) or CALENDAR.parse(query.data)) if query else None
    found = await who.svc.store.events.by_number(values[0]) if who and values else None
    if query is not None and found is None and who is not None:
        await query.answer(text(who.lang, "events.gone"))
    return found


async def rsvp(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Going / not going any more; the button shows the new count."""
    query, who, event = update.callback_query, await caller(update, context), await _event(update, context)
    if query is None or who is None or event is None:
        return
    going, count = await who.svc.store.events.toggle_rsvp(event.id, who.user.id)
    await query.answer(text(who.lang, "events.rsvp_on" if going else "events.rsvp_off"))
    await query.edit_message_reply_markup(_buttons(event, going, count, who.lang))


async def calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the event as an .ics file."""
    query, event = update.callback_query, await _event(update, context)
    if query is None or event is None or query.message is None:
        return
    await query.answer()
    document = io.BytesIO(to_ics([event]))
    await context.bot.send_document(query.message.chat.id, document, filename=f"{event.id}.ics")


COMMANDS = (Command("events", events), event_dialog.COMMAND)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The RSVP and calendar buttons, and the /event dialog."""
    event_dialog.register(application)
    application.add_handler(CallbackQueryHandler(rsvp, pattern=GOING.pattern))
    application.add_handler(CallbackQueryHandler(calendar, pattern=CALENDAR.pattern))
