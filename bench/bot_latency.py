"""Bot latency under load: 50 simulated users ask at once through the fake Bot API, without an LLM.

    python bench/bot_latency.py [--users 50] [--rounds 3] [--no-rate-limit] [--database-url URL]

The real bot (PTB's HTTP stack, the AIORateLimiter, the SQLite state store, the real Assistant on
the ingested sample documents with the local embedding model) runs in its own process, as in
production, and polls the fake Bot API server from tests/fakes/telegram_server.py in this process.
Every user first sends /start (as every Telegram user's first message to a bot is; not measured).
Each round then injects one question per user at the same moment and measures, per user, the time from
the update's injection to the sendMessage carrying the answer (with its feedback buttons). The same
runs again with an instant assistant (no retrieval): what remains is the bot's own overhead. For
comparison it also times the assistant alone. Memory: the bot process's RSS before the load and its
peak during it (sampled every 10 ms with psutil).

With the rate limiter on (as in production), replies are paced at Telegram's global limit of 30
messages per second, so 50 simultaneous answers cannot all leave within a second; --no-rate-limit
shows the bot's own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application, start_bot, stop_bot  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402
from knowledge.access import FloodLimit  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.models import Answer, Source  # noqa: E402
from knowledge.state import StateStore  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram, TgUser  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def questions() -> list[str]:
    """The bench questions over the sample documents."""
    data = yaml.safe_load((ROOT / "bench" / "questions.yaml").read_text(encoding="utf-8"))
    return [str(q["question"]) for q in data["questions"]]


class RssSampler:
    """Samples a process's RSS every `every` seconds while running."""

    def __init__(self, process: psutil.Process, every: float = 0.01) -> None:
        self.process = process
        self.every = every
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.process.memory_info().rss)
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self.peak = self.process.memory_info().rss
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> int:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.peak = max(self.peak, self.process.memory_info().rss)
        return self.peak


async def one_round(fake: FakeTelegram, users: list[TgUser], asked: list[str]) -> list[float]:
    """Inject one question per user at once; the seconds from each injection to its answer."""
    mark = fake.mark()
    injected = {user.id: fake.injected_at[fake.send_text(user, question)["update_id"]]
                for user, question in zip(users, asked, strict=True)}  # fmt: skip
    pending = set(injected)
    latencies: dict[int, float] = {}
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        for call in fake.calls[mark:]:
            chat = int(call.params.get("chat_id", 0))
            if chat in pending and call.method == "sendMessage" and call.params.get("reply_markup"):
                latencies[chat] = call.at - injected[chat]
                pending.discard(chat)
        await asyncio.sleep(0.005)
    if pending:
        raise RuntimeError(f"{len(pending)} users got no answer within 120 s")
    return [latencies[user.id] for user in users]


async def greet(fake: FakeTelegram, users: list[TgUser]) -> None:
    """Each user sends /start (registering them) and gets the greeting; not measured."""
    mark = fake.mark()
    for user in users:
        fake.send_text(user, "/start")
    pending = {user.id for user in users}
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        pending -= {int(c.params.get("chat_id", 0)) for c in fake.calls[mark:] if c.method == "sendMessage"}
        await asyncio.sleep(0.01)
    if pending:
        raise RuntimeError(f"{len(pending)} users got no greeting")


class InstantAssistant:
    """Answers at once without retrieval: what is left of the latency is the bot's own overhead."""

    llm_enabled = False

    async def aask(self, question: str, history: Any = (), language: Any = None) -> Answer:
        return Answer(
            answer=f"Antwort auf: {question} [1]",
            sources=[Source(source="bench.txt", title="Bench & Co", url="https://example.org/?a=1&b=2")],
            abstained=False,
            language=language or "de",
        )


async def assistant_alone(
    assistant: Assistant, asked: list[str], users: int
) -> tuple[list[float], list[float]]:
    """The assistant without the bot: one question at a time, then `users` questions at once."""
    sequential: list[float] = []
    for question in asked:
        begin = time.perf_counter()
        await assistant.aask(question)
        sequential.append(time.perf_counter() - begin)

    async def timed(question: str) -> float:
        begin = time.perf_counter()
        await assistant.aask(question)
        return time.perf_counter() - begin

    concurrent = await asyncio.gather(*(timed(asked[i % len(asked)]) for i in range(users)))
    return sequential, list(concurrent)


