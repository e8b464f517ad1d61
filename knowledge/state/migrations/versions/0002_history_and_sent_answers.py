"""One name, one meaning: the Q&A history is `history_turns` (keyed by `thread_id`), the answers the
bot sent are `sent_answers`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_conversation_turns_conversation_id", table_name="conversation_turns")
    op.rename_table("conversation_turns", "history_turns")
    with op.batch_alter_table("history_turns") as batch:
        batch.alter_column("conversation_id", new_column_name="thread_id")
    op.create_index("ix_history_turns_thread_id", "history_turns", ["thread_id", "id"])

    op.drop_index("ix_answers_user_id", table_name="answers")
    op.rename_table("answers", "sent_answers")
    op.create_index("ix_sent_answers_user_id", "sent_answers", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_sent_answers_user_id", table_name="sent_answers")
    op.rename_table("sent_answers", "answers")
    op.create_index("ix_answers_user_id", "answers", ["user_id"])

    op.drop_index("ix_history_turns_thread_id", table_name="history_turns")
    with op.batch_alter_table("history_turns") as batch:
        batch.alter_column("thread_id", new_column_name="conversation_id")
    op.rename_table("history_turns", "conversation_turns")
    op.create_index("ix_conversation_turns_conversation_id", "conversation_turns", ["conversation_id", "id"])
