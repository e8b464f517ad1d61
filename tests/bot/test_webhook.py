"""Webhook mode (secret token checked) and the refusals of `run_bot` without a proper configuration."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest

from bot import health
from bot.app import run_bot
from knowledge import redact
from knowledge.errors import ConfigError
from knowledge.state import head_revision
from tests.bot.conftest import ALICE, BotHarness, bot_settings
from tests.fakes.telegram_server import free_port
from tests.helpers import settings_for

SECRET = "s3cret_Token-42"


async def test_webhook_checks_the_secret_token(harness: BotHarness) -> None:
    port = free_port()
    settings = bot_settings(
        harness.settings,
        harness.fake,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret=SECRET,
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
    )
    await harness.start(settings=settings)
    registered = harness.fake.calls_to("setWebhook")
    assert registered and registered[-1].params["url"] == "https://bot.example.org/telegram/hook"
    assert registered[-1].params["secret_token"] == SECRET

    url = f"http://127.0.0.1:{port}/telegram/hook"
    body = json.dumps(harness.fake.webhook_update(ALICE, "Was ist der Cross-Cluster Space?"))
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as response:
            assert response.status == 403
        wrong = headers | {"X-Telegram-Bot-Api-Secret-Token": "guessed"}
        async with session.post(url, data=body, headers=wrong) as response:
            assert response.status == 403
        mark = harness.fake.mark()
        right = headers | {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with session.post(url, data=body, headers=right) as response:
            assert response.status == 200
    answer = await harness.fake.wait_for(
        "sendMessage", lambda c: bool(c.params.get("reply_markup")), timeout=10, after=mark
    )
    assert int(answer.params["chat_id"]) == ALICE.id and "<b>Quellen</b>" in answer.params["text"]
    assert harness.fake.calls_to("sendMessage") == [answer]  # the refused posts sent nothing
    assert harness.fake.calls_to("getUpdates") == []  # no polling in webhook mode


def test_run_bot_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set") as info:
        run_bot(settings)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("secret", [None, "has spaces!"])
def test_webhook_mode_needs_a_valid_secret(tmp_path: Path, secret: str | None) -> None:
    settings = settings_for(
        tmp_path,
        telegram_bot_token="1:x",
        telegram_webhook_url="https://bot.example.org/hook",
        telegram_webhook_secret=secret,
    )
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        run_bot(settings)


async def test_polling_is_the_default(harness: BotHarness) -> None:
    app = await harness.start()
    assert app.updater is not None and app.updater.running
    assert harness.fake.calls_to("deleteWebhook")  # PTB drops any webhook before polling
    assert harness.fake.webhook["url"] == ""


async def test_healthz_reports_the_database_and_the_index(harness: BotHarness) -> None:
    port = free_port()
    settings = bot_settings(
        harness.settings,
        harness.fake,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_secret=SECRET,
        telegram_webhook_port=port,
    )
    store = await harness.open_store()
    await harness.start(settings=settings, store=store)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200 and response.headers["Content-Type"] == "application/json"
            report = await response.json()
        assert report["ok"] and report["database"] == {"ok": True, "revision": head_revision()}
        assert report["index"]["ok"] and report["index"]["chunks"] > 0
        async with session.get(f"http://127.0.0.1:{port}/telegram/hook") as response:
            assert response.status == 405  # the webhook route is still PTB's


async def test_healthz_names_the_failing_part_without_secrets() -> None:
    class Broken:
        async def revision(self) -> str:
            raise OSError("connection refused to postgresql://cb:pw-1234@db/cb")

        def count(self) -> int:
            raise RuntimeError("chroma down")

    svc = SimpleNamespace(
        store=Broken(), assistant=SimpleNamespace(retriever=SimpleNamespace(index=Broken()))
    )
    redact._secrets.add("pw-1234")
    report = await health.check(svc)  # type: ignore[arg-type]
    assert report["ok"] is False and report["database"]["ok"] is False and "pw-1234" not in str(report)
    assert report["index"] == {"ok": False, "error": "RuntimeError: chroma down"}
