"""Member profiles (with the member's own edits), forgotten members, and introductions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("member_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("organization", sa.String(320), nullable=False),
        sa.Column("cluster", sa.String(64), nullable=False),
        sa.Column("role_title", sa.String(320), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("offers", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("telegram_username", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("consent_contact", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("bot_role", sa.String(16), server_default="member", nullable=False),
        sa.Column("imported", sa.JSON(), nullable=False),
        sa.Column("edited", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_profiles"),
    )
    op.create_index("ix_profiles_cluster", "profiles", ["cluster"])
    op.create_index("ix_profiles_telegram_username_lower", "profiles", [sa.text("lower(telegram_username)")])

    op.create_table(
        "forgotten_members",
        sa.Column("member_id", sa.String(255), nullable=False),
        sa.Column("forgotten_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_forgotten_members"),
    )

    op.create_table(
        "introductions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("requester_user_id", sa.BigInteger(), nullable=False),
        sa.Column("requester_member_id", sa.String(255), nullable=True),
        sa.Column("target_member_id", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("via_manager", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_introductions"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired')", name="ck_introductions_status"
        ),
    )
    op.create_index(
        "ix_introductions_requester_user_id", "introductions", ["requester_user_id", "created_at"]
    )
    op.create_index("ix_introductions_target_member_id", "introductions", ["target_member_id", "status"])


def downgrade() -> None:
    op.drop_table("introductions")
    op.drop_table("forgotten_members")
    op.drop_table("profiles")
