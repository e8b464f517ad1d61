"""Contacts in Telegram, below the handlers: suggestions with their buttons, introductions by double
opt-in (who is told what, in whose language), linking an account on /start, and the expiry job.

The "Request introduction" button carries `(list serial, index)`: the suggestion lists a user was
shown are kept in memory here (a few per user, `SuggestionMemory`), and the pending introduction row
is created only when the button is pressed. Member ids are strings and need not fit a button; a list
serial is the millisecond it was made, so a button from before a restart finds nothing and is
answered politely ("ask again") instead of meaning someone else. Accept/Decline buttons carry the
introduction's id: that flow spans two users and days, so it lives in the database.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, User
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import callbacks
from bot.context import service
from bot.render import escape
from bot.service import BotService
from bot.users import ui_language
from knowledge.catalogue import text
from knowledge.clusters import DEFAULT_CLUSTERS
from knowledge.contact_desk import Decision
from knowledge.contact_intent import request_topic
from knowledge.contacts import Suggestions, UnknownMemberError, scrub
from knowledge.event_publishing import ensure_own_cluster_subscription
from knowledge.models import Language
from knowledge.profiles import MemberProfile
from knowledge.state import UserRecord

logger = logging.getLogger(__name__)

REQUEST = callbacks.register("intro", 2)  # suggestion list serial, index in it
DECIDE = callbacks.register("introdec", 2)  # introduction id, 1 accept / 0 decline
SHOWN = 5
WHY_CHARS = 300
WhyKind = Literal["request", "needs", "offers"]


@dataclass(frozen=True)
class Offered:
    """A suggestion as the asker saw it: whom, and what the request is about."""

    member_id: str
    name: str
    why_kind: WhyKind
    why: str


class SuggestionMemory:
    """The last few suggestion lists shown to each user, in memory (a restart forgets them)."""

    def __init__(self, per_user: int = 3, users: int = 10_000) -> None:
        self.per_user = per_user
        self.users = users
        self._lists: OrderedDict[int, OrderedDict[int, list[Offered]]] = OrderedDict()
        self._last = 0

    def keep(self, user_id: int, offered: list[Offered]) -> int:
        """Remember a list shown to `user_id`; its serial (milliseconds, unique in this process)."""
        self._last = max(self._last + 1, time.time_ns() // 1_000_000)
        lists = self._lists.pop(user_id, OrderedDict())
        lists[self._last] = offered
        while len(lists) > self.per_user:
            lists.popitem(last=False)
        self._lists[user_id] = lists
        while len(self._lists) > self.users:
            self._lists.popitem(last=False)
        return self._last

    def get(self, user_id: int, serial: int, index: int) -> Offered | None:
        """The suggestion behind a button, or None when this process did not show it to this user."""
        lists = self._lists.get(user_id)
        offered = lists.get(serial) if lists is not None else None
        return offered[index] if offered is not None and 0 <= index < len(offered) else None


MEMORY = SuggestionMemory()


def cluster_name(cluster: str) -> str:
    """A cluster's display name (its id when it is not one of the defaults)."""
    return next((c.name for c in DEFAULT_CLUSTERS if c.id == cluster), cluster)


