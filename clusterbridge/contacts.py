"""`clusterbridge contacts` (suggestions) and `clusterbridge members unblock` (lift a /forget block);
`ingest --members` runs through the ingestion job (clusterbridge/ingest.py)."""

from __future__ import annotations

import argparse
from typing import Any

from clusterbridge.events import with_store
from clusterbridge.query import positive_k
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.contacts import ProfileIndex, Suggestions
from knowledge.errors import ClusterBridgeError


def add_commands(commands: Any) -> None:
    """Register `contacts` and `members`."""
    cmd = commands.add_parser("contacts", help="people in other clusters whose offers fit a need")
    who = cmd.add_mutually_exclusive_group(required=True)
    who.add_argument("--member", help="the asking member's id: their needs and offers are matched")
    who.add_argument("--query", help="what you are looking for, in words")
    cmd.add_argument("--cluster", help="with --query: the asker's own cluster (others come first)")
    cmd.add_argument("--k", type=positive_k, default=5, help="how many suggestions")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=run_contacts)

    members = commands.add_parser("members", help="manage member profiles")
    actions = members.add_subparsers(dest="action", required=True, metavar="ACTION")
    unblock = actions.add_parser("unblock", help="let the next import bring back a member who used /forget")
    unblock.add_argument("member_id")
    unblock.set_defaults(run=run_unblock)


def format_suggestions(found: Suggestions) -> str:
    """Numbered suggestions with cluster and reason, for the terminal."""
    if not found.suggestions:
        return "No matching contacts."
    return "\n".join(
        f"{n}. {s.name} ({s.organization}, {s.cluster}, score {s.score:.3f})\n   {s.reason}"
        for n, s in enumerate(found.suggestions, 1)
    )


def run_contacts(settings: Settings, args: argparse.Namespace) -> int:
    """Print suggestions for a member or a request."""
    if args.cluster and not args.query:
        raise ClusterBridgeError("--cluster goes with --query (with --member, the member's cluster counts)")
    index = ProfileIndex.from_settings(settings)

    async def suggest(store: Any) -> Suggestions:
        desk = ContactDesk(settings, store, index)
        return await desk.suggest(member_id=args.member, query=args.query, cluster=args.cluster, k=args.k)

    found = with_store(settings, suggest)
    print(found.model_dump_json() if args.json else format_suggestions(found))
    return 0


def run_unblock(settings: Settings, args: argparse.Namespace) -> int:
    """Lift the import block of a member who used /forget."""
    lifted = with_store(settings, lambda store: store.profiles.unblock(args.member_id))
    if not lifted:
        raise ClusterBridgeError(f"member {args.member_id} is not blocked")
    print(f"{args.member_id}: the next import brings the profile back")
    return 0
