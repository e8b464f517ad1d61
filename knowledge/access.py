"""Who may use the assistant and which commands: roles, the access policy, access requests and the
per-user flood limit. Nothing here knows Telegram; the ints are the platform's user ids."""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError
from knowledge.models import ROLES, Role

if TYPE_CHECKING:
    from knowledge.state import AccessRequestRecord, StateStore

logger = logging.getLogger(__name__)

ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}
MEMBER_ID_LIMIT = 255
_MEMBER_ID = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MEMBER_ID_LIMIT}}}")
REQUEST_TEXT_LIMIT = 1000


class InvalidMemberIdError(ClusterBridgeError):
    """A member id that cannot be stored (too long, or characters outside the allowed set)."""


class UserLike(Protocol):
    """The parts of a stored user record that access decisions read."""

    @property
    def id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def member_id(self) -> str | None: ...


def effective_role(user_id: int, record: UserLike | None, settings: Settings) -> Role:
    """The user's role: admin when listed in CLUSTERBRIDGE_ADMINS, else the stored role."""
    if user_id in settings.admin_ids:
        return "admin"
    if record is not None:
        for role in ROLES:
            if record.role == role:
                return role
    return "member"


def has_role(user_id: int, record: UserLike | None, settings: Settings, required: Role) -> bool:
    """True when the user's role is at least `required`."""
    return ROLE_RANK[effective_role(user_id, record, settings)] >= ROLE_RANK[required]


def is_known_member(user_id: int, record: UserLike | None, settings: Settings) -> bool:
    """True for admins, managers and accounts linked to a member profile."""
    if effective_role(user_id, record, settings) != "member":
        return True
    return record is not None and bool(record.member_id)


def may_ask(user_id: int, record: UserLike | None, settings: Settings) -> bool:
    """The access policy: 'open' lets everyone ask, 'members' only known members (and admins)."""
    if settings.clusterbridge_access == "open":
        return True
    return is_known_member(user_id, record, settings)


def check_privileged(
    user_id: int, record: UserLike | None, settings: Settings, required: Role, command: str
) -> bool:
    """Check a privileged command on the server side; log every refusal."""
    if has_role(user_id, record, settings, required):
        return True
    logger.warning(
        "refused /%s for user %s (role %s, needs %s)",
        command,
        user_id,
        effective_role(user_id, record, settings),
        required,
    )
    return False


@dataclass
class FloodLimit:
    """At most `max_requests` questions per user within `period` seconds."""

    max_requests: int = 8
    period: float = 60.0


@dataclass
class FloodLimiter:
    """A sliding-window limit per user; `hit` says how long to wait, or 0 when the request may go."""

    limit: FloodLimit = field(default_factory=FloodLimit)
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _warned: dict[int, float] = field(default_factory=dict)

    def hit(self, user_id: int) -> float:
        """Count one request; return 0 if allowed, else the seconds until the next one is."""
        now = self.clock()
        window = self._seen.setdefault(user_id, deque())
        while window and now - window[0] >= self.limit.period:
            window.popleft()
        if len(window) >= self.limit.max_requests:
            return max(0.1, self.limit.period - (now - window[0]))
        window.append(now)
        return 0.0

    def should_warn(self, user_id: int) -> bool:
        """True once per flood window, so the flood warning itself never floods a chat."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < self.limit.period:
            return False
        self._warned[user_id] = now
        return True

    def prune(self) -> None:
        """Forget users whose window has expired (run periodically from the job queue)."""
        now = self.clock()
        for user_id in [u for u, w in self._seen.items() if not w or now - w[-1] >= self.limit.period]:
            del self._seen[user_id]
        for user_id in [u for u, at in self._warned.items() if now - at >= self.limit.period]:
            del self._warned[user_id]


def check_member_id(member_id: str) -> str:
    """The member id, stripped; InvalidMemberIdError unless it is 1-255 of A-Z a-z 0-9 . _ : @ -."""
    member_id = member_id.strip()
    if not _MEMBER_ID.fullmatch(member_id):
        raise InvalidMemberIdError(f"invalid member id (at most {MEMBER_ID_LIMIT} of A-Z a-z 0-9 . _ : @ -)")
    return member_id


async def request_access(state: StateStore, user_id: int, text: str) -> tuple[int, bool]:
    """Store a request for access: (its id, True), or (the user's open request's id, False)."""
    pending = await state.access.open_request_of(user_id)
    if pending is not None:
        return pending.id, False
    return await state.access.add(user_id, text[:REQUEST_TEXT_LIMIT]), True


async def decide_access(
    state: StateStore, request_id: int, grant: bool, member_id: str | None = None
) -> AccessRequestRecord | None:
    """Grant (linking the user to `member_id`, or to the request itself) or deny an open request, in
    one transaction; None when there is no open request with that id."""
    link = check_member_id(member_id) if member_id is not None else f"access-request:{request_id}"
    decided = await state.access.decide(request_id, grant, link if grant else None)
    if decided is not None:
        logger.info("access request %s %s", request_id, "granted" if grant else "denied")
    return decided
