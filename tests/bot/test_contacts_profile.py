"""/profile (the guided edit dialog, re-indexing at once, cancel, timeout) and /forget with the
import block, through the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.handlers import profile as profile_handlers
from knowledge.config import Settings
from tests.bot.conftest import ALICE, BOB, BotHarness
from tests.bot.contacts_helpers import EMAILS, ContactsBot, button_for, buttons, contacts_bot_for

DRONES = "/contacts Beratung zur Drohnen-Zulassung und Hafenlogistik"


@pytest.fixture
async def contacts_bot(
    harness: BotHarness, indexed_copy: Settings, tmp_path: Path
) -> AsyncIterator[ContactsBot]:
    async for bot in contacts_bot_for(harness, indexed_copy, tmp_path):
        yield bot


async def _open_profile(bot: ContactsBot) -> str:
    await bot.say(ALICE, "/start")
    card = await bot.say(ALICE, "/profile")
    assert "Alice Albers" in card.text and "Kabinenwerk Nord" in card.text
    assert not any(part in card.text for part in EMAILS)  # not even her own email
    return card  # type: ignore[return-value]


async def test_profile_edits_are_saved_and_reindexed_at_once(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await contacts_bot.say(BOB, "/start")
    before = await contacts_bot.say(BOB, DRONES)
    assert "Alice Albers bietet „Beratung" not in before.text

    card = await _open_profile(contacts_bot)
    mark = await contacts_bot.press(ALICE, card, button_for(card, "Angebote"))  # type: ignore[arg-type]
    asked = await contacts_bot.next_to(ALICE, mark)
    assert "Prüfstände für Kabinenelektronik" in asked.text and buttons(asked)  # current value, Cancel
    texts = await contacts_bot.exchange(ALICE, "Beratung zur Drohnen-Zulassung und Hafenlogistik")
    assert "Gespeichert" in texts[0] and "Drohnen-Zulassung" in texts[0]
    assert not any("Quellen" in t for t in texts)  # the value was not also answered as a question
    stored = await contacts_bot.store.profiles.get("av-01")
    assert stored is not None and stored.offers == "Beratung zur Drohnen-Zulassung und Hafenlogistik"

    after = await contacts_bot.say(BOB, DRONES)
    assert "Alice Albers bietet „Beratung zur Drohnen-Zulassung" in after.text  # re-indexed at once

    saved = await contacts_bot.fake.wait_for("sendMessage", lambda c: "Gespeichert" in c.text)
    mark = await contacts_bot.press(ALICE, saved, button_for(saved, "Sprachen"))
    choices = await contacts_bot.next_to(ALICE, mark)
    english = next(data for label, data in buttons(choices) if label == "Englisch")
    mark = await contacts_bot.press(ALICE, choices, english)
    assert "Gespeichert" in (await contacts_bot.next_to(ALICE, mark)).text
    stored = await contacts_bot.store.profiles.get("av-01")
    assert stored is not None and stored.languages == ("en",)

    mark = await contacts_bot.press(ALICE, saved, button_for(saved, "Kontaktvorschläge"))
    choices = await contacts_bot.next_to(ALICE, mark)
    mark = await contacts_bot.press(ALICE, choices, button_for(choices, "Nein"))
    assert "Kontaktvorschläge: nein" in (await contacts_bot.next_to(ALICE, mark)).text
    withdrawn = await contacts_bot.say(BOB, DRONES)
    assert "Alice Albers" not in withdrawn.text  # withdrawn consent counts at once

    await contacts_bot.reimport()  # the admin's unchanged file does not undo her edits
    stored = await contacts_bot.store.profiles.get("av-01")
    assert stored is not None and stored.offers.startswith("Beratung") and not stored.consent_contact


async def test_profile_dialog_cancels_by_command_and_button(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    card = await _open_profile(contacts_bot)
    mark = await contacts_bot.press(ALICE, card, button_for(card, "Bedarfe"))  # type: ignore[arg-type]
    asked = await contacts_bot.next_to(ALICE, mark)
    assert "Nichts geändert" in (await contacts_bot.say(ALICE, "/cancel")).text
    answer = await contacts_bot.harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    assert "Quellen" in answer[-1].text  # after /cancel, text is a question again

    mark = await contacts_bot.press(ALICE, card, button_for(card, "Expertise"))  # type: ignore[arg-type]
    asked = await contacts_bot.next_to(ALICE, mark)
    mark = await contacts_bot.press(ALICE, asked, button_for(asked, "Abbrechen"))
    assert "Nichts geändert" in (await contacts_bot.next_to(ALICE, mark)).text
    stored = await contacts_bot.store.profiles.get("av-01")
    assert stored is not None and stored.expertise == ("Kabinensensorik",)


async def test_profile_dialog_times_out(contacts_bot: ContactsBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile_handlers, "TIMEOUT_SECONDS", 1)
    await contacts_bot.start()
    card = await _open_profile(contacts_bot)
    mark = await contacts_bot.press(ALICE, card, button_for(card, "Bedarfe"))  # type: ignore[arg-type]
    await contacts_bot.next_to(ALICE, mark)
    ended = await contacts_bot.fake.wait_for("sendMessage", lambda c: "abgelaufen" in c.text, 10, mark)
    assert int(ended.params["chat_id"]) == ALICE.id
    answer = await contacts_bot.harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    assert "Quellen" in answer[-1].text


async def test_profile_without_a_linked_account(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    stranger = await contacts_bot.say(BOB, "/profile")  # Bob has not sent /start: not linked yet
    assert "not linked" in stranger.text


async def test_forget_deletes_the_profile_and_blocks_the_next_import(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await contacts_bot.say(ALICE, "/start")
    await contacts_bot.say(BOB, "/start")
    await contacts_bot.harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    offers = "/contacts Prüfstände für Kabinenelektronik"
    assert "Alice Albers" in (await contacts_bot.say(BOB, offers)).text

    confirm = await contacts_bot.say(ALICE, "/forget")
    mark = await contacts_bot.press(ALICE, confirm, button_for(confirm, "Nein"))
    assert "Nichts gelöscht" in (await contacts_bot.next_to(ALICE, mark)).text
    assert await contacts_bot.store.profiles.get("av-01") is not None

    confirm = await contacts_bot.say(ALICE, "/forget")
    mark = await contacts_bot.press(ALICE, confirm, button_for(confirm, "Ja"))
    assert "gelöscht" in (await contacts_bot.next_to(ALICE, mark)).text
    assert await contacts_bot.store.profiles.get("av-01") is None
    user = await contacts_bot.store.users.get(ALICE.id)
    assert user is not None and user.member_id is None
    assert await contacts_bot.store.history.recent(f"chat:{ALICE.id}:user:{ALICE.id}", 5) == []
    assert "Alice Albers" not in (await contacts_bot.say(BOB, offers)).text

    report = await contacts_bot.reimport()
    assert report.blocked == ["av-01"] and await contacts_bot.store.profiles.get("av-01") is None
    assert "Alice Albers" not in (await contacts_bot.say(BOB, offers)).text
    relinked = await contacts_bot.say(ALICE, "/start")
    assert "verknüpft" not in relinked.text

    assert await contacts_bot.store.profiles.unblock("av-01")  # what `members unblock` does
    await contacts_bot.reimport()
    assert "Alice Albers" in (await contacts_bot.say(BOB, offers)).text
