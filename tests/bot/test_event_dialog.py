"""The /event dialog through the fake Bot API: every step with a wrong date and a wrong link explained,
the preview, publish (stored, announced once to the cluster's and the topics' subscribers), cancel
midway by command and by button, and a member's refusal. Event questions answered from the events."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from knowledge.events import BERLIN, Event
from knowledge.state import StateStore
from tests.bot.conftest import ALICE, BOB, BotHarness
from tests.fakes.telegram_server import TgChat

SUBSCRIBERS = {7101: ("cluster", "aviation"), 7102: ("topic", "Wasserstoff"), 7103: ("cluster", "aviation")}


def _button(call: Any, column: int = 0) -> str:
    return str(call.params["reply_markup"]["inline_keyboard"][0][column]["callback_data"])


async def _manager_and_subscribers(harness: BotHarness) -> StateStore:
    store = await harness.open_store()
    await store.users.touch(ALICE.id, "alice", "Alice", "de")
    await store.users.set_role(ALICE.id, "manager", "aviation")
    for user_id, (kind, value) in SUBSCRIBERS.items():
        await store.users.touch(user_id, None, None, "en" if user_id == 7102 else "de")
        await store.subscriptions.subscribe(user_id, kind, value)
    await store.subscriptions.subscribe(7103, "topic", "Wasserstoff")  # both: still once
    await store.users.touch(7104, None, None, "de")
    await store.subscriptions.subscribe(7104, "cluster", "logistics")
    return store


async def _say(harness: BotHarness, text: str, expected: str) -> Any:
    reply = await harness.reply(ALICE, text)
    assert expected in reply.params["text"], reply.params["text"]
    return reply


async def test_event_dialog_explains_wrong_input_previews_and_publishes_once(harness: BotHarness) -> None:
    store = await _manager_and_subscribers(harness)
    await harness.start(store=store)
    mark = harness.fake.mark()
    await _say(harness, "/event", "Hamburg Aviation")  # the cluster's name in the first question
    await _say(harness, "Wasserstoff-Abend", "Wann beginnt")
    await _say(harness, "irgendwann bald", "„irgendwann bald“ kann ich nicht als Datum")
    await _say(harness, "4. März 2027", "nicht als Datum mit Uhrzeit")  # a day without a time
    await _say(harness, "01.02.2020 18:00", "in der Vergangenheit")
    await _say(harness, "04.03.2027 18:00", "Wo findet")
    await _say(harness, "ZAL TechCenter", "Beschreibung")
    await _say(harness, "Kurzvorträge zu Brennstoffzellen", "Themen")
    await _say(harness, "Wasserstoff, Luftfahrt", "Link")
    await _say(harness, "example.org", "https://")
    preview = await _say(harness, "https://example.org/h2", "Vorschau")
    assert (
        "Do, 04.03.2027, 18:00 Uhr" in preview.params["text"] and "ZAL TechCenter" in preview.params["text"]
    )
    await _say(harness, "Und jetzt?", "Veröffentlichen")  # text under the preview is no question
    questions = [
        c for c in harness.fake.replies_to(ALICE.id, mark) if "fb:" in str(c.params.get("reply_markup"))
    ]
    assert not questions  # nothing typed in the dialog was answered as a question

    message = harness.fake.messages[(ALICE.id, preview.result["message_id"])]
    done = harness.fake.mark()
    harness.fake.press_button(ALICE, message, _button(preview))
    published = await harness.fake.wait_for("editMessageText", None, 10, done)
    assert "3 Abonnenten" in published.params["text"]
    await harness.fake.wait_for(
        "editMessageText", lambda c: "Fertig: 3" in c.params.get("text", ""), 20, done
    )
    calls = harness.fake.calls_to("sendMessage", done)
    received = Counter(int(c.params["chat_id"]) for c in calls if "Wasserstoff-Abend" in c.params["text"])
    assert received == {7101: 1, 7102: 1, 7103: 1}
    [english] = [c for c in calls if int(c.params["chat_id"]) == 7102]
    assert "New event" in english.params["text"]
    [event] = await store.events.between(datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    assert (event.title, event.cluster, event.topics) == (
        "Wasserstoff-Abend",
        "aviation",
        ("Wasserstoff", "Luftfahrt"),
    )
    assert event.start == datetime(2027, 3, 4, 18, 0, tzinfo=BERLIN) and event.url == "https://example.org/h2"
    harness.fake.press_button(ALICE, message, _button(preview))  # a second click publishes nothing more
    await asyncio.sleep(2.5)
    again = [c for c in harness.fake.calls_to("sendMessage", done) if "Wasserstoff-Abend" in c.params["text"]]
    assert len(again) == 3


async def test_event_dialog_cancelled_by_command_and_by_button_saves_nothing(harness: BotHarness) -> None:
    store = await _manager_and_subscribers(harness)
    await harness.start(store=store)
    await _say(harness, "/event", "Titel")
    await _say(harness, "Stammtisch", "Wann beginnt")
    await _say(harness, "/cancel", "Abgebrochen")
    answered = await harness.ask(ALICE, "Was ist das ZAL?")  # the dialog is over: text is a question again
    assert answered
    prompt = await _say(harness, "/event", "Titel")
    await _say(harness, "Stammtisch", "Wann beginnt")
    asked = await _say(harness, "05.05.2027 18:00", "Wo findet")
    message = harness.fake.messages[(ALICE.id, asked.result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, _button(asked))
    cancelled = await harness.fake.wait_for("sendMessage", None, 10, mark)
    assert "Abgebrochen" in cancelled.params["text"] and prompt.params["reply_markup"]
    assert await store.events.between() == []
    assert await store.outbox.listing() == []


async def test_a_member_cannot_start_the_dialog_and_groups_are_refused(harness: BotHarness) -> None:
    store = await _manager_and_subscribers(harness)
    await harness.start(store=store)
    refused = await harness.reply(BOB, "/event")
    assert "admins" in refused.params["text"].lower() or "not" in refused.params["text"].lower()
    group = TgChat.group()
    elsewhere = await harness.reply(ALICE, "/event", group)
    assert "privaten Chat" in elsewhere.params["text"]


async def test_event_questions_answered_from_the_events_in_german_and_english(harness: BotHarness) -> None:
    store = await harness.open_store()
    now = datetime.now(UTC)
    next_week = (now + timedelta(days=7 - now.weekday() + 2)).replace(hour=9, minute=0, microsecond=0)
    events = [
        Event(
            title="Wasserstoff in der Luftfahrt",
            cluster="aviation",
            start=datetime(2027, 3, 4, 18, tzinfo=BERLIN),
        ),
        Event(
            title="Wasserstoff-Tankstellen",
            cluster="renewables",
            start=datetime(2027, 5, 4, 18, tzinfo=BERLIN),
        ),
        Event(title="Supply Chain Workshop", cluster="logistics", start=next_week, location="Wexstraße 7"),
        Event(title="Port Talk", cluster="maritime", start=next_week),
    ]
    for event in events:
        await store.events.publish(event.with_id(), created_by=None)
    await harness.start(store=store)
    german = await harness.ask(ALICE, "Welche Veranstaltungen zu Wasserstoff gibt es im März?")
    text = german[-1].params["text"]
    assert "Wasserstoff in der Luftfahrt" in text and "04.03.2027" in text and "Tankstellen" not in text
    english = await harness.ask(BOB, "what's on next week in logistics?")
    text = english[-1].params["text"]
    assert "Supply Chain Workshop" in text and "Wexstraße 7" in text and "Port Talk" not in text
    assert "events I found" in text
