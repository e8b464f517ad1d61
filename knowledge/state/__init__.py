"""The state database: users and roles, Q&A history, sent answers and feedback, access requests."""

from knowledge.state.access import AccessRequestRecord
from knowledge.state.answers import Exchange, SentAnswerRecord
from knowledge.state.db import (
    OutdatedSchemaError,
    StateError,
    UnknownAnswerError,
    UnknownUserError,
    alembic_config,
    head_revision,
    upgrade_database,
)
from knowledge.state.store import StateStore
from knowledge.state.users import UserRecord

__all__ = [
    "AccessRequestRecord",
    "Exchange",
    "OutdatedSchemaError",
    "SentAnswerRecord",
    "StateError",
    "StateStore",
    "UnknownAnswerError",
    "UnknownUserError",
    "UserRecord",
    "alembic_config",
    "head_revision",
    "upgrade_database",
]
