"""Cross-cluster contacts: profiles in their own Chroma collection, needs matched to offers, with reasons.

Each profile is stored as separately searchable texts (`<id>:offers`, `<id>:needs`, `<id>:expertise`,
plus `<id>:offers:<n>` for each item of a text that lists several) and one `<id>:profile` record that
carries the content hash. A need is embedded as an E5 *query* and searched among offers and expertise
embedded as *passages*, and an offer among needs, so the asymmetric model compares what someone looks
for with what others describe. Both sides are centred on the model's mean directions first (E5 puts
almost every pair near 0.8), then a profile scores its best whole text plus a smaller share of the mean
over its fields. Other clusters rank before the asker's own, at most two people per organisation come
first, and a profile without consent is dropped when its profile record is read, before any scoring.
No email is ever stored in the index; emails and @handles inside free text are masked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import chromadb
import numpy as np
from pydantic import BaseModel, Field

from knowledge.config import Settings
from knowledge.contact_intent import is_contact_request, request_topic
from knowledge.contact_ranking import (
    Match,
    Probe,
    ProfileText,
    Suggestion,
    Suggestions,
    asker_language,
    profile_score,
    rank,
    scrub,
    text_items,
)
from knowledge.contact_records import (
    CANDIDATES,
    LAYOUT,
    NEAREST,
    PAGE,
    SUPPLY,
    noise_vector,
    profile_records,
    record_owner,
    reference_texts,
)
from knowledge.embeddings import CachedEmbeddings, make_embeddings
from knowledge.errors import ClusterBridgeError, StoreError
from knowledge.index import chroma_client, collection_name
from knowledge.models import Language
from knowledge.profiles import MemberProfile
from knowledge.text import detect_language

__all__ = [
    "IndexReport",
    "ProfileIndex",
    "Suggestion",
    "Suggestions",
    "UnknownMemberError",
    "is_contact_request",
    "profile_records",
    "request_topic",
    "scrub",
    "text_items",
]


class UnknownMemberError(ClusterBridgeError):
    """No indexed profile has this id."""


class IndexReport(BaseModel):
    """What an index update did, by member id; `embedded` counts texts the model had to embed."""

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    embedded: int = 0


class ProfileIndex:
    """Member profiles in their own Chroma collection (never the documents' one)."""

    def __init__(self, client: chromadb.ClientAPI, embeddings: CachedEmbeddings) -> None:
        self.client = client
        self.embeddings = embeddings
        self.name = collection_name(embeddings.model_id, "profiles")
        try:
            self.collection = client.get_or_create_collection(
                self.name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {self.name}: {exc}") from exc
        self._dimension: int | None = None
        self._centers: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ProfileIndex:
        """The profile index of the configured data dir or Chroma server and embedding model."""
        return cls(chroma_client(settings), make_embeddings(settings))

    # -- writing ---------------------------------------------------------------------------------

    def hashes(self) -> dict[str, str]:
        """Content hash of every indexed profile, by member id ("outdated" when its records need rewriting)."""
        found: dict[str, str] = {}
        offset = 0
        while True:
            page = self.collection.get(
                where={"field": "profile"}, include=["metadatas"], limit=PAGE, offset=offset
            )
            for meta in page["metadatas"] or []:
                current = meta.get("layout") == LAYOUT  # records of an older layout count as changed
                found[str(meta["member_id"])] = str(meta["hash"]) if current else "outdated"
            if len(page["ids"]) < PAGE:
                return found
            offset += PAGE

    def count(self) -> int:
        """How many profiles are indexed."""
        return len(self.hashes())

    def sync(self, profiles: Sequence[MemberProfile]) -> IndexReport:
        """Make the index hold exactly `profiles` (a whole import): profiles not among them leave it."""
        report = self.upsert(profiles)
        keep = {profile.id for profile in profiles}
        report.removed = sorted(set(self.hashes()) - keep)
        self.remove(report.removed)
        return report

    def upsert(self, profiles: Sequence[MemberProfile]) -> IndexReport:
        """Add or replace these profiles; an unchanged one (same content hash) is not touched."""
        known = self.hashes()
        report = IndexReport()
        todo: list[MemberProfile] = []
        for profile in profiles:
            previous = known.get(profile.id)
            if previous == profile.content_hash():
                report.unchanged.append(profile.id)
                continue
            (report.changed if previous else report.added).append(profile.id)
            todo.append(profile)
        before = self.embeddings.computed
        self._write(todo, replace=report.changed)
        if todo:
            self.centers()  # now, so that the first suggestion does not wait for it
        report.embedded = self.embeddings.computed - before
        return report

    def _write(self, profiles: Sequence[MemberProfile], replace: Sequence[str]) -> None:
        """Embed (through the cache) and store the records of `profiles`, replacing their old ones."""
        if not profiles:
            return
        records = [record for profile in profiles for record in profile_records(profile)]
        texts = [(i, text) for i, (rid, text, meta) in enumerate(records) if meta["field"] != "profile"]
        vectors = dict(
            zip((i for i, _ in texts), self.embeddings.embed_documents([t for _, t in texts]), strict=True)
        )
        dimension = len(next(iter(vectors.values()))) if vectors else self.dimension()
        embeddings = [
            vectors[i] if i in vectors else noise_vector(meta["member_id"], dimension)
            for i, (_, _, meta) in enumerate(records)
        ]
        self.remove(replace)
        try:
            for start in range(0, len(records), PAGE):
                part = slice(start, start + PAGE)
                self.collection.upsert(
                    ids=[rid for rid, _, _ in records[part]],
                    documents=[text for _, text, _ in records[part]],
                    metadatas=[meta for _, _, meta in records[part]],
                    embeddings=embeddings[part],  # type: ignore[arg-type]
                )
        except ClusterBridgeError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot write to collection {self.name}: {exc}") from exc

    def dimension(self) -> int:
        """The embedding model's dimension (one cached embedding to find out)."""
        if self._dimension is None:
            self._dimension = len(self.embeddings.embed_documents(["passage"])[0])
        return self._dimension

    def centers(self) -> tuple[np.ndarray, np.ndarray]:
        """The model's mean query and passage directions, from the clusters' descriptions and topics.

        Subtracting them before comparing spreads E5's similarities (which all sit near 0.8) and lets
        specific matches stand out; computed once per model (the texts are cached like passages).
        """
        if self._centers is None:
            texts = reference_texts()
            passages = np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)
            self._centers = (np.mean(self.query_vectors(texts), axis=0), passages.mean(axis=0))
        return self._centers

    def remove(self, member_ids: Iterable[str]) -> int:
        """Remove every record of these members; returns how many records went."""
        ids = list(member_ids)
        removed = 0
        for start in range(0, len(ids), 500):
            where: dict[str, Any] = {"member_id": {"$in": ids[start : start + 500]}}
            record_ids = self.collection.get(where=where, include=[])["ids"]
            if record_ids:
                self.collection.delete(ids=record_ids)
                removed += len(record_ids)
        return removed

    # -- reading ---------------------------------------------------------------------------------
    # Filtered Chroma queries scan metadata (slow over 10,000 profiles), so the nearest texts are
    # found without a filter and everything else is fetched by id; consent is checked on the
    # profile record, which is read afresh for every suggestion.

    def _profiles(self, member_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Profile metadata by member id (only those indexed)."""
        if not member_ids:
            return {}
        page = self.collection.get(ids=[f"{m}:profile" for m in member_ids], include=["metadatas"])
        return {str(meta["member_id"]): dict(meta) for meta in page["metadatas"] or []}

    def _texts(
        self, profiles: dict[str, dict[str, Any]], fields: Sequence[str]
    ) -> dict[str, list[ProfileText]]:
        """These members' stored texts of these fields, with vectors, by member."""
        ids = [
            f"{member}:{field}" + (f":{n}" if n else "")
            for member, meta in profiles.items()
            for field in fields
            for n in range(int(meta.get(f"items_{field}", 0)) + 1)
        ]
        found: dict[str, list[ProfileText]] = {}
        if not ids:
            return found
        page = self.collection.get(ids=ids, include=["embeddings", "metadatas", "documents"])
        rows = zip(page["metadatas"] or [], page["documents"] or [], page["embeddings"], strict=True)  # type: ignore[arg-type]
        for meta, text, vector in rows:
            member = str(meta["member_id"])
            found.setdefault(member, []).append(
                ProfileText(
                    member,
                    str(meta["field"]),
                    text or "",
                    np.asarray(vector, dtype=np.float32),
                    int(str(meta.get("part", 0))),
                )
            )
        return found

    def _member(self, member_id: str) -> tuple[dict[str, Any], list[ProfileText]]:
        """A member's profile metadata and their stored needs and offers."""
        profile = self._profiles([member_id]).get(member_id)
        if profile is None:
            raise UnknownMemberError(f"no member with id {member_id!r} is indexed")
        return profile, self._texts({member_id: profile}, ("needs", "offers")).get(member_id, [])

    def query_vectors(self, texts: Sequence[str]) -> list[np.ndarray]:
        """E5 query vectors of stored texts, cached like passages (under the model id plus `#query`)."""
        cache, model = self.embeddings.cache, f"{self.embeddings.model_id}#query"
        digests = [cache.digest(text) for text in texts]
        known = cache.get_many(model, digests)
        fresh = {
            d: self.embeddings.inner.embed_query(t)
            for d, t in zip(digests, texts, strict=True)
            if d not in known
        }
        if fresh:
            cache.put_many(model, fresh)
            known.update(fresh)
        return [np.asarray(known[d], dtype=np.float32) for d in digests]

    def _nearest(
        self, groups: Sequence[tuple[Sequence[Probe], Sequence[str]]], skip: Collection[str]
    ) -> list[list[str]]:
        """Per group of probes: members (not skipped) with a text of the group's fields among the nearest
        to any of its probes, nearest first. One Chroma query serves every group; it returns ids and
        distances only (reading metadata for hundreds of hits costs more than the search)."""
        vectors = [probe.vector for probes, _ in groups for probe in probes]
        size = self.collection.count() if vectors else 0
        if not size:
            return [[] for _ in groups]
        result = self.collection.query(
            query_embeddings=vectors, n_results=min(NEAREST, size), include=["distances"]
        )
        rows = iter(zip(result["ids"], result["distances"] or [], strict=True))
        found = []
        for probes, fields in groups:
            pairs = sorted(
                (distance, owner[0])
                for ids, distances in (next(rows) for _ in probes)
                for record_id, distance in zip(ids, distances, strict=True)
                if (owner := record_owner(record_id)) and owner[1] in fields and owner[0] not in skip
            )
            found.append(list(dict.fromkeys(member for _, member in pairs))[:CANDIDATES])
        return found

    def _match(
        self, groups: Sequence[tuple[Sequence[Probe], Sequence[str]]], skip: Collection[str]
    ) -> dict[str, Match]:
        """The best match of every consenting candidate over groups of (probes, fields they search)."""
        groups = [(probes, fields) for probes, fields in groups if probes]
        candidates = self._nearest(groups, skip)
        everyone = list(dict.fromkeys(member for members in candidates for member in members))
        profiles = {m: meta for m, meta in self._profiles(everyone).items() if meta.get("consent") is True}
        texts = self._texts(profiles, sorted({field for _, fields in groups for field in fields}))
        centers = self.centers()
        matches: dict[str, Match] = {}
        for (probes, fields), members in zip(groups, candidates, strict=True):
            for member in members:
                own = [text for text in texts.get(member, []) if text.field in fields]
                if member not in profiles or not own:
                    continue
                score, probe, matched = profile_score(probes, own, centers)
                if member not in matches or score > matches[member].score:
                    matches[member] = Match(member, score, probe, matched, profiles[member])
        return matches

    def suggest(
        self,
        member_id: str | None = None,
        query: str | None = None,
        cluster: str | None = None,
        k: int = 5,
        language: Language | None = None,
        exclude: Collection[str] = (),
    ) -> Suggestions:
        """Contacts for a member (their needs and offers) or for a request in words, best first.

        `member_id` alone: the member's needs against others' offers and expertise, and their offers
        against others' needs. `query`: the request against offers and expertise; with `member_id` too,
        that member is the asker. `cluster` is the asker's own cluster (the member's by default): other
        clusters come first. The asker, `exclude` and profiles without consent are never suggested.
        """
        topic = scrub(request_topic(query or ""))  # "/contacts" alone asks nothing in words
        if not member_id and not topic:
            raise ClusterBridgeError("contacts need a member id or a request text")
        skip = set(exclude) | ({member_id} if member_id else set())
        if topic:
            if member_id and cluster is None:
                cluster = str(self._member(member_id)[0]["cluster"])
            language = language or detect_language(query or topic)
            vector = np.asarray(self.embeddings.embed_query(topic), dtype=np.float32)
            matches = self._match([([Probe("request", topic, vector)], SUPPLY)], skip)
        else:
            assert member_id is not None
            profile, own = self._member(member_id)
            cluster = cluster or str(profile["cluster"])
            language = language or asker_language(profile, own)
            vectors = self.query_vectors([text.text for text in own])
            probes = [
                Probe("need" if text.field == "needs" else "offer", text.text, vector, text.part)
                for text, vector in zip(own, vectors, strict=True)
            ]
            needs = [p for p in probes if p.kind == "need"]
            offers = [p for p in probes if p.kind == "offer"]
            matches = self._match([(needs, SUPPLY), (offers, ("needs",))], skip)
        return rank(list(matches.values()), cluster, language, k)
