"""The bot's handlers by feature; `register_all` composes them in one place.

A feature module declares `COMMANDS` (each `bot.commands.Command` once: handler, role; the menu
and /help follow from it) and `register(application)` for its other handlers (buttons with
`pattern=` routes, messages, dialogs). `fallback` comes last: it catches what no feature took.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.commands import Command
from bot.handlers import access, admin, basics, broadcasts, contacts, events, fallback, ops, profile, qa

FEATURES = (basics, qa, access, admin, ops, events, broadcasts, contacts, profile)


def all_commands() -> tuple[Command, ...]:
    """Every command, in menu and help order."""
    return tuple(command for feature in FEATURES for command in feature.COMMANDS)


def register_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add every feature's commands and handlers, then the fallbacks and the error handler."""
    commands = all_commands()
    application.bot_data[basics.COMMANDS_KEY] = commands
    for command in commands:
        application.add_handler(command.handler())
    for feature in FEATURES:
        feature.register(application)
    fallback.register(application)
