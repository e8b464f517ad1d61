"""Giving and taking back roles (/grant, /revoke): a manager of one cluster, or an admin.

Nothing here knows Telegram. A refusal is a RoleRefusal carrying the catalogue key of its text."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.clusters import cluster_ids, load_clusters
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError
from knowledge.models import Role
from knowledge.state import StateStore, UserRecord


class RoleRefusal(ClusterBridgeError):
    """A grant or revoke that cannot be done; `key` and `values` give its catalogue text."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(f"{key}: {values}")
        self.key = key
        self.values = values


@dataclass(frozen=True)
class RoleChange:
    """What a grant or revoke did."""

    user: UserRecord
    role: Role
    cluster: str | None
    previous: str

    @property
    def name(self) -> str:
        """How the user is shown: @username, else first name, else the id."""
        return display_name(self.user)


def display_name(user: UserRecord) -> str:
    """@username, else the first name, else the id."""
    return f"@{user.username}" if user.username else user.first_name or str(user.id)


def parse_grant(args: list[str]) -> tuple[str, Role, str | None]:
    """`@name|ID manager CLUSTER` or `@name|ID admin` -> (handle, role, cluster); RoleRefusal otherwise."""
    words = [a.strip() for a in args]
    if len(words) == 3 and words[1].lower() == "manager":
        return words[0], "manager", words[2].lower()
    if len(words) == 2 and words[1].lower() == "admin":
        return words[0], "admin", None
    raise RoleRefusal("grant_usage")


async def change_role(
    store: StateStore, settings: Settings, actor_id: int, handle: str, role: Role, cluster: str | None = None
) -> RoleChange:
    """Give `role` (with `cluster` for a manager) to the user named by `handle`; role 'member' revokes."""
    user = await store.usage.find_user(handle)
    if user is None:
        raise RoleRefusal("grant_unknown_user", user=handle)
    if user.id == actor_id:
        raise RoleRefusal("grant_self")
    if user.id in settings.admin_ids:
        raise RoleRefusal("grant_env_admin", user=display_name(user))
    if cluster is not None:
        known = cluster_ids(load_clusters(settings.clusterbridge_clusters_file))
        if cluster not in known:
            raise RoleRefusal("grant_unknown_cluster", cluster=cluster, clusters=", ".join(sorted(known)))
    previous = user.role + (f" {user.role_cluster}" if user.role_cluster else "")
    await store.users.set_role(user.id, role, cluster if role == "manager" else None)
    return RoleChange(user, role, cluster, previous)
