"""A manager's new event: its card (preview and announcement), its audience (the subscribers of its
cluster and of its topics) and the announcement queued once into the outbox, in each recipient's
language; and the own-cluster subscription of members linked to a profile."""

from __future__ import annotations

import html

from knowledge.catalogue import text
from knowledge.events import Event, span
from knowledge.models import Language
from knowledge.state import StateStore, UserRecord


def card(event: Event, language: Language) -> str:
    """The event as plain text: title, time, place, description, topics, link."""
    lines = [event.title, span(event, language)]
    lines += [value for value in (event.location, event.description) if value]
    if event.topics:
        lines.append("# " + ", ".join(event.topics))
    if event.url:
        lines.append(event.url)
    return "\n".join(lines)


def audience(event: Event) -> list[tuple[str, str]]:
    """Who hears of a new event: its cluster's and its topics' subscribers."""
    return [("cluster", event.cluster), *(("topic", topic) for topic in event.topics)]


def announcement(event: Event, language: Language) -> str:
    """The announcement in Telegram HTML (everything escaped)."""
    return html.escape(f"{text(language, 'event.announcement')}\n\n{card(event, language)}", quote=False)


async def announce_event(store: StateStore, event: Event, created_by: int | None) -> tuple[int | None, int]:
    """Queue the event's announcement once (keyed by the event); (broadcast id or None, recipients)."""
    recipients = await store.subscriptions.audiences(audience(event))
    texts = {}
    for user_id in recipients:
        record = await store.users.get(user_id)
        texts[user_id] = announcement(event, record.language if record is not None else "de")
    label = ",".join(f"{kind}:{value}" for kind, value in audience(event))[:200]
    broadcast_id = await store.outbox.create(
        "event",
        label,
        html.escape(event.title, quote=False),
        texts,
        created_by=created_by,
        key=f"announce:{event.id}",
        event_id=event.id,
    )
    return broadcast_id, len(recipients)


async def own_cluster(store: StateStore, user: UserRecord) -> str | None:
    """The cluster of the member's linked profile, else the cluster they manage, else None."""
    if user.member_id:
        profile = await store.profiles.get(user.member_id)
        if profile is not None:
            return profile.cluster
    return user.role_cluster


async def ensure_own_cluster_subscription(
    store: StateStore, user: UserRecord, *, always: bool = False
) -> str | None:
    """Subscribe a member linked to a profile (or a manager) to their own cluster; returns it.

    With `always` (when /start has just linked the profile) in any case; otherwise only while they have
    no subscription at all, so a member who chose in /subscribe keeps their choice."""
    cluster = await own_cluster(store, user)
    if cluster is not None and (always or not await store.subscriptions.of_user(user.id)):
        await store.subscriptions.subscribe(user.id, "cluster", cluster)
    return cluster
