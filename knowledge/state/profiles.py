"""Member profiles in the state database: imports that respect the member's own edits, edits from the
bot, /forget with its import block, and who consents to be suggested."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select

from knowledge.profiles import MemberProfile
from knowledge.state.db import Repository
from knowledge.state.tables import ForgottenMember, Introduction, Profile, utcnow

# What a member may change in the bot (/profile); everything else only the admin's file changes.
EDITABLE = ("expertise", "offers", "needs", "languages", "consent_contact")


@dataclass
class ProfileChanges:
    """What an import changed, and the profiles (with the members' edits kept) to index."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    to_index: list[MemberProfile] = field(default_factory=list)


def _editable(profile: MemberProfile) -> dict[str, Any]:
    return {name: _plain(getattr(profile, name)) for name in EDITABLE}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def to_profile(row: Profile) -> MemberProfile:
    """The stored row as a MemberProfile."""
    return MemberProfile.model_validate(
        {
            "id": row.member_id,
            "name": row.name,
            "organization": row.organization,
            "cluster": row.cluster,
            "role_title": row.role_title,
            "expertise": row.expertise or [],
            "offers": row.offers,
            "needs": row.needs,
            "languages": row.languages or [],
            "telegram_username": row.telegram_username,
            "email": row.email,
            "consent_contact": row.consent_contact,
            "bot_role": row.bot_role,
        }
    )


def _write(row: Profile, profile: MemberProfile) -> None:
    row.name = profile.name
    row.organization = profile.organization
    row.cluster = profile.cluster
    row.role_title = profile.role_title
    row.expertise = list(profile.expertise)
    row.offers = profile.offers
    row.needs = profile.needs
    row.languages = list(profile.languages)
    row.telegram_username = profile.telegram_username
    row.email = profile.email.get_secret_value() if profile.email else None
    row.consent_contact = profile.consent_contact
    row.bot_role = profile.bot_role
    row.content_hash = profile.content_hash()
    row.updated_at = utcnow()


def merge(incoming: MemberProfile, row: Profile) -> tuple[MemberProfile, list[str]]:
    """The admin's new version with the member's edits kept where the admin did not change that field:
    a field the member edited stays theirs until the admin's file changes it again."""
    imported = row.imported or {}
    values: dict[str, Any] = {}
    edited = []
    for name in EDITABLE:
        admin_value = _plain(getattr(incoming, name))
        if name in (row.edited or []) and admin_value == imported.get(name):
            values[name] = getattr(row, name)
            edited.append(name)
        else:
            values[name] = admin_value
    return incoming.model_copy(
        update={k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    ), edited


class Profiles(Repository):
    """The profiles and forgotten_members tables."""

    async def apply_import(self, incoming: Sequence[MemberProfile]) -> ProfileChanges:
        """Bring the stored profiles in line with an admin's file (one transaction)."""
        changes = ProfileChanges()
        async with self.session("import member profiles") as session:
            forgotten = set(await session.scalars(select(ForgottenMember.member_id)))
            rows = {row.member_id: row for row in await session.scalars(select(Profile))}
            seen = set()
            for profile in incoming:
                if profile.id in forgotten:
                    changes.blocked.append(profile.id)
                    continue
                seen.add(profile.id)
                row = rows.get(profile.id)
                if row is None:
                    row = Profile(member_id=profile.id, imported=_editable(profile), edited=[])
                    _write(row, profile)
                    session.add(row)
                    changes.added += 1
                    changes.to_index.append(profile)
                    continue
                merged, edited = merge(profile, row)
                if merged.content_hash() == row.content_hash and row.imported == _editable(profile):
                    changes.unchanged += 1
                    continue
                _write(row, merged)
                row.imported, row.edited = _editable(profile), edited
                changes.changed += 1
                changes.to_index.append(merged)
            for member_id in sorted(set(rows) - seen):
                await session.delete(rows[member_id])
                changes.removed.append(member_id)
        return changes

    async def get(self, member_id: str) -> MemberProfile | None:
        """The stored profile, or None."""
        async with self.session("read a profile") as session:
            row = await session.get(Profile, member_id)
            return to_profile(row) if row is not None else None

    async def by_username(self, username: str) -> MemberProfile | None:
        """The profile whose telegram_username is `username` (case-insensitive), or None."""
        name = username.strip().lstrip("@").lower()
        if not name:
            return None
        stmt = select(Profile).where(func.lower(Profile.telegram_username) == name).limit(1)
        async with self.session("find a profile") as session:
            row = (await session.scalars(stmt)).first()
            return to_profile(row) if row is not None else None

    async def all(self) -> list[MemberProfile]:
        """Every stored profile, by id."""
        async with self.session("read profiles") as session:
            return [
                to_profile(row) for row in await session.scalars(select(Profile).order_by(Profile.member_id))
            ]

    async def consenting(self, member_ids: Sequence[str]) -> set[str]:
        """Which of these members consent to be suggested, now (read fresh: a withdrawal counts at once)."""
        if not member_ids:
            return set()
        stmt = select(Profile.member_id).where(
            Profile.member_id.in_(list(member_ids)), Profile.consent_contact
        )
        async with self.session("read consents") as session:
            return set(await session.scalars(stmt))

    async def edit(self, member_id: str, **values: Any) -> MemberProfile | None:
        """Change member-editable fields (marked as the member's own); the new profile, or None."""
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable by the member: {', '.join(sorted(unknown))}")
        async with self.session("edit a profile") as session:
            row = await session.get(Profile, member_id)
            if row is None:
                return None
            current = to_profile(row)
            updated = current.model_copy(
                update={k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
            )
            updated = MemberProfile.model_validate(updated.model_dump() | {"email": row.email})
            _write(row, updated)
            row.edited = sorted(set(row.edited or []) | set(values))
            return updated

    async def forget(self, member_id: str) -> bool:
        """Delete the profile and its pending introductions, and block later imports of the id."""
        async with self.session("forget a member") as session:
            row = await session.get(Profile, member_id)
            if row is not None:
                await session.delete(row)
            await session.execute(
                delete(Introduction).where(
                    (Introduction.target_member_id == member_id)
                    | (Introduction.requester_member_id == member_id)
                )
            )
            if await session.get(ForgottenMember, member_id) is None:
                session.add(ForgottenMember(member_id=member_id, forgotten_at=utcnow()))
            return row is not None

    async def unblock(self, member_id: str) -> bool:
        """Let the next import bring the member back; False when the id was not blocked."""
        async with self.session("unblock a member") as session:
            result = await session.execute(
                delete(ForgottenMember).where(ForgottenMember.member_id == member_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count(self) -> int:
        """How many profiles are stored."""
        async with self.session("count profiles") as session:
            return int(await session.scalar(select(func.count()).select_from(Profile)) or 0)
