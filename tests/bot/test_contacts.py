"""Contacts through the fake Bot API: /start links profiles, /contacts and questions for people get
suggestions, introductions by double opt-in (accept, decline, via the cluster manager), their
limits and expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import EXPIRY_JOB
from knowledge.config import Settings
from knowledge.state.tables import Introduction, utcnow
from tests.bot.conftest import ALICE, BOB, BotHarness
from tests.bot.contacts_helpers import (
    CAROL,
    DAN,
    EMAILS,
    REQUEST,
    ContactsBot,
    button_for,
    buttons,
    contacts_bot_for,
)
from tests.fakes.telegram_server import Call


@pytest.fixture
async def contacts_bot(
    harness: BotHarness, indexed_copy: Settings, tmp_path: Path
) -> AsyncIterator[ContactsBot]:
    async for bot in contacts_bot_for(harness, indexed_copy, tmp_path):
        yield bot


def _no_private_data(*texts: str) -> None:
    for shown in texts:
        assert not any(part in shown for part in EMAILS), shown
        for handle in ("@alice", "@bob_hh", "@carol_ls", "@mia_meyer", "@lars_l", "@anton_adler"):
            assert handle not in shown, shown


async def _link(bot: ContactsBot, *users: object) -> None:
    for user in users:
        await bot.say(user, "/start")  # type: ignore[arg-type]


async def _suggest(bot: ContactsBot, text: str = REQUEST) -> Call:
    call = await bot.say(ALICE, text)
    assert buttons(call), call.text
    return call


async def test_start_links_the_profile_by_username_and_applies_its_role(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    greeting = await contacts_bot.say(ALICE, "/start")
    assert "mit Ihrem Mitgliedsprofil verknüpft" in greeting.text
    assert (await contacts_bot.store.users.get(ALICE.id)).member_id == "av-01"  # type: ignore[union-attr]
    assert await contacts_bot.store.subscriptions.of_user(ALICE.id) == {("cluster", "aviation")}  # her own
    await contacts_bot.say(CAROL, "/start")
    carol = await contacts_bot.store.users.get(CAROL.id)
    assert carol is not None and carol.member_id == "ls-03"
    assert (carol.role, carol.role_cluster) == ("manager", "lifescience")
    stranger = await contacts_bot.say(DAN, "/start")
    assert "linked" not in stranger.text
    assert (await contacts_bot.store.users.get(DAN.id)).member_id is None  # type: ignore[union-attr]


async def test_contacts_in_words_other_clusters_first_never_without_consent(
    contacts_bot: ContactsBot,
) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE)
    call = await _suggest(contacts_bot)
    shown = call.text
    assert "Bob Berger" in shown and "Clara Claussen" in shown
    assert "Lars Lorenz" not in shown  # the perfect fit who does not consent
    assert "Alice Albers" not in shown  # never the asker
    if "Anton Adler" in shown:  # her own cluster only after the others
        assert shown.index("Anton Adler") > max(shown.index("Bob Berger"), shown.index("Clara Claussen"))
    assert "Life Science Nord" in shown and "Klinikum Testfeld" in shown
    assert "Sie suchen" in shown  # a reason in her language
    labels = [label for label, _ in buttons(call)]
    assert len(labels) <= 5 and all(label.startswith("Kontakt anfragen") for label in labels)
    _no_private_data(shown)


async def test_contacts_without_text(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, DAN)
    unlinked = await contacts_bot.say(DAN, "/contacts")
    assert "/contacts test environment for cabin sensors" in unlinked.text
    own = await contacts_bot.say(ALICE, "/contacts")
    assert "Bob Berger" in own.text and buttons(own)
    _no_private_data(own.text)


async def test_questions_for_people_get_suggestions_not_quotes(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB)
    german = await contacts_bot.exchange(ALICE, "Wer kennt sich mit Drohnen-Zulassung im Hafen aus?")
    assert "Mia Meyer" in german[0] and "Quellen" not in "".join(german)
    english = await contacts_bot.exchange(BOB, "who could help us test cabin sensors?")
    assert "These members might be a good fit" in english[0] and "Sources" not in "".join(english)
    assert "Bob Berger" not in english[0]
    facts = await contacts_bot.exchange(ALICE, "Was ist der Cross-Cluster Space?")
    assert "Quellen" in facts[-1]
    _no_private_data(*german, *english)


async def test_double_opt_in_accepted_shares_handles_with_both(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB)
    suggestions = await _suggest(contacts_bot)
    mark = await contacts_bot.press(ALICE, suggestions, button_for(suggestions, "Bob Berger"))
    request = await contacts_bot.next_to(BOB, mark)
    told = await contacts_bot.next_to(ALICE, mark)
    assert "Bob Berger" in told.text and "gefragt" in told.text
    assert "Alice Albers" in request.text and "Kabinenwerk Nord" in request.text
    assert "Hamburg Aviation" in request.text and "Testumgebung für Kabinensensorik" in request.text
    assert [label for label, _ in buttons(request)] == ["✅ Accept", "Decline"]  # Bob's language
    _no_private_data(request.text, told.text)

    mark = await contacts_bot.press(BOB, request, buttons(request)[0][1])
    to_alice = await contacts_bot.next_to(ALICE, mark)
    to_bob = await contacts_bot.next_to(BOB, mark)
    assert "@bob_hh" in to_alice.text and "Bob Berger" in to_alice.text
    assert "@alice" in to_bob.text and "Alice Albers" in to_bob.text
    assert not any(part in to_alice.text + to_bob.text for part in EMAILS)
    stored = await contacts_bot.store.introductions.get(int(buttons(request)[0][1].split(":")[1]))
    assert stored is not None and stored.status == "accepted"

    mark = await contacts_bot.press(BOB, request, buttons(request)[1][1])  # a second press changes nothing
    assert "no longer open" in await contacts_bot.alert(mark)


async def test_double_opt_in_declined_tells_the_asker_politely(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB)
    suggestions = await _suggest(contacts_bot)
    mark = await contacts_bot.press(ALICE, suggestions, button_for(suggestions, "Bob Berger"))
    request = await contacts_bot.next_to(BOB, mark)
    await contacts_bot.next_to(ALICE, mark)
    mark = await contacts_bot.press(BOB, request, button_for(request, "Decline"))
    to_alice = await contacts_bot.next_to(ALICE, mark)
    to_bob = await contacts_bot.next_to(BOB, mark)
    assert "nicht zustande gekommen" in to_alice.text
    assert "You declined" in to_bob.text
    _no_private_data(to_alice.text, to_bob.text)


async def test_a_member_without_telegram_is_introduced_through_the_cluster_manager(
    contacts_bot: ContactsBot,
) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, CAROL)
    suggestions = await _suggest(contacts_bot)
    mark = await contacts_bot.press(ALICE, suggestions, button_for(suggestions, "Clara Claussen"))
    told = await contacts_bot.next_to(ALICE, mark)
    request = await contacts_bot.next_to(CAROL, mark)
    assert "Clustermanagement" in told.text and "Life Science Nord" in told.text
    assert "Clara Claussen" in request.text and "Alice Albers" in request.text
    _no_private_data(told.text, request.text)
    mark = await contacts_bot.press(CAROL, request, button_for(request, "Annehmen"))
    to_alice = await contacts_bot.next_to(ALICE, mark)
    to_carol = await contacts_bot.next_to(CAROL, mark)
    assert "@carol_ls" in to_alice.text and "Clara Claussen" in to_alice.text
    assert "@alice" in to_carol.text


async def test_pending_duplicate_and_the_daily_limit(contacts_bot: ContactsBot) -> None:
    contacts_bot.settings = contacts_bot.settings.model_copy(update={"clusterbridge_intro_daily_limit": 1})
    contacts_bot.desk.settings = contacts_bot.settings
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB, CAROL)
    suggestions = await _suggest(contacts_bot)
    bob = button_for(suggestions, "Bob Berger")
    mark = await contacts_bot.press(ALICE, suggestions, bob)
    await contacts_bot.next_to(BOB, mark)
    await contacts_bot.next_to(ALICE, mark)
    mark = await contacts_bot.press(ALICE, suggestions, bob)
    assert "bereits angefragt" in (await contacts_bot.next_to(ALICE, mark)).text
    mark = await contacts_bot.press(ALICE, suggestions, button_for(suggestions, "Clara Claussen"))
    assert "heute schon 1 Kontaktanfragen" in (await contacts_bot.next_to(ALICE, mark)).text
    await contacts_bot.fake.wait_quiet(0.5)
    assert not contacts_bot.fake.replies_to(CAROL.id, mark)  # nothing reached the manager


async def test_requests_expire_from_the_job_queue(contacts_bot: ContactsBot) -> None:
    app = await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB)
    suggestions = await _suggest(contacts_bot)
    mark = await contacts_bot.press(ALICE, suggestions, button_for(suggestions, "Bob Berger"))
    request = await contacts_bot.next_to(BOB, mark)
    await contacts_bot.next_to(ALICE, mark)
    async with contacts_bot.store.introductions.session("backdate") as session:
        await session.execute(update(Introduction).values(created_at=utcnow() - timedelta(days=15)))
    assert app.job_queue is not None
    await app.job_queue.get_jobs_by_name(EXPIRY_JOB)[0].run(app)
    introduction_id = int(button_for(request, "Accept").split(":")[1])
    stored = await contacts_bot.store.introductions.get(introduction_id)
    assert stored is not None and stored.status == "expired"
    mark = await contacts_bot.press(BOB, request, button_for(request, "Accept"))
    assert "no longer open" in await contacts_bot.alert(mark)
    await contacts_bot.fake.wait_quiet(0.5)
    assert not contacts_bot.fake.replies_to(ALICE.id, mark)


async def test_stale_and_foreign_suggestion_buttons(contacts_bot: ContactsBot) -> None:
    await contacts_bot.start()
    await _link(contacts_bot, ALICE, BOB)
    suggestions = await _suggest(contacts_bot)
    mark = await contacts_bot.press(ALICE, suggestions, "intro:1700000000000:0")  # before a restart
    assert "nicht mehr aktuell" in await contacts_bot.alert(mark)
    mark = await contacts_bot.press(BOB, suggestions, button_for(suggestions, "Clara"))  # not his list
    assert "out of date" in await contacts_bot.alert(mark)
    mark = await contacts_bot.press(ALICE, suggestions, "introdec:999:1")
    assert "nicht mehr offen" in await contacts_bot.alert(mark)
