"""A fake OpenAI-compatible HTTP server for tests, running in the test process."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import re
import struct
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

Message = dict[str, Any]
Responder = Callable[[list[Message]], str]

EMBEDDING_DIM = 64
CHAT_MODEL = "fake-chat"
EMBEDDING_MODEL = "fake-embedding"
NO_ANSWER = "NO_ANSWER"
_BODY = web.RequestKey("body", dict)

_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}
_PASSAGE = re.compile(r"^\s*\[(\d+)\][ \t]*(.*)$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


def message_text(message: Message) -> str:
    """Return the text of a chat message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def parse_passages(text: str) -> dict[int, tuple[str, str]]:
    """Map passage numbers to (title, body) for lines like `[1] Title` followed by body lines."""
    matches = list(_PASSAGE.finditer(text))
    passages: dict[int, tuple[str, str]] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end() : end].strip().split("\n\n")[0].strip()
        passages.setdefault(int(m.group(1)), (m.group(2).strip(), body))
    return passages


def default_responder(messages: list[Message]) -> str:
    """Answer with the first sentence of passage [1] plus ` [1]`, or `NO_ANSWER` when asked and none exist.

    The passages are read from the last user message (`[n] Title` lines, each followed by its text).
    Without passages the reply is `NO_ANSWER` when any message mentions that marker, else a fixed string.
    """
    user = [m for m in messages if m.get("role") == "user"]
    text = message_text(user[-1]) if user else ""
    passages = parse_passages(text)
    if not passages:
        if any(NO_ANSWER in message_text(m) for m in messages):
            return NO_ANSWER
        return "I have no passages to answer from."
    title, body = passages.get(1) or passages[min(passages)]
    source = body or title
    sentence = _SENTENCE_END.split(source.replace("\n", " ").strip(), maxsplit=1)[0]
    return f"{sentence} [1]"


def fake_embedding(text: str) -> list[float]:
    """Embed text as a unit vector of hashed lowercased words, so texts sharing words are similar."""
    vector = [0.0] * EMBEDDING_DIM
    for word in _WORD.findall(text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[digest[0] % EMBEDDING_DIM] += 1.0 if digest[1] % 2 == 0 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        vector[0], norm = 1.0, 1.0
    return [v / norm for v in vector]


def _embedding_inputs(raw: Any) -> list[str]:
    """Normalise an embeddings `input` (str, list of str, token list, list of token lists) to texts."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(t, int) for t in raw):
        return [" ".join(f"tok{t}" for t in raw)]
    if isinstance(raw, list):
        return [x if isinstance(x, str) else " ".join(f"tok{t}" for t in x) for x in raw]
    raise ValueError("'input' must be a string or a list")


def _count_tokens(text: str) -> int:
    """Roughly count tokens as words."""
    return len(_WORD.findall(text))


class FakeOpenAI:
    """An aiohttp server on 127.0.0.1 speaking enough of the OpenAI API for tests."""

    def __init__(self, responder: Responder | None = None) -> None:
        """Create the server; `responder` maps chat messages to the reply text."""
        self.responder: Responder = responder or default_responder
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.base_url = ""
        self._fail: list[int] = []
        self._delay: list[float] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with `status` and an OpenAI-style error body."""
        self._fail.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """Sleep `seconds` before answering each of the next `times` requests."""
        self._delay.extend([seconds] * times)

    def clear_faults(self) -> None:
        """Forget pending failures and delays."""
        self._delay.clear()
        self._fail.clear()

    async def start(self) -> None:
        """Start serving on a free port and set `base_url`."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        app.router.add_get("/v1/models", self._models)
        self._closing.clear()
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        """Stop the server, waking any delayed handlers first."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server."""
        await self.stop()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Record the request, then apply any pending delay and failure."""
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                loaded = await request.json()
            except ValueError:
                self.requests.append((request.path, {}))
                return _error(400, "We could not parse the JSON body of your request.")
            body = loaded if isinstance(loaded, dict) else {}
        self.requests.append((request.path, body))
        if self._delay:
            seconds = self._delay.pop(0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)
        if self._fail:
            return _error(self._fail.pop(0), "Injected failure from FakeOpenAI.")
        request[_BODY] = body
        response: web.StreamResponse = await handler(request)
        return response

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        """Handle POST /v1/chat/completions, streaming as SSE when asked."""
        body: dict[str, Any] = request[_BODY]
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must be a non-empty array.", param="messages")
        content = self.responder(messages)
        model = str(body.get("model") or CHAT_MODEL)
        prompt_tokens = sum(_count_tokens(message_text(m)) for m in messages if isinstance(m, dict))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _count_tokens(content),
            "total_tokens": prompt_tokens + _count_tokens(content),
        }
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": model}
        if not body.get("stream"):
            choice = {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
            return web.json_response(
                {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        deltas += [{"content": piece} for piece in re.findall(r"\S+\s*|\s+", content)]
        chunk = {**base, "object": "chat.completion.chunk"}
        for delta in deltas:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
            await _send(response, {**chunk, "choices": [choice]})
        await _send(response, {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            await _send(response, {**chunk, "choices": [], "usage": usage})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _embeddings(self, request: web.Request) -> web.StreamResponse:
        """Handle POST /v1/embeddings with deterministic hashed-word vectors."""
        body: dict[str, Any] = request[_BODY]
        try:
            texts = _embedding_inputs(body.get("input"))
        except (TypeError, ValueError):
            return _error(400, "'input' must be a string or an array.", param="input")
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            vector = fake_embedding(text)
            embedding: Any = vector
            if as_base64:
                embedding = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": i, "embedding": embedding})
        tokens = sum(_count_tokens(t) for t in texts)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": str(body.get("model") or EMBEDDING_MODEL),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def _models(self, request: web.Request) -> web.StreamResponse:
        """Handle GET /v1/models."""
        created = int(time.time())
        models = [
            {"id": name, "object": "model", "created": created, "owned_by": "fake-openai"}
            for name in (CHAT_MODEL, EMBEDDING_MODEL)
        ]
        return web.json_response({"object": "list", "data": models})


async def _send(response: web.StreamResponse, payload: dict[str, Any]) -> None:
    """Write one SSE `data:` event."""
    await response.write(f"data: {json.dumps(payload)}\n\n".encode())


def _error(status: int, message: str, param: str | None = None) -> web.Response:
    """Build an OpenAI-style error response; 429 carries `retry-after: 0`."""
    kind, code = _ERRORS.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    headers = {"retry-after": "0"} if status == 429 else None
    error = {"message": message, "type": kind, "param": param, "code": code}
    return web.json_response({"error": error}, status=status, headers=headers)
