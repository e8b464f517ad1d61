"""The contacts feature over the state and the profile index: suggestions that honour consent as it
is now, introductions by double opt-in with their limits, and /forget. No Telegram here: the bot and
the CLI call these and show the results."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from knowledge.config import Settings
from knowledge.contacts import ProfileIndex, Suggestions
from knowledge.models import Language
from knowledge.profiles import MemberProfile
from knowledge.state import StateStore, UserRecord
from knowledge.state.introductions import IntroductionRecord
from knowledge.state.tables import utcnow

log = logging.getLogger(__name__)

Outcome = Literal[
    "sent", "via_manager", "pending", "daily_limit", "unknown", "no_consent", "self", "no_recipient"
]
OVERFETCH = 3  # ask the index for more than needed: some may have withdrawn consent since indexing


@dataclass
class IntroductionRequest:
    """What became of a request: `outcome`, and who receives it (the member or their cluster's managers)."""

    outcome: Outcome
    introduction_id: int | None = None
    target: MemberProfile | None = None
    recipients: list[UserRecord] = field(default_factory=list)


@dataclass
class Decision:
    """An accepted or declined introduction with both sides, for telling them."""

    introduction: IntroductionRecord
    requester: UserRecord | None
    target: MemberProfile | None
    target_users: list[UserRecord]


@dataclass
class ContactDesk:
    """Suggestions, introductions and /forget for one state database and profile index."""

    settings: Settings
    state: StateStore
    index: ProfileIndex

    async def suggest(
        self,
        *,
        member_id: str | None = None,
        query: str | None = None,
        cluster: str | None = None,
        k: int = 5,
        language: Language | None = None,
    ) -> Suggestions:
        """The index's suggestions, keeping only members who consent right now (read from the state)."""
        found = await asyncio.to_thread(
            self.index.suggest,
            member_id=member_id,
            query=query,
            cluster=cluster,
            k=k * OVERFETCH,
            language=language,
        )
        consenting = await self.state.profiles.consenting([s.member_id for s in found.suggestions])
        kept = [s for s in found.suggestions if s.member_id in consenting and s.member_id != member_id]
        return Suggestions(suggestions=kept[:k])

    async def request_introduction(
        self, requester: UserRecord, target_member_id: str, reason: str
    ) -> IntroductionRequest:
        """Record a request to meet `target_member_id`, within the limits; says who must answer it."""
        target = await self.state.profiles.get(target_member_id)
        if target is None:
            return IntroductionRequest("unknown")
        if target.id == requester.member_id:
            return IntroductionRequest("self", target=target)
        if not target.consent_contact:
            return IntroductionRequest("no_consent", target=target)
        if await self.state.introductions.pending_between(requester.id, target.id) is not None:
            return IntroductionRequest("pending", target=target)
        since = utcnow() - timedelta(days=1)
        if (
            await self.state.introductions.count_since(requester.id, since)
            >= self.settings.clusterbridge_intro_daily_limit
        ):
            return IntroductionRequest("daily_limit", target=target)
        recipients = [u for u in await self.state.users.linked_to(target.id) if not u.blocked]
        via_manager = not recipients
        if via_manager:
            recipients = [u for u in await self.state.users.managers_of(target.cluster) if not u.blocked]
        if not recipients:
            return IntroductionRequest("no_recipient", target=target)
        introduction_id = await self.state.introductions.add(
            requester.id, requester.member_id, target.id, reason, via_manager=via_manager
        )
        log.info("introduction %s: user %s asks to meet member %s", introduction_id, requester.id, target.id)
        return IntroductionRequest(
            "via_manager" if via_manager else "sent", introduction_id, target, recipients
        )

    async def decide(self, introduction_id: int, decider: UserRecord, accept: bool) -> Decision | None:
        """Accept or decline, when `decider` may (the member asked, or their cluster's manager);
        None when the request is unknown, decided already, expired, or not theirs to decide."""
        pending = await self.state.introductions.get(introduction_id)
        if pending is None or pending.status != "pending":
            return None
        target = await self.state.profiles.get(pending.target_member_id)
        allowed = decider.member_id == pending.target_member_id or (
            pending.via_manager
            and target is not None
            and decider.role == "manager"
            and decider.role_cluster == target.cluster
        )
        if not allowed:
            return None
        decided = await self.state.introductions.decide(introduction_id, "accepted" if accept else "declined")
        if decided is None:
            return None
        requester = await self.state.users.get(decided.requester_user_id)
        target_users = await self.state.users.linked_to(decided.target_member_id)
        return Decision(decided, requester, target, target_users)

    async def expire(self) -> int:
        """Expire requests older than CLUSTERBRIDGE_INTRO_EXPIRY_DAYS; how many."""
        return await self.state.introductions.expire(
            timedelta(days=self.settings.clusterbridge_intro_expiry_days)
        )

    async def forget(self, user: UserRecord) -> bool:
        """Delete the member's profile (and block re-import), pending introductions, history, sent
        answers and feedback, from the state and the index; False when there was no profile."""
        had_profile = False
        if user.member_id:
            had_profile = await self.state.profiles.forget(user.member_id)
            await asyncio.to_thread(self.index.remove, [user.member_id])
            await self.state.users.link_member(user.id, None)
        await self.state.history.forget_user(user.id)
        await self.state.answers.forget_user(user.id)
        return had_profile

    async def edit(self, member_id: str, **values: object) -> MemberProfile | None:
        """Change the member's own fields and re-index the profile at once."""
        updated = await self.state.profiles.edit(member_id, **values)
        if updated is not None:
            await asyncio.to_thread(self.index.upsert, [updated])
        return updated
