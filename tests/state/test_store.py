"""The bot-state store on SQLite and PostgreSQL: migrations, users, history, answers, feedback, requests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from knowledge.errors import ClusterBridgeError
from knowledge.models import Source, Turn
from knowledge.qa import History, QAService
from knowledge.state import (
    Exchange,
    StateError,
    StateStore,
    UnknownAnswerError,
    UnknownUserError,
    head_revision,
)
from knowledge.state.tables import Base
from tests.databases import StateDatabase

TABLES = {
    *("users", "history_turns", "sent_answers", "feedback", "access_requests", "alembic_version"),
    *("events", "event_rsvps", "subscriptions", "broadcasts", "deliveries"),
    *("profiles", "forgotten_members", "introductions"),
    *("audit_log", "ingest_runs", "ingest_locks"),
}


# -- migrations -------------------------------------------------------------------------------------


async def test_migrations_create_tables_on_empty_database(backend: StateDatabase) -> None:
    assert await backend.table_names() == set()
    store = await backend.open()
    assert await backend.table_names() == TABLES
    assert await store.revision() == head_revision()


async def test_reopen_is_idempotent_and_keeps_data(backend: StateDatabase) -> None:
    store = await backend.open()
    await store.users.touch(1, "anna", "Anna", "de")
    await store.close()
    again = await backend.open()
    third = await backend.open()  # two stores on one database at once
    assert await again.revision() == head_revision()
    assert await third.users.count() == 1
    assert await backend.table_names() == TABLES


@pytest.mark.filterwarnings("ignore:.*expression-based index")
async def test_models_match_migrations(store: StateStore) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, Base.metadata)

    async with store.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_bad_url_is_a_clear_state_error() -> None:
    with pytest.raises(StateError, match="Unsupported state database"):
        await StateStore.open("mysql://user@localhost/db")
    with pytest.raises(StateError, match="Cannot open the state database") as info:
        await StateStore.open("postgresql+asyncpg://postgres@127.0.0.1:1/test")
    assert isinstance(info.value, ClusterBridgeError)
    assert info.value.__cause__ is not None


# -- users ------------------------------------------------------------------------------------------


async def test_touch_user_creates_then_updates(store: StateStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    first = await store.users.touch(42, "Anna_Hamburg", "Anna", "de-DE")
    assert (first.id, first.username, first.first_name, first.language_code) == (
        42,
        "Anna_Hamburg",
        "Anna",
        "de-DE",
    )
    assert (first.role, first.role_cluster, first.member_id, first.blocked) == ("member", None, None, False)
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == timedelta(0)
    assert first.created_at >= before

    await asyncio.sleep(0.01)
    second = await store.users.touch(42, "anna_new", "Anna", None)
    assert second.username == "anna_new"
    assert second.language_code == "de-DE"  # an absent language code keeps the known one
    assert second.created_at == first.created_at
    assert second.last_seen_at > first.last_seen_at
    assert await store.users.get(42) == second
    assert await store.users.count() == 1
    await store.users.touch(7, None, "Bob", "en")
    assert await store.users.count() == 2


async def test_telegram_ids_are_64_bit(store: StateStore) -> None:
    big = 7_000_000_000_123
    await store.users.touch(big, "big", None, None)
    user = await store.users.get(big)
    assert user is not None and user.id == big
    answer_id = await save_answer(store, big, -1_001_234_567_890, "q", "a", [], "extractive")
    answer = await store.answers.get(answer_id)
    assert answer is not None and answer.chat_id == -1_001_234_567_890


async def test_unknown_user_is_none(store: StateStore) -> None:
    assert await store.users.get(999) is None


async def test_language_override(store: StateStore) -> None:
    user = await store.users.touch(1, "anna", "Anna", "en-GB")
    assert user.language_override is None and user.language == "en"
    await store.users.set_language(1, "de")
    user2 = await store.users.get(1)
    assert user2 is not None and user2.language_override == "de" and user2.language == "de"
    await store.users.set_language(1, None)
    user3 = await store.users.get(1)
    assert user3 is not None and user3.language_override is None and user3.language == "en"
    french = await store.users.touch(2, None, "Jean", "fr")
    assert french.language == "de"  # German by default
    with pytest.raises(ValueError, match="language"):
        await store.users.set_language(1, "fr")
    with pytest.raises(UnknownUserError):
        await store.users.set_language(999, "en")


async def test_roles_and_member_links(store: StateStore) -> None:
    await store.users.touch(1, "anna", "Anna", "de")
    await store.users.set_role(1, "manager", "aviation")
    user = await store.users.get(1)
    assert user is not None and (user.role, user.role_cluster) == ("manager", "aviation")
    await store.users.set_role(1, "admin")
    user = await store.users.get(1)
    assert user is not None and (user.role, user.role_cluster) == ("admin", None)
    with pytest.raises(ValueError, match="role"):
        await store.users.set_role(1, "superuser")
    with pytest.raises(UnknownUserError):
        await store.users.set_role(2, "member")

    await store.users.link_member(1, "m-017")
    user = await store.users.get(1)
    assert user is not None and user.member_id == "m-017"
    await store.users.link_member(1, None)
    user = await store.users.get(1)
    assert user is not None and user.member_id is None
    # A later touch (new Telegram data) keeps role and link.
    await store.users.link_member(1, "m-017")
    user = await store.users.touch(1, "anna2", "Anna", "de")
    assert (user.role, user.member_id) == ("admin", "m-017")

    await store.users.set_blocked(1, True)
    user = await store.users.get(1)
    assert user is not None and user.blocked


# -- conversation history ---------------------------------------------------------------------------


async def test_history_order_limit_reset(store: StateStore) -> None:
    history: History = store.history  # satisfies the protocol of knowledge.qa
    conv, other = "chat:1:user:1", "chat:2:user:1"
    assert await history.recent(conv, 4) == []
    for i in range(6):
        await history.append(conv, Turn(question=f"q{i}", answer=f"a{i}"))
    await history.append(other, Turn(question="other", answer="x"))
    assert [t.question for t in await history.recent(conv, 4)] == ["q2", "q3", "q4", "q5"]
    assert [t.answer for t in await history.recent(conv, 100)] == [f"a{i}" for i in range(6)]
    assert await history.recent(conv, 0) == []
    await history.reset(conv)
    assert await history.recent(conv, 4) == []
    assert [t.question for t in await history.recent(other, 4)] == ["other"]
    await history.reset("chat:never:user:seen")  # no error


async def test_history_is_pruned_per_conversation(backend: StateDatabase) -> None:
    store = await backend.open(max_turns=5)
    for i in range(8):
        await store.history.append("a", Turn(question=f"q{i}", answer="x"))
    await store.history.append("b", Turn(question="b0", answer="x"))
    assert [t.question for t in await store.history.recent("a", 100)] == ["q3", "q4", "q5", "q6", "q7"]
    assert [t.question for t in await store.history.recent("b", 100)] == ["b0"]


async def test_exchanges_are_saved_together_in_order_and_pruned(backend: StateDatabase) -> None:
    store = await backend.open(max_turns=3)
    for i in range(3):
        await store.history.append("a", Turn(question=f"old{i}", answer="x"))
    exchanges = [
        Exchange(
            thread_id=conv,
            user_id=7,
            chat_id=7,
            question=f"{conv}-q{i}",
            answer=f"answer {i}",
            sources=[Source(source=f"{i}.txt", title=f"Doc {i}", url=None)],
            mode="extractive",
        )
        for i, conv in enumerate(["a", "b", "a", "c"])
    ]
    ids = await store.answers.save_exchanges(exchanges)
    assert len(ids) == 4 and ids == sorted(ids)
    for answer_id, exchange in zip(ids, exchanges, strict=True):
        saved = await store.answers.get(answer_id)
        assert saved is not None and saved.question == exchange.question
        assert saved.sources == exchange.sources
    assert [t.question for t in await store.history.recent("a", 10)] == ["old2", "a-q0", "a-q2"]
    assert [t.question for t in await store.history.recent("b", 10)] == ["b-q1"]
    assert await store.answers.save_exchanges([]) == []
    [single] = await store.answers.save_exchanges(exchanges[3:])
    assert single > ids[-1]


async def test_history_default_bound_is_50(store: StateStore) -> None:
    assert store.history.max_turns == 50
    for i in range(53):
        await store.history.append("c", Turn(question=f"q{i}", answer="x"))
    turns = await store.history.recent("c", 1000)
    assert len(turns) == 50 and turns[0].question == "q3" and turns[-1].question == "q52"


async def test_conversation_survives_restart(backend: StateDatabase) -> None:
    conv = "chat:123:user:456"
    store = await backend.open()
    await store.users.touch(456, "anna", "Anna", "de")
    await store.users.set_language(456, "en")
    await store.history.append(conv, Turn(question="Wer leitet das ZAL?", answer="Roland Gerhards [1]"))
    await store.close()

    restarted = await backend.open()
    assert await restarted.history.recent(conv, 4) == [
        Turn(question="Wer leitet das ZAL?", answer="Roland Gerhards [1]")
    ]
    user = await restarted.users.get(456)
    assert user is not None and user.language == "en"


async def test_conversation_service_uses_the_store(store: StateStore) -> None:
    class EchoAssistant:
        async def aask(self, question: str, history: list[Turn], language: object = None) -> object:
            from knowledge.models import Answer

            return Answer(answer=f"{question} after {len(history)}", sources=[], abstained=False)

    service = QAService(EchoAssistant(), store.history)  # type: ignore[arg-type]
    await service.ask("c", "eins")
    answer = await service.ask("c", "zwei")
    assert answer.answer == "zwei after 1"
    await service.reset("c")
    assert await store.history.recent("c", 4) == []


# -- answers and feedback ---------------------------------------------------------------------------


async def save_answer(
    store: StateStore,
    user_id: int,
    chat_id: int,
    question: str,
    answer: str,
    sources: list[Source],
    mode: str,
) -> int:
    """Store one answered question the way the bot does."""
    exchange = Exchange(
        thread_id=f"chat:{chat_id}:user:{user_id}",
        user_id=user_id,
        chat_id=chat_id,
        question=question,
        answer=answer,
        sources=sources,
        mode=mode,
    )
    return (await store.answers.save_exchanges([exchange]))[0]


async def test_answers_keep_sources(store: StateStore) -> None:
    sources = [
        Source(source="docs/zal.md", title="ZAL TechCenter", url="https://example.org/zal"),
        Source(source="docs/h2.pdf", title="Wasserstoff", url=None),
    ]
    answer_id = await save_answer(store, 1, -100, "Was ist das ZAL?", "Ein Zentrum [1][2]", sources, "llm")
    other_id = await save_answer(store, 1, -100, "q", "a", [], "extractive")
    assert other_id != answer_id
    record = await store.answers.get(answer_id)
    assert record is not None
    assert (record.user_id, record.chat_id, record.question, record.mode) == (
        1,
        -100,
        "Was ist das ZAL?",
        "llm",
    )
    assert record.answer == "Ein Zentrum [1][2]"
    assert record.sources == sources
    assert record.created_at.tzinfo is not None
    assert await store.answers.get(10_000) is None


async def test_feedback_updates_on_second_click(store: StateStore) -> None:
    assert await store.answers.feedback_summary() == {"up": 0, "down": 0}
    a1 = await save_answer(store, 1, 1, "q1", "a1", [], "extractive")
    a2 = await save_answer(store, 1, 1, "q2", "a2", [], "extractive")
    await store.answers.add_feedback(a1, 1, 1)
    await store.answers.add_feedback(a1, 2, 1)
    await store.answers.add_feedback(a2, 1, -1)
    assert await store.answers.feedback_summary() == {"up": 2, "down": 1}
    await store.answers.add_feedback(a1, 2, -1)  # the same user changes their mind
    assert await store.answers.feedback_summary() == {"up": 1, "down": 2}
    await store.answers.add_feedback(a1, 2, -1)  # clicking again changes nothing
    assert await store.answers.feedback_summary() == {"up": 1, "down": 2}


async def test_feedback_rejects_bad_rating(store: StateStore) -> None:
    answer_id = await save_answer(store, 1, 1, "q", "a", [], "extractive")
    for rating in (0, 2, -2, True):
        with pytest.raises(ValueError, match="rating"):
            await store.answers.add_feedback(answer_id, 1, rating)
    assert await store.answers.feedback_summary() == {"up": 0, "down": 0}


async def test_feedback_on_unknown_answer(store: StateStore) -> None:
    with pytest.raises(UnknownAnswerError, match="Unknown answer 12345") as info:
        await store.answers.add_feedback(12345, 1, 1)
    assert isinstance(info.value, StateError) and isinstance(info.value, ClusterBridgeError)
    assert await store.answers.feedback_summary() == {"up": 0, "down": 0}


# -- access requests --------------------------------------------------------------------------------


async def test_access_requests(store: StateStore) -> None:
    assert await store.access.open_requests() == []
    first = await store.access.add(10, "Ich bin bei Hamburg Aviation")
    second = await store.access.add(11, "Please let me in")
    requests = await store.access.open_requests()
    assert [(r.id, r.user_id, r.text, r.status) for r in requests] == [
        (first, 10, "Ich bin bei Hamburg Aviation", "open"),
        (second, 11, "Please let me in", "open"),
    ]
    assert requests[0].created_at.tzinfo is not None
    await store.users.touch(10, "anna", "Anna", "de")
    granted = await store.access.decide(first, True, "m-1")
    assert granted is not None and granted.status == "granted"
    user = await store.users.get(10)
    assert user is not None and user.member_id == "m-1"
    assert [r.id for r in await store.access.open_requests()] == [second]
    assert await store.access.decide(first, False, None) is None  # decided already
    assert await store.access.decide(999, False, None) is None
    assert (await store.access.open_request_of(11)) == requests[1]


# -- foreign errors ---------------------------------------------------------------------------------


async def test_database_errors_are_wrapped(store: StateStore) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(text("DROP TABLE access_requests"))
    with pytest.raises(StateError, match="Could not read access requests in the state database") as info:
        await store.access.open_requests()
    assert info.value.__cause__ is not None
    assert "\n" not in str(info.value)  # one line, no SQL


async def test_close_twice_and_reconnect(store: StateStore) -> None:
    await store.close()
    await store.close()
    # A disposed engine reconnects on demand.
    assert await store.users.count() == 0
