"""The fake Bot API itself: long polling with offsets, form/JSON decoding, Telegram's HTML and length checks."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from tests.fakes.telegram_server import BadRequest, FakeTelegram, TgChat, TgUser, parse_html

USER = TgUser(1, "Uli")


async def call(fake: FakeTelegram, method: str, form: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}{fake.token}/{method}", data=form or {}) as response,
    ):
        return response.status, await response.json()


async def test_get_updates_long_polls_and_confirms_with_offsets(fake: FakeTelegram) -> None:
    status, body = await call(fake, "getMe")
    assert status == 200 and body["result"]["username"] == "clusterbridge_test_bot"

    begin = time.monotonic()
    _, body = await call(fake, "getUpdates", {"timeout": "0.3"})
    assert body["result"] == [] and time.monotonic() - begin >= 0.25

    first = fake.send_text(USER, "eins")["update_id"]
    second = fake.send_text(USER, "/zwei arg")["update_id"]
    _, body = await call(fake, "getUpdates", {"offset": "0", "timeout": "1"})
    assert [u["update_id"] for u in body["result"]] == [first, second]
    assert body["result"][1]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    _, body = await call(fake, "getUpdates", {"offset": str(second), "timeout": "0"})
    assert [u["update_id"] for u in body["result"]] == [second]  # not yet confirmed
    _, body = await call(fake, "getUpdates", {"offset": str(second + 1), "timeout": "0"})
    assert body["result"] == []


async def test_form_values_are_decoded_and_calls_recorded(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "👍", "callback_data": "fb:1:1"}]]}
    status, body = await call(
        fake,
        "sendMessage",
        {"chat_id": "-100", "text": "[1] 42", "parse_mode": "HTML", "reply_markup": json.dumps(markup)},
    )
    assert status == 200 and body["result"]["message_id"] >= 100
    recorded = fake.calls_to("sendMessage")[-1]
    assert recorded.params == {
        "chat_id": -100,
        "text": "[1] 42",
        "parse_mode": "HTML",
        "reply_markup": markup,
    }
    assert (await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == -100, 1)) is recorded


async def test_invalid_html_and_overlong_texts_are_rejected_like_telegram(fake: FakeTelegram) -> None:
    status, body = await call(fake, "sendMessage", {"chat_id": "1", "text": "a < b", "parse_mode": "HTML"})
    assert status == 400 and "can't parse entities" in body["description"]
    status, body = await call(fake, "sendMessage", {"chat_id": "1", "text": "x" * 4097})
    assert status == 400 and "too long" in body["description"]
    status, _ = await call(fake, "sendMessage", {"chat_id": "1", "text": "&lt;" * 4096, "parse_mode": "HTML"})
    assert status == 200  # Telegram counts the visible characters
    status, _ = await call(fake, "unknownMethod")
    assert status == 404


def test_html_checker() -> None:
    assert parse_html('<b>a</b> &amp; <a href="https://e.org/?a=1&amp;b=2">l</a>') == "a & l"
    for bad in ("<b>x", "<b>x</i>", "<script>x</script>", "a & b", '<a href="x" onclick="y">l</a>', "&nbsp;"):
        with pytest.raises(BadRequest):
            parse_html(bad)


async def test_injected_group_messages_carry_mentions_and_replies(fake: FakeTelegram) -> None:
    group = TgChat.group()
    original = fake.make_message(USER, group, "hallo")
    update = fake.send_text(USER, "@clusterbridge_test_bot wie geht's?", group, reply_to=original)
    message = update["message"]
    assert message["chat"]["type"] == "supergroup"
    assert message["entities"] == [{"type": "mention", "offset": 0, "length": 23}]
    assert message["reply_to_message"]["message_id"] == original["message_id"]
