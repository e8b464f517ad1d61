"""The bot's state: users and roles, conversation history, answers, feedback, access requests."""

from knowledge.state.store import (
    AccessRequestRecord,
    AnswerRecord,
    Exchange,
    StateError,
    StateStore,
    UnknownAnswerError,
    UnknownUserError,
    UserRecord,
    alembic_config,
    head_revision,
    upgrade_database,
)

__all__ = [
    "AccessRequestRecord",
    "AnswerRecord",
    "Exchange",
    "StateError",
    "StateStore",
    "UnknownAnswerError",
    "UnknownUserError",
    "UserRecord",
    "alembic_config",
    "head_revision",
    "upgrade_database",
]
