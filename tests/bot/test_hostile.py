"""Hostile and careless input against the running bot: a flaky or slow Bot API, forged buttons,
odd admin arguments, overlong names, a second ingestion beside the bot."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.error import RetryAfter

from bot import delivery
from bot.app import serve
from bot.delivery import retry_seconds
from knowledge.config import Settings
from tests.backends import SCALE_OUT
from tests.bot.conftest import ADMIN, ALICE, BOB, BotHarness, bot_settings
from tests.fakes.telegram_server import FakeTelegram, TgUser
from tests.helpers import cli_env, run_cli

QUESTION = "Was ist der Cross-Cluster Space?"


def test_retry_after_is_read_in_both_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PTB_TIMEDELTA", raising=False)  # production: an int (with a deprecation warning)
    with pytest.warns(Warning):
        assert retry_seconds(RetryAfter(3)) == 3.0
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # opted in: a timedelta
    error = RetryAfter(timedelta(seconds=2))
    assert isinstance(error.retry_after, timedelta) and retry_seconds(error) == 2.0


async def test_a_5xx_on_send_is_retried_and_the_answer_arrives(harness: BotHarness) -> None:
    await harness.start()
    harness.fake.fail_next("sendMessage", 502)
    harness.fake.fail_next("sendMessage", 500)
    calls = await harness.ask(ALICE, QUESTION)
    assert "<b>Quellen</b>" in calls[-1].params["text"]


async def test_a_slow_send_is_waited_for_or_retried(harness: BotHarness) -> None:
    await harness.start(read_timeout=0.5)
    harness.fake.fail_next("sendMessage", delay=1.0)  # slower than the client waits
    calls = await harness.ask(ALICE, QUESTION, wait=20)
    assert "<b>Quellen</b>" in calls[-1].params["text"]


async def test_more_than_three_429_in_a_row_still_deliver(harness: BotHarness) -> None:
    await harness.start()
    harness.fake.fail_next("sendMessage", 429, times=4, retry_after=1)
    calls = await harness.ask(ALICE, QUESTION, wait=30)
    assert "<b>Quellen</b>" in calls[-1].params["text"]


async def test_an_answer_that_cannot_be_delivered_leaves_no_history(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "BACKOFF", 0.01)
    store = await harness.open_store()
    await harness.start(store=store)
    mark = harness.fake.mark()
    harness.fake.fail_next("sendMessage", 500, times=delivery.ATTEMPTS)
    harness.fake.send_text(ALICE, QUESTION)
    told = await harness.fake.wait_for("sendMessage", lambda c: not c.error, 15, mark)
    assert "nicht zugestellt" in told.params["text"]
    assert await store.history.recent(f"chat:{ALICE.id}:user:{ALICE.id}", 5) == []


async def test_forged_and_malformed_buttons_change_nothing(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    final = (await harness.ask(ALICE, QUESTION))[-1]
    answer_id = int(final.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])
    bobs = (await harness.ask(BOB, "What is the Cross-Cluster Space?"))[-1]
    bob_message = harness.fake.messages[(BOB.id, bobs.result["message_id"])]

    mark = harness.fake.mark()
    harness.fake.press_button(BOB, bob_message, f"fb:{answer_id}:-1")  # Alice's answer, from Bob's chat
    refused = await harness.fake.wait_for("answerCallbackQuery", after=mark)
    assert "no longer know" in refused.params["text"]
    for data in ("fb: 1 :1", "fb:١:1", "fb:¹:1", "fb:1_0:1", "fb:" + "9" * 25 + ":1", "zz:1"):
        mark = harness.fake.mark()
        harness.fake.press_button(BOB, bob_message, data)
        stale = await harness.fake.wait_for("answerCallbackQuery", after=mark)
        assert "no longer valid" in stale.params["text"], data
    assert await store.answers.feedback_summary() == {"up": 0, "down": 0}


@pytest.mark.parametrize(
    "db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_approve_is_atomic_and_arguments_are_checked(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(
        store=store, settings=bot_settings(harness.settings, harness.fake, clusterbridge_access="members")
    )
    mark = harness.fake.mark()
    await harness.reply(BOB, "/request_access Bob, Reederei Nord, maritime")
    await harness.fake.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == ADMIN.id, after=mark)
    [request] = await store.access.open_requests()
    for odd in ("²", "#", "1.5", "-1", "99999999999999999999999"):
        usage = await harness.reply(ADMIN, f"/approve {odd}")
        assert "Usage: /approve" in usage.params["text"], odd
    refused = await harness.reply(ADMIN, f"/approve {request.id} {'x' * 300}")
    assert "member id is invalid" in refused.params["text"]
    assert [r.id for r in await store.access.open_requests()] == [request.id]  # still open: nothing half-done
    granted = await harness.reply(ADMIN, f"/approve {request.id} m-042")
    assert "granted" in granted.params["text"]
    user = await store.users.get(BOB.id)
    assert user is not None and user.member_id == "m-042"


@pytest.mark.parametrize(
    "db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_an_overlong_first_name_is_stored_cut(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    long_name = TgUser(1077, "L" * 300, "long_name", "de")
    calls = await harness.ask(long_name, QUESTION)
    assert "<b>Quellen</b>" in calls[-1].params["text"]
    user = await store.users.get(long_name.id)
    assert user is not None and user.first_name == "L" * 256


@pytest.mark.skipif(SCALE_OUT, reason="embedded index only (a Chroma server takes separate ingests)")
async def test_a_separate_ingest_is_refused_while_the_bot_serves_the_embedded_index(
    fake: FakeTelegram, indexed_copy: Settings, tmp_path: Path
) -> None:
    settings = bot_settings(indexed_copy, fake, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        await fake.wait_for("setMyCommands", timeout=30)
        env = {"CLUSTERBRIDGE_DATA_DIR": str(settings.clusterbridge_data_dir)}
        code, _, err = await run_cli("ingest", "--docs", str(tmp_path), **env)
        assert code == 1 and len(err.strip().splitlines()) == 1
        assert "a running ClusterBridge bot serves the embedded index" in err and "stop the bot" in err
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def test_the_token_never_appears_in_logs_at_verbose(fake: FakeTelegram, indexed_copy: Settings) -> None:
    env = {
        "CLUSTERBRIDGE_DATA_DIR": str(indexed_copy.clusterbridge_data_dir),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clusterbridge",
        "-v",
        "bot",
        env=cli_env(**env),
        stderr=asyncio.subprocess.PIPE,
        cwd=indexed_copy.data_dir,
    )
    try:
        await fake.wait_for("deleteWebhook", timeout=60)  # polling starts (empty polls are not recorded)
        await asyncio.sleep(1.5)
    finally:
        process.terminate()
        try:
            _, err = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
    log = err.decode()
    assert "getUpdates" in log and "bot***/getUpdates" in log  # verbose, and redacted
    assert fake.token not in log and fake.token.split(":")[1] not in log

    code, _, err_line = await run_cli("bot", **env | {"TELEGRAM_BOT_TOKEN": "123456:WRONG"})
    assert (
        code == 1
        and err_line.strip()
        == "clusterbridge: error: TELEGRAM_BOT_TOKEN was rejected by the Telegram Bot API"
    )

    code, _, err_line = await run_cli("bot", **env | {"TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"})
    assert code == 1 and "cannot reach the Telegram Bot API at http://127.0.0.1:9/bot" in err_line
    assert len(err_line.strip().splitlines()) == 1
