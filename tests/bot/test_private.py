"""End to end in a private chat: the real bot, through PTB's HTTP stack, against the fake Bot API."""

from __future__ import annotations

from knowledge.state import StateStore
from tests.bot.conftest import ALICE, BOB, BotHarness
from tests.fakes.telegram_server import TgChat, parse_html


async def test_startup_registers_commands_in_german_and_english(harness: BotHarness) -> None:
    app = await harness.start()
    assert app.job_queue is not None and {"prune", "outbox"} <= {job.name for job in app.job_queue.jobs()}
    assert {"", "de"} <= set(harness.fake.commands)
    german = {c["command"]: c["description"] for c in harness.fake.commands["de"]}
    english = {c["command"]: c["description"] for c in harness.fake.commands[""]}
    assert german["ask"].startswith("Eine Frage stellen") and english["ask"].startswith("Ask a question")
    assert "stats" not in german and "grant" not in english  # admin commands are not in the menu
    assert set(german) == set(english) >= {"ask", "help", "reset", "lang", "start"}


async def test_private_question_gets_a_cited_answer_with_feedback_buttons(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    final = calls[-1]
    html = final.params["text"]
    assert final.params["parse_mode"] == "HTML"
    shown = parse_html(html)  # valid Telegram HTML, or this raises
    assert "<b>Quellen</b>" in html
    assert "[1]" in shown
    assert "Cross-Cluster Space" in shown
    buttons = final.params["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["👍", "👎"]
    assert all(b["callback_data"].startswith("fb:") for b in buttons)
    assert not [c for c in harness.fake.calls if c.error]


async def test_answers_follow_the_question_language(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(BOB, "What is the Cross-Cluster Space?")
    assert "<b>Sources</b>" in calls[-1].params["text"]


async def test_typing_indicator_while_answering(harness: BotHarness) -> None:
    await harness.start()
    mark = harness.fake.mark()
    await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    actions = harness.fake.calls_to("sendChatAction", mark)
    assert actions and actions[0].params["action"] == "typing"
    assert int(actions[0].params["chat_id"]) == ALICE.id


async def test_html_in_the_question_never_breaks_the_reply(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "Was ist <b>Hamburg & Aviation</b>? <script>x</script>")
    for call in calls:
        parse_html(call.params["text"])
    assert not [c for c in harness.fake.calls if c.error]


async def test_start_greets_in_the_users_language(harness: BotHarness) -> None:
    await harness.start()
    german = await harness.reply(ALICE, "/start")
    assert german.params["text"].startswith("Guten Tag, Alice!")
    assert "@clusterbridge_test_bot" in german.params["text"]
    english = await harness.reply(BOB, "/start")
    assert english.params["text"].startswith("Hello Bob!")


async def test_help_lists_the_commands(harness: BotHarness) -> None:
    await harness.start()
    call = await harness.reply(ALICE, "/help")
    for command in ("/ask", "/reset", "/lang"):
        assert command in call.params["text"]


async def test_reset_forgets_the_conversation(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    conversation = f"chat:{ALICE.id}:user:{ALICE.id}"
    assert len(await store.history.recent(conversation, 10)) == 1
    call = await harness.reply(ALICE, "/reset")
    assert "vergessen" in call.params["text"]
    assert await store.history.recent(conversation, 10) == []


async def test_lang_overrides_the_language(harness: BotHarness) -> None:
    store: StateStore = await harness.open_store()
    await harness.start(store=store)
    call = await harness.reply(ALICE, "/lang en")
    assert "English" in call.params["text"]
    user = await store.users.get(ALICE.id)
    assert user is not None and user.language_override == "en"
    calls = await harness.ask(ALICE, "Was ist der Cross-Cluster Space?")
    assert "<b>Sources</b>" in calls[-1].params["text"]
    call = await harness.reply(ALICE, "/lang auto")
    user = await store.users.get(ALICE.id)
    assert user is not None and user.language_override is None
    usage = await harness.reply(ALICE, "/lang fr")
    assert "/lang de" in usage.params["text"]


async def test_private_chat_id_is_the_users(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "Was ist der Cross-Cluster Space?", chat=TgChat.private(ALICE))
    assert all(int(c.params["chat_id"]) == ALICE.id for c in calls)


async def test_start_tells_a_linked_member_so(harness: BotHarness) -> None:
    store = await harness.open_store()
    await store.users.touch(BOB.id, BOB.username, BOB.first_name, BOB.language_code)
    await store.users.link_member(BOB.id, "m-007")
    await harness.start(store=store)
    linked = await harness.reply(BOB, "/start")
    assert "linked to your member profile" in linked.params["text"]
    unknown = await harness.reply(ALICE, "/start")  # not linked
    assert "verknüpft" not in unknown.params["text"]
