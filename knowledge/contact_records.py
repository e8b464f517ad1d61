"""How a member profile is stored in the profile index: one record per searchable text and one
profile record that carries the content hash (never the email)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from knowledge.clusters import DEFAULT_CLUSTERS
from knowledge.contact_ranking import scrub, text_items
from knowledge.profiles import MemberProfile

TEXT_FIELDS = ("offers", "needs", "expertise")
SUPPLY = ("offers", "expertise")  # what a need or a request is matched against
NEAREST = 200  # nearest texts (all probes of one search together) read from Chroma
CANDIDATES = 60  # members among them that are scored exactly
MAX_ITEMS = 8  # items of one text indexed separately
LAYOUT = 1  # the records' layout: profiles indexed with another are rewritten (from the cache)
PAGE = 2000  # records read or written per Chroma call


def noise_vector(member_id: str, dimension: int) -> list[float]:
    """A deterministic unit vector for a profile record (never searched; keeps the HNSW graph sane)."""
    seed = int.from_bytes(hashlib.sha256(member_id.encode("utf-8")).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimension)
    return (vector / np.linalg.norm(vector)).astype(np.float32).tolist()


def profile_records(profile: MemberProfile) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text, metadata) of every record of a profile; the email is never part of them."""
    base: dict[str, Any] = {
        "member_id": profile.id,
        "name": scrub(profile.name),
        "organization": scrub(profile.organization),
        "cluster": profile.cluster,
        "consent": profile.consent_contact,
        "languages": ";".join(profile.languages),
        "hash": profile.content_hash(),
        "layout": LAYOUT,
    }
    card = scrub(
        " · ".join(part for part in (profile.name, profile.role_title, profile.organization) if part)
    )
    records = [(f"{profile.id}:profile", card, {**base, "field": "profile", "part": 0})]
    texts = {"offers": profile.offers, "needs": profile.needs, "expertise": "; ".join(profile.expertise)}
    for field in TEXT_FIELDS:
        text = scrub(texts[field])
        if not text:
            continue
        records.append((f"{profile.id}:{field}", text, {**base, "field": field, "part": 0}))
        items = text_items(text)[:MAX_ITEMS] if field != "expertise" else []
        records[0][2][f"items_{field}"] = len(items) if len(items) > 1 else 0
        if len(items) > 1:
            records.extend(
                (f"{profile.id}:{field}:{n}", item, {**base, "field": field, "part": n})
                for n, item in enumerate(items, 1)
            )
    return records


def record_owner(record_id: str) -> tuple[str, str] | None:
    """(member id, field) of a record id `<member>:<field>` or `<member>:<field>:<n>`."""
    head, _, last = record_id.rpartition(":")
    if last.isdigit():
        head, _, last = head.rpartition(":")
    return (head, last) if head and last in TEXT_FIELDS else None


def reference_texts() -> list[str]:
    """Texts that stand for what the index holds: each default cluster's description and topics."""
    return [f"{c.description}: {', '.join(c.topics)}" for c in DEFAULT_CLUSTERS]
