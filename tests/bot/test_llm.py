"""With an LLM (the fake OpenAI server): the reply streams by editing one message; long answers split."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.render import MESSAGE_LIMIT
from knowledge.assistant import Assistant
from tests.bot.conftest import ALICE, BotHarness, bot_settings
from tests.fakes.openai_server import FakeOpenAI, Message, parse_passages
from tests.fakes.telegram_server import parse_html

PARAGRAPH = (
    "Der Cross-Cluster Space verbindet die Hamburger Cluster <Luftfahrt & Logistik> miteinander; "
    "Projekte entstehen dort, wo Branchen sich treffen [1]. "
)


def long_answer(messages: list[Message]) -> str:
    """About 10,000 characters in paragraphs, with markup-like characters and citations."""
    user = messages[-1]["content"] if isinstance(messages[-1]["content"], str) else ""
    assert parse_passages(user), "the LLM must be given the retrieved passages"
    paragraphs = [f"Absatz {i}: " + PARAGRAPH * 4 for i in range(1, 21)]
    return "\n\n".join(paragraphs) + " Siehe auch [2]."


@pytest.fixture
async def llm_openai() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(responder=long_answer) as server:
        yield server


@pytest.fixture
def llm_settings(harness: BotHarness, llm_openai: FakeOpenAI) -> Any:
    return bot_settings(
        harness.settings,
        harness.fake,
        openai_base_url=llm_openai.base_url,
        openai_api_key="sk-test",
        openai_chat_model="fake-chat",
        clusterbridge_embeddings="local",  # the sample index was built with the local model
    )


async def test_long_llm_answer_streams_then_splits_cleanly(harness: BotHarness, llm_settings: Any) -> None:
    assistant = Assistant.from_settings(llm_settings)
    assert assistant.llm_enabled
    store = await harness.open_store()
    await harness.start(settings=llm_settings, assistant=assistant, store=store, stream_interval=0.05)

    calls = await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    first = calls[0]
    assert first.method == "sendMessage" and first.params["text"].endswith(" …")  # the streamed preview
    edits = [c for c in calls if c.method == "editMessageText"]
    assert edits and all(int(e.params["message_id"]) == first.result["message_id"] for e in edits)

    final_edit = edits[-1]
    rest = [c for c in calls if c.method == "sendMessage" and c is not first]
    parts = [final_edit, *rest]
    assert len(parts) >= 3  # ~10,000 characters of escaped text need at least three messages
    for part in parts:
        html = part.params["text"]
        assert len(html) <= MESSAGE_LIMIT
        shown = parse_html(html)  # each part is valid on its own: no tag or entity cut in two
        assert shown == shown.strip()
    assert "reply_markup" in parts[-1].params and all("reply_markup" not in p.params for p in rest[:-1])
    assert "&lt;Luftfahrt &amp; Logistik&gt;" in final_edit.params["text"]
    assert "<b>Quellen</b>" in parts[-1].params["text"]
    # paragraphs stay whole: every message ends where a paragraph (or the sources block) ends
    for part in parts[:-1]:
        assert parse_html(part.params["text"]).endswith("[1].")

    saved = await store.answers.get(
        int(parts[-1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
    )
    assert saved is not None and saved.mode == "llm" and len(saved.answer) > 9000


async def test_streaming_updates_the_preview_at_most_once_per_interval(
    harness: BotHarness, llm_settings: Any
) -> None:
    assistant = Assistant.from_settings(llm_settings)
    await harness.start(settings=llm_settings, assistant=assistant)  # the default interval: 1 s
    calls = await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    previews = [c for c in calls if c.params["text"].endswith(" …")]
    assert previews[0] is calls[0] and previews[0].method == "sendMessage"
    times = [c.at for c in previews]
    assert all(later - earlier >= 0.8 for earlier, later in itertools.pairwise(times))
    assert len(previews) <= 1 + (calls[-1].at - calls[0].at)
