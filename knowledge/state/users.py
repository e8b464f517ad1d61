"""Users as the bot knows them: who they are, their language, role and member-profile link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from knowledge.catalogue import language_from_code
from knowledge.models import LANGUAGES, ROLES, Language
from knowledge.state.db import Record, Repository, UnknownUserError
from knowledge.state.tables import User, utcnow

# Every stored text is bounded by its column: longer input is cut, never an error for the user.
USERNAME_LIMIT = 64
FIRST_NAME_LIMIT = 256
LANGUAGE_CODE_LIMIT = 35


class UserRecord(Record):
    """A user as the bot knows them."""

    id: int
    username: str | None
    first_name: str | None
    language_code: str | None
    language_override: Language | None
    role: str
    role_cluster: str | None
    member_id: str | None
    blocked: bool
    created_at: datetime
    last_seen_at: datetime

    @property
    def language(self) -> Language:
        """The language to talk in: the /lang override, else the platform's language code."""
        if self.language_override is not None:
            return self.language_override
        return language_from_code(self.language_code)


def _bounded(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


class Users(Repository):
    """The users table."""

    async def touch(
        self, user_id: int, username: str | None, first_name: str | None, language_code: str | None
    ) -> UserRecord:
        """Create or update a user from what the platform says about them; updates last_seen_at."""
        now = utcnow()
        username = _bounded(username.lstrip("@") if username else None, USERNAME_LIMIT)
        stmt = self._insert(User).values(
            id=user_id,
            username=username,
            first_name=_bounded(first_name, FIRST_NAME_LIMIT),
            language_code=_bounded(language_code, LANGUAGE_CODE_LIMIT),
            role="member",
            blocked=False,
            created_at=now,
            last_seen_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[User.id],
            set_={
                "username": stmt.excluded.username,
                "first_name": func.coalesce(stmt.excluded.first_name, User.first_name),
                "language_code": func.coalesce(stmt.excluded.language_code, User.language_code),
                "last_seen_at": stmt.excluded.last_seen_at,
                "blocked": False,  # writing again ends "blocked the bot"
            },
        ).returning(*User.__table__.c)
        async with self.session("save a user") as session:
            row = (await session.execute(stmt)).one()
        return UserRecord.model_validate(dict(row._mapping))

    async def get(self, user_id: int) -> UserRecord | None:
        """The user with this id, or None."""
        async with self.session("read a user") as session:
            user = await session.get(User, user_id)
            return UserRecord.model_validate(user) if user is not None else None

    async def _update(self, user_id: int, action: str, **values: Any) -> None:
        async with self.session(action) as session:
            result = await session.execute(update(User).where(User.id == user_id).values(**values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise UnknownUserError(f"Unknown user {user_id}: they have not talked to the bot yet")

    async def set_language(self, user_id: int, language: str | None) -> None:
        """Override the user's language ('de' or 'en'); None goes back to the platform's language code."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or None, not {language!r}")
        await self._update(user_id, "set a language", language_override=language)

    async def set_role(self, user_id: int, role: str, cluster: str | None = None) -> None:
        """Make the user a member, a manager (of `cluster`) or an admin."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        await self._update(user_id, "set a role", role=role, role_cluster=cluster)

    async def link_member(self, user_id: int, member_id: str | None) -> None:
        """Link the user to a member profile id (members.csv), or unlink with None."""
        await self._update(user_id, "link a member profile", member_id=member_id or None)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark that the user blocked the bot (or unblocked it)."""
        await self._update(user_id, "mark a user blocked", blocked=blocked)

    async def linked_to(self, member_id: str) -> list[UserRecord]:
        """The users linked to this member profile (usually one)."""
        stmt = select(User).where(User.member_id == member_id).order_by(User.last_seen_at.desc())
        async with self.session("find users of a member") as session:
            return [UserRecord.model_validate(user) for user in await session.scalars(stmt)]

    async def managers_of(self, cluster: str) -> list[UserRecord]:
        """The users who manage this cluster."""
        stmt = select(User).where(User.role == "manager", User.role_cluster == cluster).order_by(User.id)
        async with self.session("find managers") as session:
            return [UserRecord.model_validate(user) for user in await session.scalars(stmt)]

    async def with_role(self, role: str) -> list[UserRecord]:
        """The users with this role (e.g. the admins granted in the bot), by id."""
        stmt = select(User).where(User.role == role).order_by(User.id)
        async with self.session("find users by role") as session:
            return [UserRecord.model_validate(user) for user in await session.scalars(stmt)]

    async def count(self) -> int:
        """How many users have talked to the bot."""
        async with self.session("count users") as session:
            return int(await session.scalar(select(func.count()).select_from(User)) or 0)
