"""`clusterbridge bot`: run the Telegram bot."""

from __future__ import annotations

import argparse
from typing import Any

from bot.app import run_bot
from knowledge.config import Settings


def add_commands(commands: Any) -> None:
    """Register `bot`."""
    commands.add_parser("bot", help="run the Telegram bot").set_defaults(run=run_bot_command)


def run_bot_command(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    run_bot(settings)
    return 0