def _short(value: str, limit: int = WHY_CHARS) -> str:
    value = " ".join(scrub(value).split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


async def link_profile(svc: BotService, user: User, record: UserRecord) -> UserRecord:
    """Link the account to the profile with its Telegram username and apply the profile's bot role."""
    if record.member_id or not user.username:
        return record
    profile = await svc.store.profiles.by_username(user.username)
    if profile is None:
        return record
    others = [u for u in await svc.store.users.linked_to(profile.id) if u.id != user.id]
    if others:  # a username taken over by someone else must not take over the profile
        logger.warning("profile %s is linked to another account already; not linking %s", profile.id, user.id)
        return record
    async with svc.writing():
        await svc.store.users.link_member(user.id, profile.id)
        if profile.bot_role == "admin" and record.role != "admin":
            await svc.store.users.set_role(user.id, "admin")
        elif profile.bot_role == "manager" and record.role == "member":
            await svc.store.users.set_role(user.id, "manager", profile.cluster)
    svc.users.forget(user.id)
    logger.info("user %s linked to member profile %s", user.id, profile.id)
    linked = await svc.users.get(user, fresh=True)
    async with svc.writing():
        await ensure_own_cluster_subscription(svc.store, linked, always=True)
    return linked


async def find(
    svc: BotService, record: UserRecord, request: str | None, language: Language
) -> tuple[Suggestions | None, str, list[tuple[WhyKind, str]]]:
    """Suggestions for a request in words (or the linked member's profile), else None and the reason
    key to say; with what the request is about, for the introductions."""
    profile = await svc.store.profiles.get(record.member_id) if record.member_id else None
    if request:
        found = await svc.contacts.suggest(
            member_id=profile.id if profile else None,
            query=request,
            cluster=profile.cluster if profile else None,
            k=SHOWN,
            language=language,
        )
        return found, "", [("request", _short(request_topic(request)))]
    if profile is None:
        return None, "contacts.no_profile", []
    why: list[tuple[WhyKind, str]] = [(k, _short(getattr(profile, k))) for k in ("needs", "offers")]
    why = [(kind, value) for kind, value in why if value]
    if not why:
        return None, "contacts.empty_profile", []
    try:
        found = await svc.contacts.suggest(member_id=profile.id, k=SHOWN, language=language)
    except UnknownMemberError:
        return None, "contacts.empty_profile", []
    return found, "", why


async def send_suggestions(
    svc: BotService,
    bot: Bot,
    chat_id: int,
    record: UserRecord,
    request: str | None,
    language: Language,
    reply: ReplyParameters | None = None,
    *,
    quiet_when_none: bool = False,
) -> bool:
    """Find and send up to five suggestions with a "Request introduction" button each; False when
    there were none (and, with `quiet_when_none`, nothing was sent: the caller answers otherwise)."""
    found, problem, why = await find(svc, record, request, language)
    if found is None or not found.suggestions:
        if not quiet_when_none:
            key = problem or "contacts.none"
            await bot.send_message(chat_id, escape(text(language, key)), reply_parameters=reply)
        return False
    kind, about = why[0]
    offered = [Offered(s.member_id, s.name, kind, about) for s in found.suggestions]
    serial = MEMORY.keep(record.id, offered)
    lines = [escape(text(language, "contacts.found"))]
    buttons = []
    for number, s in enumerate(found.suggestions, 1):
        where = ", ".join(part for part in (s.organization, cluster_name(s.cluster)) if part)
        lines.append(f"{number}. <b>{escape(s.name)}</b> – {escape(where)}\n{escape(scrub(s.reason))}")
        label = text(language, "contacts.request_button", name=s.name[:40])
        buttons.append([InlineKeyboardButton(label, callback_data=REQUEST.data(serial, number - 1))])
    lines.append(escape(text(language, "contacts.outro")))
    await bot.send_message(
        chat_id, "\n\n".join(lines), reply_markup=InlineKeyboardMarkup(buttons), reply_parameters=reply
    )
    return True


async def answer_request(
    svc: BotService, bot: Bot, message: Message, record: UserRecord, question: str, language: Language
) -> bool:
    """A chat message that asks for people: suggestions instead of document quotes; False when no
    one fits (then nothing was sent, and the documents answer)."""
    return await send_suggestions(svc, bot, message.chat.id, record, question, language, quiet_when_none=True)


def handle(user: UserRecord | None, language: Language) -> str:
    """How to reach a user, as Telegram HTML: @username, else a link to their account."""
    if user is None:
        return escape(text(language, "intro.no_handle", name="?"))
    if user.username:
        return escape(f"@{user.username}")
    name = escape(user.first_name or str(user.id))
    return f'<a href="tg://user?id={user.id}">{name}</a>'


async def introduce(
    svc: BotService, bot: Bot, requester: UserRecord, offered: Offered, language: Language
) -> str:
    """Ask for an introduction to `offered`; tells the member (or their managers); the asker's reply."""
    async with svc.writing():
        result = await svc.contacts.request_introduction(requester, offered.member_id, offered.why)
    target = result.target
    name = target.name if target else offered.name
    cluster = cluster_name(target.cluster) if target else ""
    if result.outcome not in ("sent", "via_manager") or target is None or result.introduction_id is None:
        limit = svc.settings.clusterbridge_intro_daily_limit
        return text(language, f"intro.{result.outcome}", name=name, cluster=cluster, limit=limit)
    own = await svc.store.profiles.get(requester.member_id) if requester.member_id else None
    for recipient in result.recipients:
        lang = ui_language(recipient)
        asker = _asker(own, requester, lang)
        why = text(lang, f"intro.why_{offered.why_kind}", text=offered.why)
        if result.outcome == "sent":
            said = text(lang, "intro.request", asker=asker, why=why)
        else:
            said = text(lang, "intro.request_manager", asker=asker, why=why, name=name, cluster=cluster)
        await _tell(bot, recipient.id, escape(said), _decide_keyboard(result.introduction_id, lang))
    return text(language, f"intro.{result.outcome}", name=name, cluster=cluster)


def _asker(profile: MemberProfile | None, user: UserRecord, language: Language) -> str:
    """Who asks: name, organisation and cluster (never a handle or an email before acceptance)."""
    if profile is None:
        return f"{user.first_name or '?'} ({text(language, 'intro.no_profile')})"
    where = ", ".join(part for part in (profile.organization, cluster_name(profile.cluster)) if part)
    return f"{profile.name} ({where})" if where else profile.name


def _decide_keyboard(introduction_id: int, language: Language) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    text(language, "intro.accept"), callback_data=DECIDE.data(introduction_id, 1)
                ),
                InlineKeyboardButton(
                    text(language, "intro.decline"), callback_data=DECIDE.data(introduction_id, 0)
                ),
            ]
        ]
    )


