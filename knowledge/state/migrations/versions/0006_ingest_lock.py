"""Operations: the ingestion lease (one ingestion job at a time, across processes and machines).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-16 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ingest_locks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("progress", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_ingest_locks"),
    )


def downgrade() -> None:
    op.drop_table("ingest_locks")
