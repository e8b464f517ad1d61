"""Non-text messages, unknown commands, wrong arguments, flood limit, errors, roles and access policy."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from knowledge.access import FloodLimit
from knowledge.assistant import Assistant
from knowledge.models import Answer, Turn
from tests.bot.conftest import ADMIN, ALICE, BOB, GROUP, BotHarness, bot_settings
from tests.fakes.telegram_server import TgUser, parse_html
from tests.helpers import settings_for

QUESTION = "Was ist der Cross-Cluster Space?"


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "document"])
async def test_non_text_messages_get_a_helpful_reply(harness: BotHarness, kind: str) -> None:
    await harness.start()
    mark = harness.fake.mark()
    getattr(harness.fake, f"send_{kind}")(ALICE)
    call = await harness.fake.wait_for("sendMessage", after=mark)
    assert "nur Textnachrichten" in call.params["text"]


async def test_any_other_kind_of_private_message_is_explained_too(harness: BotHarness) -> None:
    await harness.start()
    mark = harness.fake.mark()
    venue = {"location": {"latitude": 53.55, "longitude": 9.99}, "title": "ZAL", "address": "Hein-Saß-Weg 22"}
    harness.fake.inject(
        {"message": harness.fake.make_message(ALICE, venue=venue, location=venue["location"])}
    )
    call = await harness.fake.wait_for("sendMessage", after=mark)
    assert "nur Textnachrichten" in call.params["text"]


async def test_non_text_reply_to_the_bot_in_a_group_is_explained(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "/ask Was ist der Cross-Cluster Space?", GROUP)
    bot_message = harness.fake.messages[(GROUP.id, calls[-1].result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.inject({"message": harness.fake.make_message(BOB, GROUP, reply_to=bot_message, sticker={
        "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False})})  # fmt: skip
    call = await harness.fake.wait_for("sendMessage", after=mark)
    assert "text messages" in call.params["text"]


async def test_unknown_command(harness: BotHarness) -> None:
    await harness.start()
    call = await harness.reply(ALICE, "/frobnicate now")
    assert "/help" in call.params["text"] and "kenne ich nicht" in call.params["text"]


async def test_ask_without_a_question_explains_the_usage(harness: BotHarness) -> None:
    await harness.start()
    call = await harness.reply(ALICE, "/ask")
    assert "/ask Was macht" in call.params["text"]


async def test_very_long_message_is_refused_politely(harness: BotHarness) -> None:
    await harness.start()
    call = await harness.reply(BOB, "why " * 1000)
    assert "too long (3999 characters)" in call.params["text"]


async def test_flood_limit_answers_once_with_a_friendly_message(harness: BotHarness) -> None:
    await harness.start(flood_limit=FloodLimit(max_requests=2, period=60))
    await harness.ask(ALICE, QUESTION)
    await harness.ask(ALICE, QUESTION)
    flood = await harness.reply(ALICE, QUESTION)
    assert "Langsam bitte" in flood.params["text"] and "Sekunden" in flood.params["text"]
    mark = harness.fake.mark()
    harness.fake.send_text(ALICE, QUESTION)  # over the limit again: silence, never a flood of warnings
    help_reply = await harness.reply(ALICE, "/help")  # her updates are handled in order
    assert harness.fake.calls_to("sendMessage", mark) == [help_reply]
    await harness.ask(BOB, "What is the Cross-Cluster Space?")  # others are not affected


class BrokenAssistant:
    """An assistant whose index is gone: every question fails with an unexpected error."""

    llm_enabled = False

    async def aask(self, question: str, history: list[Turn] | None = None, language: Any = None) -> Answer:
        raise RuntimeError("the index vanished")


async def test_errors_are_logged_and_the_user_is_told(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start(assistant=BrokenAssistant())
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        call = await harness.reply(ALICE, QUESTION)
    assert "etwas schiefgelaufen" in call.params["text"]
    assert "the index vanished" in caplog.text
    assert "Traceback" not in call.params["text"]


async def test_stats_is_refused_for_a_member_and_logged(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start()
    with caplog.at_level(logging.WARNING, logger="bot.access"):
        call = await harness.reply(ALICE, "/stats")
    assert "Admins vorbehalten" in call.params["text"]
    assert "refused /stats for user 1001" in caplog.text


async def test_stats_for_an_admin_by_id_and_by_stored_role(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    final = (await harness.ask(ALICE, QUESTION))[-1]
    message = harness.fake.messages[(ALICE.id, final.result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.press_button(
        ALICE, message, final.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    await harness.fake.wait_for("answerCallbackQuery", after=mark)

    call = await harness.reply(ADMIN, "/stats")
    text = parse_html(call.params["text"])
    assert "Users: 2" in text and "Feedback: 1 👍 / 0 👎" in text

    await store.users.set_role(ALICE.id, "admin")  # an admin by role in the store (bot_role: admin)
    call = await harness.reply(ALICE, "/stats")
    assert "Statistik" in call.params["text"]


async def test_members_only_policy(harness: BotHarness) -> None:
    store = await harness.open_store()
    settings = bot_settings(harness.settings, harness.fake, clusterbridge_access="members")
    await harness.start(store=store, settings=settings)

    refused = await harness.reply(BOB, "What is the Cross-Cluster Space?")
    assert "members of Hamburg's innovation clusters only" in refused.params["text"]
    assert "/request_access" in refused.params["text"]

    usage = await harness.reply(BOB, "/request_access")
    assert "/request_access Anna" in usage.params["text"]

    mark = harness.fake.mark()
    harness.fake.send_text(BOB, "/request_access Bob <Builder>, Hafen & Co, maritime cluster")
    forwarded = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == ADMIN.id, after=mark
    )
    assert "Bob &lt;Builder&gt;, Hafen &amp; Co" in forwarded.params["text"]
    done = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == BOB.id, after=mark
    )
    assert "sent to the admins" in done.params["text"]
    [request] = await store.access.open_requests()
    assert request.user_id == BOB.id and "Hafen & Co" in request.text
    again = await harness.reply(BOB, "/request_access please!")  # no second request, no second forward
    assert f"request no. {request.id} is already with the admins" in again.params["text"]
    assert len(await store.access.open_requests()) == 1

    calls = await harness.ask(ADMIN, "What is the Cross-Cluster Space?")  # admins are always in
    assert "<b>Sources</b>" in calls[-1].params["text"]

    stats = await harness.reply(ADMIN, "/stats")
    assert f"Open access requests: 1 (#{request.id})" in stats.params["text"]
    mark = harness.fake.mark()
    harness.fake.send_text(ADMIN, f"/approve {request.id} m-042")
    to_admin = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == ADMIN.id, after=mark
    )
    assert f"no. {request.id} granted; Bob can ask now" in to_admin.params["text"]
    to_bob = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == BOB.id, after=mark
    )
    assert "access has been granted" in to_bob.params["text"]
    bob = await store.users.get(BOB.id)
    assert bob is not None and bob.member_id == "m-042"
    assert await store.access.open_requests() == []

    calls = await harness.ask(BOB, "What is the Cross-Cluster Space?")
    assert "<b>Sources</b>" in calls[-1].params["text"]


async def test_approve_and_deny_are_for_admins_and_check_their_arguments(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    store = await harness.open_store()
    settings = bot_settings(harness.settings, harness.fake, clusterbridge_access="members")
    await harness.start(store=store, settings=settings)
    await harness.reply(ALICE, "/request_access Alice, Airbus")
    [request] = await store.access.open_requests()

    with caplog.at_level(logging.WARNING, logger="bot.access"):
        refused = await harness.reply(ALICE, f"/approve {request.id}")  # not herself
    assert "Admins vorbehalten" in refused.params["text"] and "refused /approve for user 1001" in caplog.text
    assert "/approve NO" in (await harness.reply(ADMIN, "/approve")).params["text"]
    assert "/approve NO" in (await harness.reply(ADMIN, "/deny abc")).params["text"]
    assert "no open access request no. 999" in (await harness.reply(ADMIN, "/deny 999")).params["text"]

    mark = harness.fake.mark()
    harness.fake.send_text(ADMIN, f"/deny #{request.id}")
    to_alice = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == ALICE.id, after=mark
    )
    assert "abgelehnt" in to_alice.params["text"]
    assert await store.access.open_requests() == []
    still_refused = await harness.reply(ALICE, QUESTION)
    assert "/request_access" in still_refused.params["text"]


async def test_open_policy_lets_everyone_ask(harness: BotHarness) -> None:
    await harness.start()
    stranger = TgUser(5555, "Stranger", None, None)
    calls = await harness.ask(stranger, QUESTION)
    assert "<b>Quellen</b>" in calls[-1].params["text"]


async def test_a_user_who_blocked_the_bot_is_remembered_and_forgotten_when_back(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    store = await harness.open_store()
    await harness.start(store=store, typing_delay=5.0)
    harness.fake.blocked_by.add(ALICE.id)
    mark = harness.fake.mark()
    harness.fake.send_text(ALICE, QUESTION)
    await harness.fake.wait_for("sendMessage", lambda c: c.error is not None, after=mark)
    for _ in range(50):
        user = await store.users.get(ALICE.id)
        if user is not None and user.blocked:
            break
        await asyncio.sleep(0.05)
    assert user is not None and user.blocked
    assert "etwas schiefgelaufen" not in " ".join(c.text for c in harness.fake.calls[mark:])

    harness.fake.blocked_by.discard(ALICE.id)  # she unblocks the bot and writes again
    await harness.ask(ALICE, QUESTION)
    user = await store.users.get(ALICE.id)
    assert user is not None and not user.blocked


async def test_an_empty_index_is_explained_not_a_crash(
    harness: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = settings_for(tmp_path / "empty")
    with caplog.at_level(logging.WARNING, logger="bot.handlers"):
        await harness.start(assistant=Assistant.from_settings(empty))
        call = await harness.reply(ALICE, QUESTION)
    assert "Wissensbasis ist noch nicht eingerichtet" in call.params["text"]
    assert "clusterbridge ingest" in caplog.text and "Traceback" not in caplog.text
