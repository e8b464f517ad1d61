"""Admin commands: /stats, /grant and /revoke (roles), /audit (the log of privileged actions)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.commands import Command
from bot.context import Caller, Outcome, privileged
from bot.render import escape
from bot.users import ui_language
from knowledge.catalogue import text
from knowledge.roles import RoleChange, RoleRefusal, change_role, parse_grant
from knowledge.stats import IndexLike, gather, render

logger = logging.getLogger(__name__)
AUDIT_DEFAULT, AUDIT_MAX = 10, 50


def _index(who: Caller) -> IndexLike | None:
    retriever = getattr(who.svc.assistant, "retriever", None)
    return getattr(retriever, "index", None)


@privileged("stats")
async def stats(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: members, subscribers, index, questions, abstentions, feedback, ingestion, broadcasts."""
    figures = await gather(who.svc.store, _index(who))
    await who.message.reply_text(escape(render(figures, who.lang)))
    return "ok", f"{figures.users} users, {figures.questions_last_week} questions in 7 days"


@privileged("grant")
async def grant(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /grant @name|ID manager CLUSTER, or /grant @name|ID admin."""
    try:
        handle, role, cluster = parse_grant(context.args or [])
        change = await change_role(who.svc.store, who.svc.settings, who.user.id, handle, role, cluster)
    except RoleRefusal as refusal:
        await who.say(refusal.key, **refusal.values)
        return "failed", refusal.key
    await _announce(who, context, change, "granted_manager" if role == "manager" else "granted_admin")
    return "ok", f"{change.name}: {change.previous} -> {role} {cluster or ''}".strip()


@privileged("revoke")
async def revoke(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /revoke @name|ID makes the user a member again."""
    args = context.args or []
    try:
        if len(args) != 1:
            raise RoleRefusal("grant_usage")
        change = await change_role(who.svc.store, who.svc.settings, who.user.id, args[0], "member")
    except RoleRefusal as refusal:
        await who.say(refusal.key, **refusal.values)
        return "failed", refusal.key
    await _announce(who, context, change, "revoked")
    return "ok", f"{change.name}: {change.previous} -> member"


async def _announce(who: Caller, context: ContextTypes.DEFAULT_TYPE, change: RoleChange, key: str) -> None:
    """Confirm to the admin, forget the cached record, tell the user their new role."""
    who.svc.users.forget(change.user.id)
    await who.say(key, user=change.name, cluster=change.cluster or "", previous=change.previous)
    told = text(ui_language(change.user), f"told_{change.role}", cluster=change.cluster or "")
    try:
        await context.bot.send_message(change.user.id, escape(told))
    except TelegramError:
        logger.warning("could not tell user %s about their new role", change.user.id)


@privileged("audit")
async def audit(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /audit [N] shows the newest N entries of the audit log."""
    args = context.args or []
    if len(args) > 1 or (args and not (args[0].isdigit() and 1 <= int(args[0]) <= AUDIT_MAX)):
        await who.say("audit_usage")
        return "failed", "usage"
    entries = await who.svc.store.audit.recent(int(args[0]) if args else AUDIT_DEFAULT)
    lines = [
        f"{e.at:%Y-%m-%d %H:%M} {e.actor} /{e.action} {e.args[:80]} → {e.result}"
        + (f" ({e.detail})" if e.detail else "")
        for e in entries
    ]
    header = text(who.lang, "audit_header", n=len(lines)) if lines else text(who.lang, "audit_empty")
    await who.message.reply_text(escape("\n".join([header, *lines])))
    return "ok", f"{len(lines)} entries"


COMMANDS = (
    Command("stats", stats, role="admin"),
    Command("grant", grant, role="admin"),
    Command("revoke", revoke, role="admin"),
    Command("audit", audit, role="admin"),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Nothing besides the commands."""
