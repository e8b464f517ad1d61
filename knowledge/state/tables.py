"""The bot-state tables as SQLAlchemy 2 declarative models.

The schema itself is created by the Alembic migrations in `knowledge/state/migrations`;
these models mirror it (a test checks that they agree) and serve queries and autogenerate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from knowledge.models import LANGUAGES, ROLES

REQUEST_STATUSES = ("open", "granted", "denied")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An autoincrementing 64-bit key; SQLite only autoincrements an INTEGER PRIMARY KEY (which is 64-bit there).
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive UTC, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The declarative base; its metadata names constraints predictably (for later migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A Telegram user who has talked to the bot (id = Telegram user id)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint(_one_of("language_override", LANGUAGES), name="language_override"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(256))
    language_code: Mapped[str | None] = mapped_column(String(35))
    language_override: Mapped[str | None] = mapped_column(String(2))
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    role_cluster: Mapped[str | None] = mapped_column(String(64))
    # The member_links notion: a member profile id from members.csv, or None.
    member_id: Mapped[str | None] = mapped_column(String(255), index=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_users_username_lower", func.lower(User.username))


class HistoryTurn(Base):
    """One question and its answer in a Q&A thread ("chat:123:user:456")."""

    __tablename__ = "history_turns"
    __table_args__ = (Index("ix_history_turns_thread_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SentAnswer(Base):
    """An answer the bot sent, so that a 👍/👎 callback can refer to it by id."""

    __tablename__ = "sent_answers"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    abstained: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Feedback(Base):
    """A user's 👍 (+1) or 👎 (-1) on an answer; one per user and answer."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating IN (-1, 1)", name="rating"),
        UniqueConstraint("answer_id", "user_id", name="uq_feedback_answer_id_user_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sent_answers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    rating: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessRequest(Base):
    """A user's request to be let in (when access is for members only)."""

    __tablename__ = "access_requests"
    __table_args__ = (CheckConstraint(_one_of("status", REQUEST_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


EVENT_ORIGINS = ("file", "bot")
SUBSCRIPTION_KINDS = ("cluster", "topic")
BROADCAST_STATES = ("draft", "queued", "sending", "done", "cancelled")
DELIVERY_STATES = ("pending", "sent", "blocked", "failed")


class EventRow(Base):
    """An event: from an events file (`origin` 'file', by `source`) or published in the bot ('bot')."""

    __tablename__ = "events"
    __table_args__ = (CheckConstraint(_one_of("origin", EVENT_ORIGINS), name="origin"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    cluster: Mapped[str] = mapped_column(String(64), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tz: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON)
    url: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(512), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rsvp(Base):
    """A user going to an event."""

    __tablename__ = "event_rsvps"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A user subscribed to a cluster's or a topic's announcements."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", SUBSCRIPTION_KINDS), name="kind"),
        Index("ix_subscriptions_kind_value", "kind", "value"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """A message to an audience; `key` makes scheduled ones (reminders) unique."""

    __tablename__ = "broadcasts"
    __table_args__ = (CheckConstraint(_one_of("state", BROADCAST_STATES), name="state"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str | None] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    event_id: Mapped[str | None] = mapped_column(String(64))
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One recipient of one broadcast (the outbox row), written before the first send."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_one_of("state", DELIVERY_STATES), name="state"),
        UniqueConstraint("broadcast_id", "user_id", name="uq_deliveries_broadcast_id_user_id"),
        Index("ix_deliveries_state_not_before", "state", "not_before"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))


# -- member profiles and introductions (the contacts feature) ---------------------------------------

INTRODUCTION_STATUSES = ("pending", "accepted", "declined", "expired")


class Profile(Base):
    """A member profile from members.csv, with what the member changed in the bot.

    `imported` holds the admin file's values of the member-editable fields at the last import, so
    that the next import can tell which fields the admin changed (those win) from fields only the
    member changed (those stay).
    """

    __tablename__ = "profiles"

    member_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    organization: Mapped[str] = mapped_column(String(320), default="")
    cluster: Mapped[str] = mapped_column(String(64), index=True)
    role_title: Mapped[str] = mapped_column(String(320), default="")
    expertise: Mapped[list[str]] = mapped_column(JSON)
    offers: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSON)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    bot_role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    imported: Mapped[dict[str, Any]] = mapped_column(JSON)
    edited: Mapped[list[str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_profiles_telegram_username_lower", func.lower(Profile.telegram_username))


class ForgottenMember(Base):
    """A member who used /forget: later imports skip the id until an admin lifts the block."""

    __tablename__ = "forgotten_members"

    member_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    forgotten_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Introduction(Base):
    """A request to be introduced (double opt-in): who asks, whom, why, and what became of it."""

    __tablename__ = "introductions"
    __table_args__ = (
        CheckConstraint(_one_of("status", INTRODUCTION_STATUSES), name="status"),
        Index("ix_introductions_requester_user_id", "requester_user_id", "created_at"),
        Index("ix_introductions_target_member_id", "target_member_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    requester_user_id: Mapped[int] = mapped_column(BigInteger)
    requester_member_id: Mapped[str | None] = mapped_column(String(255))
    target_member_id: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    via_manager: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- operations: the audit log of privileged actions, ingestion runs (migration 0005) --------------

AUDIT_RESULTS = ("ok", "refused", "failed")


class AuditEntry(Base):
    """One privileged action: who (a user id, or None for the command line), what, when, the result."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(_one_of("result", AUDIT_RESULTS), name="result"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(300), default="")


class IngestRun(Base):
    """One ingestion run (CLI, /reindex, schedule, upload): when, how it ended, its figures."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(300))


# -- the ingestion lease (migration 0006) ------------------------------------------------------------


class IngestLock(Base):
    """A lease on a job: who holds it, until when (renewed while the job runs), and its progress."""

    __tablename__ = "ingest_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    progress: Mapped[str] = mapped_column(String(300), default="")
