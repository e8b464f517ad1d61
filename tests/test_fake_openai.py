"""The fake OpenAI server works through the real `openai` SDK."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest

from tests.fakes.openai_server import NO_ANSWER, FakeOpenAI, default_responder

PROMPT = (
    "Beantworte die Frage nur mit den Passagen. Wenn sie nicht reichen, antworte NO_ANSWER.\n\n"
    "[1] Cross-Cluster Space Hamburg\n"
    "Das Projekt startete im April 2023. Es läuft drei Jahre.\n\n"
    "[2] Clusterpolitik\n"
    "Clusterpolitik ist ein Instrument der Wirtschaftspolitik.\n\n"
    "Frage: Wann startete das Projekt?"
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    """A running fake server."""
    async with FakeOpenAI() as server:
        yield server


def client(fake: FakeOpenAI, max_retries: int = 0, timeout: float = 5.0) -> openai.AsyncOpenAI:
    """A real SDK client pointed at the fake."""
    return openai.AsyncOpenAI(
        base_url=fake.base_url, api_key="test", max_retries=max_retries, timeout=timeout
    )


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors."""
    return sum(x * y for x, y in zip(a, b, strict=True))


async def test_chat_completion(fake: FakeOpenAI) -> None:
    """A non-streaming completion answers with passage [1]'s first sentence."""
    async with client(fake) as c:
        resp = await c.chat.completions.create(model="m", messages=[{"role": "user", "content": PROMPT}])
    assert resp.object == "chat.completion"
    assert resp.id and resp.created and resp.model == "m"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == "Das Projekt startete im April 2023. [1]"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage is not None and resp.usage.total_tokens > 0
    assert fake.requests[0][0] == "/v1/chat/completions"
    assert fake.requests[0][1]["messages"][0]["content"] == PROMPT


async def test_streaming_completion(fake: FakeOpenAI) -> None:
    """A streamed completion arrives as several deltas that reassemble to the full answer."""
    async with client(fake) as c:
        stream = await c.chat.completions.create(
            model="m", messages=[{"role": "user", "content": PROMPT}], stream=True
        )
        chunks = [chunk async for chunk in stream]
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [ch.choices[0].delta.content or "" for ch in chunks if ch.choices]
    assert len([p for p in pieces if p]) > 3
    assert "".join(pieces) == "Das Projekt startete im April 2023. [1]"
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_custom_responder_and_no_answer() -> None:
    """A given responder is used; the default one abstains without passages when told to."""
    seen: list[list[dict[str, Any]]] = []

    def responder(messages: list[dict[str, Any]]) -> str:
        seen.append(messages)
        return "custom"

    async with FakeOpenAI(responder) as fake, client(fake) as c:
        resp = await c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content == "custom"
    assert seen == [[{"role": "user", "content": "hi"}]]
    no_passages = [{"role": "user", "content": "Keine Passagen. Sonst antworte NO_ANSWER.\nFrage: Preis?"}]
    assert default_responder(no_passages) == NO_ANSWER


async def test_embeddings(fake: FakeOpenAI) -> None:
    """Embeddings are deterministic, 64-dimensional, normalised, and similar for shared words."""
    texts = ["Wasserstoff in der Luftfahrt", "Luftfahrt und Wasserstoff", "Franzbrötchen für Fahrer"]
    async with client(fake) as c:
        resp = await c.embeddings.create(model="e", input=texts)
        again = await c.embeddings.create(model="e", input=texts[0])
    vectors = [d.embedding for d in resp.data]
    assert [d.index for d in resp.data] == [0, 1, 2]
    assert all(d.object == "embedding" for d in resp.data)
    assert resp.model == "e" and resp.usage.total_tokens > 0
    assert all(len(v) == 64 and math.isclose(cosine(v, v), 1.0, rel_tol=1e-6) for v in vectors)
    assert again.data[0].embedding == vectors[0]
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])


async def test_models(fake: FakeOpenAI) -> None:
    """GET /v1/models lists models."""
    async with client(fake) as c:
        models = [m.id async for m in c.models.list()]
    assert models


async def test_rate_limit_then_success(fake: FakeOpenAI) -> None:
    """A 429 is retried by the SDK itself and then succeeds."""
    fake.fail_next(429)
    async with client(fake, max_retries=2) as c:
        resp = await c.chat.completions.create(model="m", messages=[{"role": "user", "content": PROMPT}])
    assert resp.choices[0].message.content
    assert len(fake.requests) == 2
    fake.fail_next(429)
    async with aiohttp.ClientSession() as h, h.get(f"{fake.base_url}/models") as raw:
        assert raw.status == 429 and raw.headers["retry-after"] == "0"
        assert (await raw.json())["error"]["code"] == "rate_limit_exceeded"


async def test_server_error_exhausts_retries(fake: FakeOpenAI) -> None:
    """Persistent 500s raise InternalServerError once the retries are used up."""
    fake.fail_next(500, times=5)
    async with client(fake, max_retries=1) as c:
        with pytest.raises(openai.InternalServerError) as info:
            await c.embeddings.create(model="e", input="x")
    assert info.value.status_code == 500
    assert len(fake.requests) == 2


async def test_delay_causes_timeout(fake: FakeOpenAI) -> None:
    """A delay longer than the client timeout raises APITimeoutError."""
    fake.delay_next(3.0)
    async with client(fake, timeout=0.2) as c:
        with pytest.raises(openai.APITimeoutError):
            await c.chat.completions.create(model="m", messages=[{"role": "user", "content": PROMPT}])
        resp = await c.chat.completions.create(model="m", messages=[{"role": "user", "content": PROMPT}])
    assert resp.choices[0].message.content
