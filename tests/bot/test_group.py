"""End to end in a group: the bot answers only when mentioned, replied to or asked with /ask."""

from __future__ import annotations

from tests.bot.conftest import ALICE, BOB, GROUP, BotHarness
from tests.fakes.telegram_server import parse_html


async def test_unmentioned_chatter_gets_no_reply(harness: BotHarness) -> None:
    await harness.start()
    mark = harness.fake.mark()
    harness.fake.send_text(ALICE, "Was ist der Cross-Cluster Space?", GROUP)
    harness.fake.send_text(BOB, "Mittagessen um 12?", GROUP)
    harness.fake.send_sticker(BOB, GROUP)
    harness.fake.send_text(BOB, "/foo", GROUP)
    harness.fake.send_text(BOB, "/ask@some_other_bot Was ist der Cross-Cluster Space?", GROUP)
    # Each user's updates are handled in order: a command each must answer ends the wait.
    for user in (ALICE, BOB):
        harness.fake.send_text(user, "/help@clusterbridge_test_bot", GROUP)
    await harness.fake.wait_for(
        "sendMessage", lambda _: len(harness.fake.calls_to("sendMessage", mark)) >= 2, after=mark
    )
    replies = harness.fake.calls_to("sendMessage", mark)
    assert len(replies) == 2 and all("/ask" in c.params["text"] for c in replies)  # the two /help


async def test_mention_gets_an_answer_as_a_reply(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "@clusterbridge_test_bot Was ist der Cross-Cluster Space?", GROUP)
    final = calls[-1]
    assert int(final.params["chat_id"]) == GROUP.id
    assert final.params["reply_parameters"]["message_id"] > 0
    assert "Cross-Cluster Space" in parse_html(final.params["text"])


async def test_reply_to_the_bot_and_ask_command_get_answers(harness: BotHarness) -> None:
    await harness.start()
    calls = await harness.ask(ALICE, "/ask Was ist der Cross-Cluster Space?", GROUP)
    bot_message = harness.fake.messages[(GROUP.id, calls[-1].result["message_id"])]
    calls = await harness.ask(BOB, "Where is it?", GROUP, reply_to=bot_message)
    assert calls and "reply_markup" in calls[-1].params
    calls = await harness.ask(BOB, "/ask@clusterbridge_test_bot What is the Cross-Cluster Space?", GROUP)
    assert "<b>Sources</b>" in calls[-1].params["text"]


async def test_each_member_has_their_own_conversation_in_a_group(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    await harness.ask(ALICE, "/ask Was ist der Cross-Cluster Space?", GROUP)
    await harness.ask(BOB, "/ask What is Hamburg Aviation?", GROUP)
    alice = await store.history.recent(f"chat:{GROUP.id}:user:{ALICE.id}", 10)
    bob = await store.history.recent(f"chat:{GROUP.id}:user:{BOB.id}", 10)
    assert [t.question for t in alice] == ["Was ist der Cross-Cluster Space?"]
    assert [t.question for t in bob] == ["What is Hamburg Aviation?"]


async def test_a_mention_without_a_question_gets_usage(harness: BotHarness) -> None:
    await harness.start()
    call = await harness.reply(ALICE, "@clusterbridge_test_bot", GROUP)
    assert "/ask" in call.params["text"]
