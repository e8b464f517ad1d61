"""/subscribe and /unsubscribe (buttons per cluster and topic), /announce for managers and admins
(preview with the recipient count, then Send or Cancel; invalid HTML refused)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.commands import Command
from bot.context import caller, privileged_caller
from bot.render import escape
from bot.sender import SENDER_KEY, Sender
from knowledge.access import has_role
from knowledge.broadcasts import Audience, AudienceError, InvalidHtmlError, check_html
from knowledge.catalogue import text
from knowledge.clusters import load_clusters
from knowledge.event_publishing import ensure_own_cluster_subscription

SUBSCRIPTION = callbacks.register("sub", 2)  # (0 cluster | 1 topic, index)
SEND = callbacks.register("bsend", 1)  # draft broadcast id
CANCEL = callbacks.register("bcancel", 1)
CHOICES = load_clusters()
TOPICS = sorted({topic for cluster in CHOICES for topic in cluster.topics})


def _choice(kind: int, index: int) -> tuple[str, str] | None:
    values = [c.id for c in CHOICES] if kind == 0 else TOPICS
    return ("cluster" if kind == 0 else "topic", values[index]) if 0 <= index < len(values) else None


def _keyboard(subscribed: set[tuple[str, str]]) -> InlineKeyboardMarkup:
    def button(kind: int, index: int, label: str) -> InlineKeyboardButton:
        mark = "✅ " if _choice(kind, index) in subscribed else ""
        return InlineKeyboardButton(mark + label, callback_data=SUBSCRIPTION.data(kind, index))

    rows = [[button(0, i, c.name)] for i, c in enumerate(CHOICES)]
    topics = [button(1, i, t) for i, t in enumerate(TOPICS)]
    rows += [topics[i : i + 3] for i in range(0, len(topics), 3)]
    return InlineKeyboardMarkup(rows)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the clusters and topics as toggles (✅ = subscribed)."""
    who = await caller(update, context)
    if who is None:
        return
    async with who.svc.writing():  # a linked member (or a manager) starts with their own cluster
        await ensure_own_cluster_subscription(who.svc.store, who.record)
    mine = await who.svc.store.subscriptions.of_user(who.user.id)
    await who.message.reply_text(escape(text(who.lang, "subscribe.choose")), reply_markup=_keyboard(mine))


async def toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A subscription button: subscribe or unsubscribe, then show the new state."""
    query, who = update.callback_query, await caller(update, context)
    values = SUBSCRIPTION.parse(query.data if query else None)
    choice = _choice(*values) if values else None
    if query is None or who is None or choice is None:
        return
    store = who.svc.store.subscriptions
    mine = await store.of_user(who.user.id)
    await (store.unsubscribe if choice in mine else store.subscribe)(who.user.id, *choice)
    await query.answer(text(who.lang, "subscribe.saved"))
    await query.edit_message_reply_markup(_keyboard(await store.of_user(who.user.id)))


def _audience(args: str, cluster: str | None, admin: bool) -> tuple[Audience | None, str]:
    head, _, rest = args.partition(" ")
    if admin and (head == "all" or head.startswith(("cluster:", "topic:"))):
        return Audience.parse(head), rest.strip()
    return (Audience("cluster", cluster) if cluster and not admin else None), args


async def announce(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Managers: /announce TEXT to their cluster; admins: /announce cluster:ID|topic:T|all TEXT."""
    who = await privileged_caller(update, context, "announce", role="manager")
    if who is None:
        return
    admin = has_role(who.user.id, who.record, who.svc.settings, "admin")
    raw = (who.message.text or "").partition(" ")[2].strip()
    try:
        audience, body = _audience(raw, who.record.role_cluster, admin)
        if audience is None or not body:
            await who.say("announce.usage" if admin or who.record.role_cluster else "announce.no_cluster")
            return
        check_html(body)
    except (InvalidHtmlError, AudienceError) as exc:
        await who.say("announce.invalid_html", reason=getattr(exc, "reason", str(exc)))
        return
    count = len(await audience.recipients(who.svc.store))
    draft = await who.svc.store.outbox.create(
        "announce", str(audience), body, [], created_by=who.user.id, state="draft"
    )
    assert draft is not None
    buttons = [
        InlineKeyboardButton(text(who.lang, "announce.send"), callback_data=SEND.data(draft)),
        InlineKeyboardButton(text(who.lang, "announce.cancel"), callback_data=CANCEL.data(draft)),
    ]
    header = escape(text(who.lang, "announce.preview", audience=str(audience), count=count))
    await who.message.reply_text(f"{header}\n\n{body}", reply_markup=InlineKeyboardMarkup([buttons]))


async def decide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send or Cancel under a preview: queue the broadcast (once) or drop the draft."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    if query is None or who is None or query.message is None:
        return
    values = SEND.parse(query.data) or CANCEL.parse(query.data)
    draft = await who.svc.store.outbox.get(values[0]) if values else None
    if draft is None or draft.created_by != who.user.id:
        await query.answer(text(who.lang, "announce.stale"))
        return
    await query.answer()
    if CANCEL.parse(query.data):
        done = await who.svc.store.outbox.cancel(draft.id)
        await query.edit_message_text(
            escape(text(who.lang, "announce.cancelled" if done else "announce.stale"))
        )
        return
    recipients = await Audience.parse(draft.audience).recipients(who.svc.store)
    progress = (query.message.chat.id, query.message.message_id)
    if await who.svc.store.outbox.release(draft.id, recipients, progress) is None:
        await query.edit_message_text(escape(text(who.lang, "announce.stale")))
        return
    await query.edit_message_text(escape(text(who.lang, "announce.queued", count=len(recipients))))
    sender: Sender = context.application.bot_data[SENDER_KEY]
    sender.kick()


COMMANDS = (
    Command("subscribe", subscribe),
    Command("unsubscribe", subscribe),
    Command("announce", announce, role="manager"),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The subscription toggles and the Send/Cancel buttons."""
    application.add_handler(CallbackQueryHandler(toggle, pattern=SUBSCRIPTION.pattern))
    application.add_handler(CallbackQueryHandler(decide, pattern=SEND.pattern))
    application.add_handler(CallbackQueryHandler(decide, pattern=CANCEL.pattern))
