"""/events with RSVP and .ics, /announce by a manager (preview, Send) and a member's refusal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar

from knowledge.events import Event
from tests.bot.conftest import ALICE, BOB, BotHarness


def _button(call: Any, row: int = 0, column: int = 0) -> str:
    markup = call.params["reply_markup"]
    return str(markup["inline_keyboard"][row][column]["callback_data"])


async def test_events_rsvp_toggle_and_calendar_file(harness: BotHarness) -> None:
    store = await harness.open_store()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    event = Event(title="Wasserstoff-Stammtisch", cluster="aviation", start=start, location="ZAL").with_id()
    await store.events.publish(event, created_by=None)
    await harness.start(store=store)
    listed = await harness.reply(ALICE, "/events Wasserstoff")
    assert "Wasserstoff-Stammtisch" in listed.params["text"] and "(0)" in str(listed.params["reply_markup"])
    message = harness.fake.messages[(ALICE.id, listed.result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, _button(listed))
    edit = await harness.fake.wait_for("editMessageReplyMarkup", None, 10, mark)
    assert "(1)" in str(edit.params["reply_markup"]) and await store.events.going(event.id) == [ALICE.id]
    harness.fake.press_button(ALICE, message, _button(listed))
    await harness.fake.wait_for("editMessageReplyMarkup", lambda c: "(0)" in str(c.params), 10, mark + 1)
    harness.fake.press_button(ALICE, message, _button(listed, 0, 1))
    sent = await harness.fake.wait_for("sendDocument", None, 10, mark)
    [parsed] = icalendar.Calendar.from_ical(sent.params["document_bytes"]).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == "Wasserstoff-Stammtisch" and parsed["DTSTART"].dt == start


async def test_manager_announces_with_preview_and_send_member_is_refused(harness: BotHarness) -> None:
    store = await harness.open_store()
    await store.users.touch(ALICE.id, "alice", "Alice", "de")
    await store.users.set_role(ALICE.id, "manager", "aviation")
    for user_id in (7001, 7002):
        await store.users.touch(user_id, None, None, "de")
        await store.subscriptions.subscribe(user_id, "cluster", "aviation")
    await harness.start(store=store)
    refused = await harness.reply(BOB, "/announce <b>Hallo</b>")
    assert "Admins" in refused.params["text"] or "admins" in refused.params["text"]
    bad = await harness.reply(ALICE, "/announce <b>Hallo")
    assert "nicht geschlossen" in bad.params["text"] or "not closed" in bad.params["text"]
    preview = await harness.reply(ALICE, "/announce <b>Hallo</b> Cluster")
    assert "2 Empfänger" in preview.params["text"]
    message = harness.fake.messages[(ALICE.id, preview.result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, _button(preview))
    await harness.fake.wait_for("editMessageText", lambda c: "Fertig" in c.params.get("text", ""), 20, mark)
    delivered = [c for c in harness.fake.calls_to("sendMessage", mark) if "Hallo" in c.params.get("text", "")]
    assert sorted(int(c.params["chat_id"]) for c in delivered) == [7001, 7002]
    harness.fake.press_button(ALICE, message, _button(preview))  # a second click sends nothing more
    await asyncio.sleep(3)
    again = [c for c in harness.fake.calls_to("sendMessage", mark) if "Hallo" in c.params.get("text", "")]
    assert len(again) == 2
