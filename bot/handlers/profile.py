"""/profile: members see their own profile and edit expertise, offers, needs, languages and consent
in a short guided dialog (a ConversationHandler kept in memory: a restart or 5 minutes end it).

The dialog runs in handler group -1, before the commands and the question handler: every step ends
with ApplicationHandlerStop, so a value typed in the dialog is never also answered as a question and
/cancel reaches the dialog whatever else declares it.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, NoReturn

from pydantic import ValidationError
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
from bot.context import Caller, caller
from bot.introductions import cluster_name
from bot.render import escape
from knowledge.catalogue import text
from knowledge.models import Language
from knowledge.profiles import MAX_TEXT, MemberProfile

logger = logging.getLogger(__name__)

FIELDS = ("expertise", "offers", "needs", "languages", "consent_contact")
TEXT_FIELDS = FIELDS[:3]
LANGUAGE_CHOICES: tuple[tuple[str, ...], ...] = (("de", "en"), ("de",), ("en",))
PICK = callbacks.register("prof", 1)  # field index
CHOOSE = callbacks.register("profset", 2)  # field index, option index
CANCEL = callbacks.register("profcancel", 1)  # always 0 (a kind without fields has no pattern that matches)
FIELD_KEY = "profile_field"
TYPING, CHOOSING = range(2)
TIMEOUT_SECONDS = 300


def card(profile: MemberProfile, language: Language) -> str:
    """The member's own profile as plain text (never the email)."""
    empty = text(language, "profile.empty")
    names = {"de": text(language, "profile.lang_de"), "en": text(language, "profile.lang_en")}
    return text(
        language,
        "profile.card",
        name=profile.name,
        organization=profile.organization or empty,
        cluster=cluster_name(profile.cluster),
        expertise="; ".join(profile.expertise) or empty,
        offers=profile.offers or empty,
        needs=profile.needs or empty,
        languages=", ".join(names[code] for code in profile.languages) or empty,
        consent=text(language, "profile.consent_yes" if profile.consent_contact else "profile.consent_no"),
    )


def field_buttons(language: Language) -> InlineKeyboardMarkup:
    """One button per editable field, two in a row."""
    buttons = [
        InlineKeyboardButton(text(language, f"profile.field.{name}"), callback_data=PICK.data(i))
        for i, name in enumerate(FIELDS)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows)


def _cancel_button(language: Language) -> InlineKeyboardButton:
    return InlineKeyboardButton(text(language, "profile.cancel"), callback_data=CANCEL.data(0))


def _stop(state: object) -> NoReturn:
    """End this update's handling here (no question answer, no other group) and go to `state`."""
    raise ApplicationHandlerStop(state)


async def _own_profile(who: Caller) -> MemberProfile | None:
    return await who.svc.store.profiles.get(who.record.member_id) if who.record.member_id else None


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the member's own profile with a button for each field they may change."""
    who = await caller(update, context, fresh=True)
    if who is None:
        return
    if who.message.chat.type != ChatType.PRIVATE:
        await who.say("contacts.private_only")
        return
    own = await _own_profile(who)
    if own is None:
        await who.say("profile.none")
        return
    await who.message.reply_text(escape(card(own, who.lang)), reply_markup=field_buttons(who.lang))


