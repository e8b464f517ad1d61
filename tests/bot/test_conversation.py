"""Follow-ups, feedback and a restart in the middle of a conversation (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from knowledge.state import StateStore
from tests.bot.conftest import ALICE, BOB, BotHarness
from tests.fakes.telegram_server import Call, parse_html

FIRST = "Was ist der Cross-Cluster Space?"
FOLLOW_UP = "Und wo ist er?"


def cited(call: Call) -> str:
    """The visible text of the final answer message."""
    return parse_html(call.params["text"])


def feedback_data(call: Call, rating: str) -> str:
    buttons = call.params["reply_markup"]["inline_keyboard"][0]
    return next(b["callback_data"] for b in buttons if b["callback_data"].endswith(f":{rating}"))


async def test_follow_up_question_uses_the_conversation(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    first = (await harness.ask(ALICE, FIRST))[-1]
    follow = (await harness.ask(ALICE, FOLLOW_UP))[-1]
    # On its own, "Und wo ist er?" finds nothing; with the previous question it stays on the topic.
    assert "Cross-Cluster" in cited(follow)
    assert first.params["text"].split("<b>Quellen</b>")[1].split("\n")[1] in follow.params["text"]
    turns = await store.history.recent(f"chat:{ALICE.id}:user:{ALICE.id}", 10)
    assert [t.question for t in turns] == [FIRST, FOLLOW_UP]


async def test_feedback_buttons_store_the_rating_with_the_answer(harness: BotHarness) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    final = (await harness.ask(ALICE, FIRST))[-1]
    message = harness.fake.messages[(ALICE.id, final.result["message_id"])]

    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, feedback_data(final, "1"))
    answered = await harness.fake.wait_for("answerCallbackQuery", after=mark)
    assert answered.params["text"] == "Danke für Ihr Feedback!"
    assert await store.answers.feedback_summary() == {"up": 1, "down": 0}

    answer_id = int(feedback_data(final, "1").split(":")[1])
    saved = await store.answers.get(answer_id)
    assert saved is not None and saved.question == FIRST and saved.user_id == ALICE.id
    assert saved.sources and saved.mode == "extractive"

    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, feedback_data(final, "-1"))  # changing one's mind
    harness.fake.press_button(BOB, message, feedback_data(final, "-1"))
    await harness.fake.wait_for(
        "answerCallbackQuery",
        lambda c: len(harness.fake.calls_to("answerCallbackQuery", mark)) == 2,
        after=mark,
    )
    assert await store.answers.feedback_summary() == {"up": 0, "down": 2}


async def test_feedback_on_an_unknown_answer_is_answered_politely(harness: BotHarness) -> None:
    await harness.start()
    final = (await harness.ask(ALICE, FIRST))[-1]
    message = harness.fake.messages[(ALICE.id, final.result["message_id"])]
    mark = harness.fake.mark()
    harness.fake.press_button(ALICE, message, "fb:999999:1")
    answered = await harness.fake.wait_for("answerCallbackQuery", after=mark)
    assert "nicht mehr" in answered.params["text"]


@pytest.mark.parametrize(
    "db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_restart_in_the_middle_of_a_conversation(harness: BotHarness) -> None:
    store: StateStore = await harness.open_store()
    app = await harness.start(store=store)
    first = (await harness.ask(ALICE, FIRST))[-1]
    message = harness.fake.messages[(ALICE.id, first.result["message_id"])]

    await harness.stop(app)
    await store.close()

    restarted = await harness.open_store()  # a new process would open the same database
    await harness.start(store=restarted)
    follow = (await harness.ask(ALICE, FOLLOW_UP))[-1]
    assert "Cross-Cluster" in cited(follow)
    turns = await restarted.history.recent(f"chat:{ALICE.id}:user:{ALICE.id}", 10)
    assert [t.question for t in turns] == [FIRST, FOLLOW_UP]

    mark = harness.fake.mark()  # the buttons under the answer from before the restart still work
    harness.fake.press_button(ALICE, message, feedback_data(first, "1"))
    answered = await harness.fake.wait_for("answerCallbackQuery", after=mark)
    assert answered.params["text"] == "Danke für Ihr Feedback!"
    assert await restarted.answers.feedback_summary() == {"up": 1, "down": 0}
