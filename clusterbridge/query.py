"""`clusterbridge search` and `clusterbridge ask`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

from clusterbridge.events import events_answer
from knowledge.assistant import Assistant
from knowledge.catalogue import text
from knowledge.config import MAX_TOP_K, Settings
from knowledge.models import Answer, Hit, SearchResult


def positive_k(value: str) -> int:
    """--k: a whole number from 1 to MAX_TOP_K."""
    try:
        k = int(value)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_TOP_K}, not {value!r}")
    return k


def add_commands(commands: Any) -> None:
    """Register `search` and `ask`."""
    cmd = commands.add_parser("search", help="the best passages for a query")
    cmd.add_argument("query")
    cmd.add_argument("--k", type=positive_k, default=5, help=f"how many passages (1-{MAX_TOP_K})")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_search)

    cmd = commands.add_parser("ask", help="answer a question with sources")
    cmd.add_argument("question")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_ask)


def format_hits(hits: Sequence[Hit]) -> str:
    """Numbered passages with title, source and score, for the terminal."""
    lines = []
    for number, hit in enumerate(hits, 1):
        snippet = " ".join(hit.text.split())[:240]
        lines.append(f"{number}. {hit.title} ({hit.source}, score {hit.score:.4f})\n   {snippet}")
    return "\n".join(lines)


def format_answer(answer: Answer) -> str:
    """An answer with its numbered sources, for the terminal."""
    lines = [answer.answer]
    if answer.sources:
        lines += ["", text(answer.language, "sources") + ":"]
        for number, source in enumerate(answer.sources, 1):
            link = f" <{source.url}>" if source.url else ""
            lines.append(f"[{number}] {source.title} ({source.source}){link}")
    return "\n".join(lines)


def run_search(settings: Settings, args: argparse.Namespace) -> int:
    """Print the best passages."""
    hits = Assistant.from_settings(settings).search(args.query, k=args.k)
    print(SearchResult(hits=hits).model_dump_json() if args.json else format_hits(hits))
    return 0


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Print the answer with its sources."""
    answer = asyncio.run(events_answer(settings, args.question)) or Assistant.from_settings(settings).ask(
        args.question
    )
    print(answer.model_dump_json() if args.json else format_answer(answer))
    return 0
