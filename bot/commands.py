"""Each command declared once: its handler, who may use it, and from that its menu entry and help line
(the texts are the catalogue's `cmd.<name>` and, with arguments, `args.<name>`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand
from telegram.ext import BaseHandler, CommandHandler, filters

from knowledge.access import ROLE_RANK
from knowledge.catalogue import TEXTS, text
from knowledge.models import Language, Role

# Edited messages are not answered again.
NEW_MESSAGES = filters.UpdateType.MESSAGE


@dataclass(frozen=True)
class Command:
    """A bot command: `/name` runs `callback`; `role` is the least role that sees it in /help and the
    menu (privileged handlers also check the role on the server side)."""

    name: str
    callback: Any
    role: Role = "member"

    def handler(self) -> BaseHandler[Any, Any, Any]:
        """The CommandHandler for new messages."""
        return CommandHandler(self.name, self.callback, filters=NEW_MESSAGES)

    def help_line(self, language: Language) -> str:
        """`• /name ARGS – description`."""
        args = f" {text(language, f'args.{self.name}')}" if f"args.{self.name}" in TEXTS else ""
        return f"• /{self.name}{args} – {text(language, f'cmd.{self.name}')}"


def menu(commands: Iterable[Command], language: Language) -> list[BotCommand]:
    """The command menu for setMyCommands: what every member may use."""
    return [BotCommand(c.name, text(language, f"cmd.{c.name}")) for c in commands if c.role == "member"]


def help_text(commands: Iterable[Command], language: Language, role: Role) -> str:
    """The /help text: the commands this role may use."""
    lines = [c.help_line(language) for c in commands if ROLE_RANK[c.role] <= ROLE_RANK[role]]
    return "\n".join([text(language, "help_intro"), *lines, "", text(language, "help_outro")])
