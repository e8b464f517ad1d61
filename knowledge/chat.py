"""`clusterbridge chat`: the assistant in the terminal, with follow-up questions."""

from __future__ import annotations

import asyncio

from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.conversation import ConversationService, MemoryHistory
from knowledge.models import Answer

CONVERSATION = "terminal"
HELP = (
    "Fragen Sie auf Deutsch oder Englisch. /reset vergisst das Gespräch, /quit beendet. "
    "(Ask in German or English.)"
)


async def run_chat(settings: Settings) -> int:
    """Read questions from stdin until EOF or /quit; print cited answers."""
    from knowledge.cli import format_answer

    service = ConversationService(Assistant.from_settings(settings), MemoryHistory())
    mode = "LLM" if service.assistant.llm_enabled else "ohne LLM: Zitate aus den Dokumenten / no LLM: quotes"
    print(f"ClusterBridge chat ({mode}). {HELP}")
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
            await service.reset(CONVERSATION)
            print("Gespräch vergessen. / Conversation cleared.")
            continue
        answer: Answer | None = None
        streamed = False
        async for part in service.stream(CONVERSATION, question):
            if isinstance(part, Answer):
                answer = part
            else:
                print(part, end="", flush=True)
                streamed = True
        if answer is None:
            continue
        if streamed and answer.mode == "llm" and not answer.abstained:
            print("\n" + format_answer(answer.model_copy(update={"answer": ""})).lstrip("\n"))
        else:
            if streamed:
                print()
            print(format_answer(answer))