async def _tell(bot: Bot, chat_id: int, html: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send a message to a user; False (logged) when it cannot be delivered."""
    try:
        await bot.send_message(chat_id, html, reply_markup=markup)
        return True
    except TelegramError as exc:
        logger.warning("could not reach user %s: %s", chat_id, exc)
        return False


def _with_contact(language: Language, key: str, contact_html: str, **values: object) -> str:
    """A catalogue text, escaped, with `{contact}` filled in as Telegram HTML."""
    return escape(text(language, key, contact="\x00", **values)).replace("\x00", contact_html)


async def tell_decision(svc: BotService, bot: Bot, decision: Decision, decider: UserRecord) -> str:
    """Tell the asker (handle on accept, nothing on decline); the decider's reply as Telegram HTML."""
    intro, requester, target = decision.introduction, decision.requester, decision.target
    accepted = intro.status == "accepted"
    own = await svc.store.profiles.get(requester.member_id) if requester and requester.member_id else None
    name = target.name if target else "?"
    cluster = cluster_name(target.cluster) if target else ""
    if requester is not None:
        lang = ui_language(requester)
        if not accepted:
            said = escape(text(lang, "intro.declined_asker", name=name))
        elif intro.via_manager:
            said = _with_contact(
                lang, "intro.accepted_asker_manager", handle(decider, lang), name=name, cluster=cluster
            )
        else:
            said = _with_contact(lang, "intro.accepted_asker", handle(decider, lang), name=name)
        await _tell(bot, requester.id, said)
    lang = ui_language(decider)
    asker = _asker(own, requester, lang) if requester is not None else "?"
    if accepted:
        return _with_contact(lang, "intro.accepted_target", handle(requester, lang), asker=asker)
    return escape(text(lang, "intro.declined_target", asker=asker))


async def expire_introductions(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: expire introduction requests older than CLUSTERBRIDGE_INTRO_EXPIRY_DAYS."""
    svc = service(context)
    async with svc.writing():
        expired = await svc.contacts.expire()
    if expired:
        logger.info("%s introduction requests expired", expired)
