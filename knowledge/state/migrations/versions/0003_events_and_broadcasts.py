"""Events, RSVPs, subscriptions, broadcasts and their outbox (one delivery row per recipient).

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("cluster", sa.String(64), nullable=False),
        sa.Column("start", TIMESTAMP, nullable=False),
        sa.Column("end", TIMESTAMP, nullable=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("source", sa.String(512), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.CheckConstraint("origin IN ('file', 'bot')", name="ck_events_origin"),
    )
    op.create_index("ix_events_cluster", "events", ["cluster"])
    op.create_index("ix_events_start", "events", ["start"])
    op.create_index("ix_events_source", "events", ["source"])

    op.create_table(
        "event_rsvps",
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("event_id", "user_id", name="pk_event_rsvps"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_rsvps_event_id_events", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "subscriptions",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", "value", name="pk_subscriptions"),
        sa.CheckConstraint("kind IN ('cluster', 'topic')", name="ck_subscriptions_kind"),
    )
    op.create_index("ix_subscriptions_kind_value", "subscriptions", ["kind", "value"])

    op.create_table(
        "broadcasts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_broadcasts"),
        sa.UniqueConstraint("key", name="uq_broadcasts_key"),
        sa.CheckConstraint(
            "state IN ('draft', 'queued', 'sending', 'done', 'cancelled')", name="ck_broadcasts_state"
        ),
    )
    op.create_index("ix_broadcasts_state", "broadcasts", ["state"])

    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.Column("not_before", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("broadcast_id", "user_id", name="uq_deliveries_broadcast_id_user_id"),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_deliveries_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("state IN ('pending', 'sent', 'blocked', 'failed')", name="ck_deliveries_state"),
    )
    op.create_index("ix_deliveries_state_not_before", "deliveries", ["state", "not_before"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("broadcasts")
    op.drop_table("subscriptions")
    op.drop_table("event_rsvps")
    op.drop_table("events")
