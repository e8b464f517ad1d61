"""`clusterbridge chat`: the assistant in the terminal, with follow-up questions."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from clusterbridge.contacts import contacts_answer
from clusterbridge.events import events_answer
from clusterbridge.query import format_answer
from knowledge.assistant import Assistant
from knowledge.catalogue import text
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.contact_intent import is_contact_request
from knowledge.contacts import ProfileIndex
from knowledge.errors import ClusterBridgeError
from knowledge.event_answers import is_event_question
from knowledge.models import Answer, Language
from knowledge.qa import MemoryHistory, QAService
from knowledge.state import StateStore
from knowledge.text import detect_language

THREAD = "terminal"
log = logging.getLogger(__name__)


def add_commands(commands: Any) -> None:
    """Register `chat`."""
    commands.add_parser("chat", help="talk to the assistant in the terminal").set_defaults(
        run=run_chat_command
    )


def run_chat_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the terminal chat until EOF or /quit."""
    return asyncio.run(run_chat(settings))


class ChatState:
    """The chat's state database and contact desk, opened on first use and kept for the session
    (None while they cannot be opened: then each answer says so in the log and the documents answer)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: StateStore | None = None
        self.desk: ContactDesk | None = None

    async def open_store(self) -> StateStore | None:
        """The open store, opening it on first use."""
        if self.store is None:
            try:
                self.store = await StateStore.for_settings(self.settings)
            except ClusterBridgeError as exc:
                log.warning("state database not available (%s)", exc)
        return self.store

    async def contact_desk(self) -> ContactDesk | None:
        """The contact desk on the open store, made on first use."""
        store = await self.open_store()
        if self.desk is None and store is not None:
            try:
                self.desk = ContactDesk(self.settings, store, ProfileIndex.from_settings(self.settings))
            except ClusterBridgeError as exc:
                log.warning("member profiles not available (%s)", exc)
        return self.desk

    async def close(self) -> None:
        """Close the store."""
        if self.store is not None:
            await self.store.close()


def _banner(language: Language, llm: bool) -> str:
    mode = text(language, "chat_mode_llm" if llm else "chat_mode_quotes")
    return text(language, "chat_banner", mode=mode)


async def run_chat(settings: Settings) -> int:
    """Read questions from stdin until EOF or /quit; print cited answers."""
    service = QAService(Assistant.from_settings(settings), MemoryHistory())
    state = ChatState(settings)
    try:
        return await _chat(settings, service, state)
    finally:
        await state.close()


async def _chat(settings: Settings, service: QAService, state: ChatState) -> int:
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
            suggestions = await contacts_answer(await state.contact_desk(), question, language)
            if suggestions is not None:
                print(suggestions)
                continue
        answer: Answer | None = None
        if is_event_question(question) and (store := await state.open_store()) is not None:
            answer = await events_answer(settings, question, language, store)
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
