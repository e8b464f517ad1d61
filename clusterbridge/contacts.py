"""`clusterbridge contacts` (suggestions) and `clusterbridge members unblock` (lift a /forget block);
`ingest --members` runs through the ingestion job (clusterbridge/ingest.py)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from clusterbridge.events import with_store
from clusterbridge.query import positive_k
from knowledge.catalogue import text
from knowledge.config import Settings
from knowledge.contact_desk import ContactDesk
from knowledge.contacts import ProfileIndex, Suggestions
from knowledge.errors import ClusterBridgeError
from knowledge.models import Language

log = logging.getLogger(__name__)


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


def format_suggestions(found: Suggestions, language: Language = "en") -> str:
    """Numbered suggestions with organisation, cluster and reason, for the terminal."""
    if not found.suggestions:
        return text(language, "contacts.none")
    lines = [text(language, "contacts.found")]
    lines += [
        f"{n}. {s.name} ({s.organization}, {s.cluster}, score {s.score:.3f})\n   {s.reason}"
        for n, s in enumerate(found.suggestions, 1)
    ]
    return "\n".join(lines)


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


async def contacts_answer(desk: ContactDesk | None, request: str, language: Language) -> str | None:
    """`chat`: suggestions for a request in words (`/contacts TEXT` or a question for people), as
    text; None when nobody fits or there is no desk (the state or the profiles cannot be read: then
    the documents answer)."""
    request = request.removeprefix("/contacts").strip()
    if not request:
        return text(language, "contacts.ask_in_words")
    if desk is None:
        return None
    try:
        found = await desk.suggest(query=request, language=language)
    except ClusterBridgeError as exc:
        log.warning("contacts not consulted (%s); answering from the documents", exc)
        return None
    return format_suggestions(found, language) if found.suggestions else None


def run_unblock(settings: Settings, args: argparse.Namespace) -> int:
    """Lift the import block of a member who used /forget."""
    lifted = with_store(settings, lambda store: store.profiles.unblock(args.member_id))
    if not lifted:
        raise ClusterBridgeError(f"member {args.member_id} is not blocked")
    print(f"{args.member_id}: the next import brings the profile back")
    return 0
