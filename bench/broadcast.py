"""Broadcast delivery under Telegram's limits, and chat replies during it.

    python bench/broadcast.py [--subscribers 10000] [--rate 28] [--questions 40] [--no-kill]

The real bot (PTB, its MessageRateLimiter, the outbox sender, SQLite state) runs in its own process
against a fake Bot API in this process that enforces 30 messages in any one second (above it: 429 with
retry_after 1) and answers 403 for 2% of the subscribers (they blocked the bot). The assistant answers
instantly (no retrieval): what is measured is delivery and the bot's own reply time.

1. Baseline: members ask `--questions` questions, one every 0.25 s, with no broadcast running.
2. A broadcast to every subscriber; the same questions meanwhile. Throughput (delivered messages a
   second, first to last), lost (reachable subscribers without the message), duplicates, 429s.
3. Unless --no-kill: another broadcast; the bot is killed (SIGKILL) when half is delivered and started
   again. Lost and duplicates again; duplicates can only be sends in flight at the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot_latency import InstantAssistant, greet, percentile  # noqa: E402
from bot.app import build_application, start_bot, stop_bot  # noqa: E402
from bot.sender import IN_FLIGHT  # noqa: E402
from knowledge.access import FloodLimit  # noqa: E402
from knowledge.broadcasts import Audience, queue  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.state import StateStore  # noqa: E402
from knowledge.state.tables import Subscription, User, utcnow  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram, TgUser  # noqa: E402

LIMIT = 30  # messages in any one second, as Telegram enforces
PACED = {"sendmessage", "editmessagetext", "senddocument"}
FIRST_SUBSCRIBER = 1_000_000


class PacedTelegram(FakeTelegram):
    """The fake Bot API, enforcing 30 messages a second (429 with retry_after above it)."""

    def __init__(self) -> None:
        super().__init__()
        self.window: collections.deque[float] = collections.deque()
        self.rejected = 0

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"].lower() in PACED:
            now = time.monotonic()
            while self.window and self.window[0] <= now - 1.0:
                self.window.popleft()
            if len(self.window) >= LIMIT:
                self.rejected += 1
                body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1"}
                return web.json_response(body | {"parameters": {"retry_after": 1}}, status=429)
            self.window.append(now)
        return await super()._handle(request)


def bot_process(settings: Settings) -> None:
    """The bot in its own process, with an instant assistant and no flood limit."""

    async def run() -> None:
        store = await StateStore.for_settings(settings)
        flood = FloodLimit(max_requests=10_000, period=60)
        app = build_application(settings, InstantAssistant(), store, flood_limit=flood)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await start_bot(app, settings, poll_timeout=1)
        await stop.wait()
        await stop_bot(app)
        await store.close()

    asyncio.run(run())


async def start_child(fake: FakeTelegram, settings: Settings) -> Any:
    """Start the bot process and wait until it polls."""
    ready = fake.mark()
    child = multiprocessing.get_context("spawn").Process(target=bot_process, args=(settings,))
    child.start()
    deadline = time.monotonic() + 120
    while not any(call.method == "setMyCommands" for call in fake.calls[ready:]):
        if time.monotonic() > deadline or not child.is_alive():
            raise RuntimeError("the bot process did not start")
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # its first outbox poll
    return child


async def stop_child(child: Any) -> None:
    child.terminate()
    await asyncio.to_thread(child.join, 30)


async def subscribers(store: StateStore, count: int) -> list[int]:
    """`count` users subscribed to aviation, written in bulk."""
    ids = list(range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + count))
    now = utcnow()
    users = [
        {"id": i, "language_code": "de", "created_at": now, "last_seen_at": now, "role": "member"}
        for i in ids
    ]
    subs = [{"user_id": i, "kind": "cluster", "value": "aviation", "created_at": now} for i in ids]
    async with store.engine.begin() as conn:
        for first in range(0, count, 1000):
            await conn.execute(insert(User), users[first : first + 1000])
            await conn.execute(insert(Subscription), subs[first : first + 1000])
    return ids


async def ask_meanwhile(fake: FakeTelegram, members: list[TgUser], stop: asyncio.Event | None) -> list[float]:
    """One question every 0.25 s (each member in turn) until all asked or `stop`; reply times."""
    injected: dict[int, float] = {}
    mark = fake.mark()
    for member in members:
        if stop is not None and stop.is_set():
            break
        update = fake.send_text(member, "Was bietet das ZAL TechCenter an?")
        injected[member.id] = fake.injected_at[update["update_id"]]
        await asyncio.sleep(0.25)
    latencies: dict[int, float] = {}
    deadline = time.monotonic() + 60
    while len(latencies) < len(injected) and time.monotonic() < deadline:
        for call in fake.calls[mark:]:
            chat = int(call.params.get("chat_id", 0))
            if chat in injected and call.method == "sendMessage" and call.params.get("reply_markup"):
                latencies.setdefault(chat, call.at - injected[chat])
        await asyncio.sleep(0.05)
    return list(latencies.values())


def delivered(fake: FakeTelegram, marker: str, after: int = 0) -> collections.Counter[int]:
    """Successful sends of the broadcast `marker`, per chat."""
    return collections.Counter(
        int(c.params["chat_id"])
        for c in fake.calls[after:]
        if c.method == "sendMessage" and not c.error and marker in str(c.params.get("text", ""))
    )


async def until_done(store: StateStore, broadcast_id: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        [status] = await store.outbox.listing(broadcast_id)
        if status.state == "done":
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"broadcast {broadcast_id} not done within {seconds:.0f} s")


def report(label: str, fake: FakeTelegram, marker: str, reachable: set[int], mark: int) -> None:
    got = delivered(fake, marker, mark)
    times = [
        c.at
        for c in fake.calls[mark:]
        if c.method == "sendMessage" and not c.error and marker in str(c.params.get("text", ""))
    ]
    first, last = min(times), max(times)
    lost = len(reachable - set(got))
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    rate = sum(got.values()) / max(last - first, 1e-9)
    print(
        f"{label}: {sum(got.values())} delivered in {last - first:.1f} s = {rate:.1f} msg/s; "
        f"lost {lost}, duplicates {duplicates}, 429 answers so far {fake_rejected(fake)}"
    )


def fake_rejected(fake: FakeTelegram) -> int:
    return getattr(fake, "rejected", 0)


def summary(label: str, seconds: list[float]) -> str:
    ms = [v * 1000 for v in seconds]
    return f"{label}: p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms (n={len(ms)})"


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cb-broadcast-bench-"))
    fake = await PacedTelegram().start()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        clusterbridge_data_dir=workdir / "data",
        clusterbridge_embeddings="local",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        clusterbridge_broadcast_rate=args.rate,
    )
    store = await StateStore.for_settings(settings)
    ids = await subscribers(store, args.subscribers)
    fake.blocked_by.update(ids[::50])  # 2% blocked the bot: 403
    reachable = set(ids) - fake.blocked_by
    members = [TgUser(500 + i, f"Member{i}", f"member{i}", "de") for i in range(args.questions)]
    print(
        f"{args.subscribers} subscribers ({len(fake.blocked_by)} blocked), sender rate {args.rate}/s, "
        f"fake Bot API enforcing {LIMIT} messages/s, {os.cpu_count()} CPUs, SQLite, bot in its own process"
    )
    child = await start_child(fake, settings)
    try:
        await greet(fake, members)
        await asyncio.sleep(1.5)
        quiet = await ask_meanwhile(fake, members, None)
        print(summary("reply time without a broadcast", quiet))

        mark = fake.mark()
        broadcast_id, _ = await queue(store, Audience("cluster", "aviation"), "<b>Rundbrief</b> eins")
        await asyncio.sleep(3)  # the broadcast is under way
        busy = await ask_meanwhile(fake, members, None)
        print(summary("reply time during the broadcast", busy))
        await until_done(store, broadcast_id, args.subscribers / 10 + 120)
        report("broadcast", fake, "Rundbrief</b> eins", reachable, mark)
        if args.no_kill:
            return
        mark = fake.mark()
        broadcast_id, _ = await queue(store, Audience("cluster", "aviation"), "<b>Rundbrief</b> zwei")
        while True:  # until half is delivered
            if sum(delivered(fake, "Rundbrief</b> zwei", mark).values()) >= len(reachable) // 2:
                break
            await asyncio.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        await asyncio.to_thread(child.join, 30)
        at_kill = sum(delivered(fake, "Rundbrief</b> zwei", mark).values())
        print(f"killed the bot (SIGKILL) after {at_kill} deliveries; restarting")
        child = await start_child(fake, settings)
        await until_done(store, broadcast_id, args.subscribers / 10 + 180)
        report("broadcast with a kill -9 halfway", fake, "Rundbrief</b> zwei", reachable, mark)
        print(f"(sends in flight at most {IN_FLIGHT} at a time: the bound on duplicates after a kill)")
    finally:
        await stop_child(child)
        await store.close()
        await fake.stop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=29.0, help="CLUSTERBRIDGE_BROADCAST_RATE for the bot")
    parser.add_argument("--questions", type=int, default=40, help="members' questions, one every 0.25 s")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 run")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