def bot_process(
    settings: Settings, instant: bool, rate_limiter: bool, database_url: str | None, schema: str | None
) -> None:
    """The bot in its own process (as in production, where Telegram is another machine)."""
    import signal

    async def run() -> None:
        assistant: Any = InstantAssistant() if instant else Assistant.from_settings(settings)
        store = await StateStore.open(database_url or settings.sqlalchemy_url, schema=schema)
        app = build_application(
            settings,
            assistant,
            store,
            flood_limit=FloodLimit(max_requests=1000, period=60),
            rate_limiter=rate_limiter,
        )
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        if not instant:
            await assistant.aask(questions()[0])  # load the model before the parent starts measuring
        await start_bot(app, settings, poll_timeout=1)
        await stop.wait()
        await stop_bot(app)
        await store.close()

    asyncio.run(run())


async def bot_rounds(
    settings: Settings, instant: bool, fake: FakeTelegram, args: argparse.Namespace, schema: str | None
) -> tuple[list[float], int, int]:
    """Latencies of `args.rounds` bursts of `args.users` questions; the bot process's RSS before and peak during."""
    import multiprocessing

    asked = questions()
    ready = fake.mark()
    child = multiprocessing.get_context("spawn").Process(
        target=bot_process,
        args=(settings, instant, not args.no_rate_limit, args.database_url, schema),
    )
    child.start()
    users = [TgUser(10_000 + i, f"User{i}", f"user{i}", "de" if i % 2 else "en") for i in range(args.users)]
    try:
        deadline = time.monotonic() + 120
        while not any(call.method == "setMyCommands" for call in fake.calls[ready:]):
            if time.monotonic() > deadline or not child.is_alive():
                raise RuntimeError("the bot process did not start")
            await asyncio.sleep(0.05)
        await greet(fake, users)  # every Telegram user's first message to a bot is /start
        await asyncio.sleep(1.1)  # let the rate limiter's bucket refill
        process = psutil.Process(child.pid)
        rss_before = process.memory_info().rss
        sampler = RssSampler(process)
        sampler.start()
        latencies: list[float] = []
        for round_ in range(args.rounds):
            batch = [asked[(round_ * len(users) + i) % len(asked)] for i in range(len(users))]
            latencies += await one_round(fake, users, batch)
            await asyncio.sleep(2.1)  # a quiet moment between bursts
        peak = await sampler.stop()
    finally:
        child.terminate()
        await asyncio.to_thread(child.join, 30)
    return latencies, rss_before, peak


def summary(label: str, seconds: list[float]) -> str:
    ms = [v * 1000 for v in seconds]
    return (
        f"{label}: p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"max {max(ms):.0f} ms (n={len(ms)})"
    )


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cb-bot-bench-"))
    fake = await FakeTelegram().start()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        clusterbridge_data_dir=workdir / "data",
        clusterbridge_embeddings="local",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
    )
    started = time.perf_counter()
    report = run_ingest(settings, ROOT / "sample" / "docs")
    print(f"index: {report.chunks} chunks from {report.added} files in {time.perf_counter() - started:.1f} s")
    assistant = Assistant.from_settings(settings)
    schema = f"cb_bench_{os.getpid()}" if args.database_url else None
    asked = questions()
    await assistant.aask(asked[0])  # load the model
    try:
        sequential, concurrent = await assistant_alone(assistant, asked, args.users)
        real, rss_before, peak = await bot_rounds(settings, False, fake, args, schema)
        instant, _, _ = await bot_rounds(settings, True, fake, args, schema)
    finally:
        if schema is not None:
            store = await StateStore.open(args.database_url, schema=schema)
            async with store.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await store.close()
        await fake.stop()

    mb = 1024 * 1024
    limiter = "off" if args.no_rate_limit else "on (Telegram's 30 messages/s)"
    print(
        f"{args.users} users asking at once, {args.rounds} rounds, {os.cpu_count()} CPUs, "
        f"state in {'PostgreSQL' if args.database_url else 'SQLite'}, rate limiter {limiter}, bot in its own process"
    )
    print(summary("assistant alone, one question at a time   ", sequential))
    print(summary(f"assistant alone, {args.users} questions at once   ", concurrent))
    print(summary("bot, update -> reply (real assistant)     ", real))
    print(summary("bot, update -> reply (instant assistant)  ", instant))
    print(
        f"bot process memory (real assistant): RSS {rss_before / mb:.0f} MB before the load, "
        f"peak {peak / mb:.0f} MB during it"
    )


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="measure without Telegram's 30 msg/s pacing"
    )
    parser.add_argument(
        "--database-url", help="bot state elsewhere, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
