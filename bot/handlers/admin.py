"""/stats for admins."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.commands import Command
from bot.context import privileged_caller
from knowledge.state import StateStore


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins only: users, feedback and open access requests."""
    who = await privileged_caller(update, context, "stats")
    if who is not None:
        await who.say("stats", **await figures(who.svc.store))


async def figures(store: StateStore) -> dict[str, object]:
    """Numbers for /stats: users, 👍, 👎 and open access requests (with their numbers)."""
    feedback = await store.answers.feedback_summary()
    requests = await store.access.open_requests()
    ids = ", ".join(f"#{r.id}" for r in requests[:20])
    return {
        "users": await store.users.count(),
        "up": feedback["up"],
        "down": feedback["down"],
        "requests": len(requests),
        "request_ids": f" ({ids})" if ids else "",
    }


COMMANDS = (Command("stats", stats, role="admin"),)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Nothing besides the commands."""
