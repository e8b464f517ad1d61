"""Operations: the audit log of privileged actions, ingestion runs, and sent answers' `abstained` flag.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("args", sa.String(300), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.CheckConstraint("result IN ('ok', 'refused', 'failed')", name="ck_audit_log_result"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])

    op.create_table(
        "ingest_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_runs"),
    )
    op.create_index("ix_ingest_runs_finished_at", "ingest_runs", ["finished_at"])

    # A plain ADD COLUMN (no batch copy on SQLite: recreating sent_answers would cascade to feedback).
    op.add_column(
        "sent_answers", sa.Column("abstained", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("sent_answers", "abstained")
    op.drop_table("ingest_runs")
    op.drop_table("audit_log")
