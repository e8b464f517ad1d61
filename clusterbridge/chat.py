"""`clusterbridge chat`: the assistant in the terminal, with follow-up questions."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from clusterbridge.contacts import contacts_answer
from clusterbridge.events import events_answer
from clusterbridge.query import format_answer
from knowledge.assistant import Assistant
from knowledge.catalogue import text
from knowledge.config import Settings
from knowledge.contact_intent import is_contact_request
from knowledge.models import Answer, Language
from knowledge.qa import MemoryHistory, QAService
from knowledge.text import detect_language

THREAD = "terminal"


def add_commands(commands: Any) -> None:
    """Register `chat`."""
    commands.add_parser("chat", help="talk to the assistant in the terminal").set_defaults(
        run=run_chat_command
    )


def run_chat_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the terminal chat until EOF or /quit."""
    return asyncio.run(run_chat(settings))


def _banner(language: Language, llm: bool) -> str:
    mode = text(language, "chat_mode_llm" if llm else "chat_mode_quotes")
    return text(language, "chat_banner", mode=mode)


async def run_chat(settings: Settings) -> int:
    """Read questions from stdin until EOF or /quit; print cited answers."""
    service = QAService(Assistant.from_settings(settings), MemoryHistory())
    language: Language = "de"
    print(_banner(language, service.assistant.llm_enabled))
    while True:
        try:
            question = (await asyncio.to_thread(input, "\n> ")).strip()
        except EOFError:
            print()
            return 0
        if not question:
            continue
        if question in {"/quit", "/exit", "/q"}:
            return 0
        if question == "/reset":
            await service.reset(THREAD)
            print(text(language, "reset_done"))
            continue
        language = detect_language(question)
        if question.startswith("/contacts") or is_contact_request(question):  # people, not documents
            suggestions = await contacts_answer(settings, question, language)
            if suggestions is not None:
                print(suggestions)
                continue
        answer: Answer | None = await events_answer(settings, question, language)
        if answer is not None:  # event questions: from the events themselves
            print(format_answer(answer))
            continue
        streamed = False
        async for part in service.stream(THREAD, question):
            if isinstance(part, Answer):
                answer = part
            else:
                print(part, end="", flush=True)
                streamed = True
        if answer is None:
            continue
        language = answer.language
        if streamed and answer.mode == "llm" and not answer.abstained:
            print("\n" + format_answer(answer.model_copy(update={"answer": ""})).lstrip("\n"))
        else:
            if streamed:
                print()
            print(format_answer(answer))
