"""Members-only access: /request_access for users, /approve and /deny for admins."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.commands import Command
from bot.context import Caller, Outcome, caller, privileged
from bot.render import escape
from bot.users import ui_language
from knowledge import access
from knowledge.access import MEMBER_ID_LIMIT, InvalidMemberIdError
from knowledge.catalogue import text

logger = logging.getLogger(__name__)

_REQUEST_NUMBER = re.compile(r"#?([1-9][0-9]{0,17})", re.ASCII)


async def request_access(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask the admins for access (members-only policy); the request is stored and forwarded."""
    who = await caller(update, context)
    if who is None:
        return
    note = " ".join(context.args or []).strip()
    if not note:
        await who.say("request_access_usage")
        return
    request_id, new = await access.request_access(who.svc.store, who.user.id, note)
    await who.say("request_access_done" if new else "request_pending", id=request_id)
    if new:
        handle = f"@{who.user.username}, " if who.user.username else ""
        sender = f"{who.user.full_name} ({handle}id {who.user.id})"
        for admin_id in sorted(who.svc.settings.admin_ids):
            admin = await who.svc.store.users.get(admin_id)
            forward = text(ui_language(admin), "request_access_admin", id=request_id, user=sender, text=note)
            try:
                await context.bot.send_message(admin_id, escape(forward))
            except TelegramError:
                logger.warning("could not forward access request %s to admin %s", request_id, admin_id)


@privileged("approve")
async def approve(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /approve NO [MEMBER-ID] lets the author of access request NO in."""
    return await _decide(who, context, grant=True)


@privileged("deny")
async def deny(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /deny NO turns access request NO down."""
    return await _decide(who, context, grant=False)


async def _decide(who: Caller, context: ContextTypes.DEFAULT_TYPE, grant: bool) -> Outcome:
    args = context.args or []
    number = _REQUEST_NUMBER.fullmatch(args[0]) if args else None
    if number is None or len(args) > (2 if grant else 1):
        await who.say("decide_usage")
        return "failed", "usage"
    request_id = int(number.group(1))
    try:
        request = await access.decide_access(
            who.svc.store, request_id, grant, args[1] if len(args) > 1 else None
        )
    except InvalidMemberIdError:
        await who.say("member_id_invalid", limit=MEMBER_ID_LIMIT)
        return "failed", "invalid member id"
    if request is None:
        await who.say("request_unknown", id=request_id)
        return "failed", f"no open request {request_id}"
    who.svc.users.forget(request.user_id)
    requester = await who.svc.store.users.get(request.user_id)
    name = (requester.first_name or requester.username if requester else None) or str(request.user_id)
    await who.say("request_granted" if grant else "request_denied", id=request_id, user=name)
    try:
        told = text(ui_language(requester), "access_granted" if grant else "access_denied")
        await context.bot.send_message(request.user_id, escape(told))
    except TelegramError:
        logger.warning("could not tell user %s about access request %s", request.user_id, request_id)
    return "ok", f"request {request_id} {'approved' if grant else 'denied'} (user {request.user_id})"


COMMANDS = (
    Command("request_access", request_access),
    Command("approve", approve, role="admin"),
    Command("deny", deny, role="admin"),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Nothing besides the commands."""