async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """A field button: ask for the new text, or offer the choices for languages and consent."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    values = PICK.parse(query.data if query else None)
    if query is None or who is None or values is None or not 0 <= values[0] < len(FIELDS):
        _stop(ConversationHandler.END)
    await query.answer()
    own = await _own_profile(who)
    if own is None:
        await who.say("profile.gone")
        _stop(ConversationHandler.END)
    field = FIELDS[values[0]]
    context.user_data[FIELD_KEY] = field  # type: ignore[index]
    if field in TEXT_FIELDS:
        current = "; ".join(own.expertise) if field == "expertise" else getattr(own, field)
        name = text(who.lang, f"profile.field.{field}")
        said = text(
            who.lang, "profile.ask_text", field=name, current=current or text(who.lang, "profile.empty")
        )
        await who.message.reply_text(
            escape(said), reply_markup=InlineKeyboardMarkup([[_cancel_button(who.lang)]])
        )
        _stop(TYPING)
    keys: tuple[str, ...] = ("profile.lang_both", "profile.lang_de", "profile.lang_en")
    if field == "consent_contact":
        keys = ("profile.consent_on", "profile.consent_off")
    options = [
        InlineKeyboardButton(text(who.lang, k), callback_data=CHOOSE.data(values[0], i))
        for i, k in enumerate(keys)
    ]
    ask = "profile.ask_consent" if field == "consent_contact" else "profile.ask_languages"
    markup = InlineKeyboardMarkup([options, [_cancel_button(who.lang)]])
    await who.message.reply_text(escape(text(who.lang, ask)), reply_markup=markup)
    _stop(CHOOSING)


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """The new text for expertise, offers or needs: saved and re-indexed at once."""
    who = await caller(update, context)
    field = (context.user_data or {}).get(FIELD_KEY)
    if who is None or field not in TEXT_FIELDS or who.message.text is None:
        _stop(ConversationHandler.END)
    value = " ".join(who.message.text.split())
    if len(value) > MAX_TEXT:
        await who.say("profile.too_long", length=len(value), limit=MAX_TEXT)
        _stop(TYPING)
    edited: object = (
        [part.strip() for part in value.split(";") if part.strip()] if field == "expertise" else value
    )
    await _save(who, field, edited)
    _stop(ConversationHandler.END)


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """A languages or consent button: saved and re-indexed at once."""
    query, who = update.callback_query, await caller(update, context, fresh=True)
    values = CHOOSE.parse(query.data if query else None)
    if query is None or who is None or values is None:
        _stop(ConversationHandler.END)
    await query.answer()
    field, option = FIELDS[values[0]] if 0 <= values[0] < len(FIELDS) else "", values[1]
    if field == "languages" and 0 <= option < len(LANGUAGE_CHOICES):
        await _save(who, field, list(LANGUAGE_CHOICES[option]))
    elif field == "consent_contact" and option in (0, 1):
        await _save(who, field, option == 0)
    else:
        await who.say("stale_button")
    _stop(ConversationHandler.END)


async def _save(who: Caller, field: str, value: object) -> None:
    """Edit one field through the ContactDesk (state and index), then show the profile again."""
    if not who.record.member_id:
        await who.say("profile.gone")
        return
    try:
        async with who.svc.writing():
            updated = await who.svc.contacts.edit(who.record.member_id, **{field: value})
    except ValidationError:
        await who.say("profile.too_long", length=len(str(value)), limit=MAX_TEXT)
        return
    if updated is None:
        await who.say("profile.gone")
        return
    logger.info("member %s edited %s", who.record.member_id, field)
    said = text(who.lang, "profile.saved") + "\n\n" + card(updated, who.lang)
    await who.message.reply_text(escape(said), reply_markup=field_buttons(who.lang))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> NoReturn:
    """/cancel or the Cancel button: leave the dialog, nothing changed."""
    who = await caller(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    if who is not None:
        await who.say("profile.cancelled")
    _stop(ConversationHandler.END)


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The dialog timed out: say so."""
    if isinstance(update, Update):
        who = await caller(update, context)
        if who is not None:
            await who.say("profile.timeout")


def dialog() -> ConversationHandler[Any]:
    """The /profile edit dialog: a field button, then a text or a choice; cancel and timeout."""
    with warnings.catch_warnings():  # per_message=False with buttons is intended: one dialog per chat
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(pick, pattern=PICK.pattern)],
            states={
                TYPING: [MessageHandler(NEW_MESSAGES & filters.TEXT & ~filters.COMMAND, typed)],
                CHOOSING: [CallbackQueryHandler(chosen, pattern=CHOOSE.pattern)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=CANCEL.pattern),
                CallbackQueryHandler(pick, pattern=PICK.pattern),
            ],
            conversation_timeout=TIMEOUT_SECONDS,
            name="profile",
        )


COMMANDS = (Command("profile", profile),)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The edit dialog, ahead of everything else (group -1)."""
    application.add_handler(dialog(), group=-1)
