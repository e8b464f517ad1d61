"""Answer latency over a 10,000-chunk index, peak memory, and ingestion throughput.

    python bench/latency.py [--chunks 10000] [--throughput-chunks 300]

1. Ingestion throughput (real pipeline, real local model): a synthetic folder of about
   --throughput-chunks passages, a first run and an unchanged second run, in chunks per second.
2. Latency: a synthetic corpus of --chunks passages recombined from the sample texts' sentences is
   ingested through the real pipeline. Embedding 10,000 distinct passages with the local model
   would take most of an hour here, so each passage's vector is synthesized as the normalised mean
   of its sentences' real vectors and placed in the embedding cache before the run (the pipeline
   then finds every passage in the cache). Then `ask` without an LLM runs for every question in
   bench/questions.yaml, twice: p50 and p95 per query (query embedding, hybrid retrieval, the
   extractive answer).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.chunking import chunk_text  # noqa: E402
from ingest.pipeline import make_chunks, run_ingest  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.embeddings import LOCAL_MODEL_ID, EmbeddingCache, LocalE5Embeddings  # noqa: E402
from knowledge.text import sentences  # noqa: E402

OUT = ROOT / "bench" / "out" / "latency"
SENTENCES_PER_FILE = 24


def sample_sentences() -> list[str]:
    """Every usable sentence of the sample documents."""
    pool: list[str] = []
    for path in sorted((ROOT / "sample" / "docs").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n", 2)[-1]
        pool.extend(s for s in sentences(body) if 40 <= len(s) <= 600)
    return pool


def write_corpus(folder: Path, pool: list[str], target_chunks: int, seed: int) -> list[tuple[str, str, str]]:
    """Synthetic files until about `target_chunks` passages; returns (source, title, text) per file."""
    rng = random.Random(seed)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files: list[tuple[str, str, str]] = []
    total = 0
    while total < target_chunks:
        number = len(files)
        title = f"Clusterbericht {number}"
        body = " ".join(rng.sample(pool, SENTENCES_PER_FILE))
        source = f"part-{number // 200:03d}/bericht-{number:05d}.txt"
        path = folder / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Title: {title}\n\n{body}\n", encoding="utf-8")
        files.append((source, title, body))
        total += len(chunk_text(body))
    return files


def seed_cache(settings: Settings, files: list[tuple[str, str, str]], pool: list[str]) -> int:
    """Put a synthesized vector for every passage of `files` into the embedding cache."""
    model = LocalE5Embeddings()
    started = time.monotonic()
    vectors = dict(zip(pool, model.embed_documents(pool), strict=True))
    print(f"  embedded {len(pool)} distinct sample sentences in {time.monotonic() - started:.1f} s")
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3")
    items: dict[str, list[float]] = {}
    for source, title, body in files:
        for chunk in make_chunks(source, title, None, body):
            parts = [vectors[s] for s in sentences(chunk.body) if s in vectors] or list(vectors.values())[:1]
            mean = np.mean(np.asarray(parts, dtype=np.float32), axis=0)
            items[EmbeddingCache.digest(chunk.text)] = (mean / np.linalg.norm(mean)).tolist()
    cache.put_many(LOCAL_MODEL_ID, items)
    cache.close()
    return len(items)


def settings_at(folder: Path) -> Settings:
    """Settings for a bench data dir, ignoring the environment's LLM keys."""
    shutil.rmtree(folder, ignore_errors=True)
    return Settings(_env_file=None, clusterbridge_data_dir=folder, openai_api_key=None, openai_base_url=None)  # type: ignore[call-arg]


def throughput(pool: list[str], chunks: int) -> None:
    """First and unchanged second run of the real pipeline with the real local model."""
    docs = OUT / "throughput-docs"
    write_corpus(docs, pool, chunks, seed=7)
    settings = settings_at(OUT / "throughput-data")
    first = run_ingest(settings, docs)
    second = run_ingest(settings, docs)
    print(
        f"ingestion, first run:     {first.chunks} chunks in {first.seconds:.1f} s = {first.chunks / first.seconds:.1f} chunks/s"
    )
    print(
        f"ingestion, unchanged run: {second.unchanged} files ({first.chunks} chunks) in {second.seconds:.2f} s"
        f" = {first.chunks / second.seconds:.0f} chunks/s ({second.seconds / first.seconds:.1%} of the first run)"
    )


def time_asks(assistant: Assistant) -> list[float]:
    """Milliseconds of `ask` for every question of bench/questions.yaml, twice, after a warm-up."""
    questions = [
        q["question"] for q in yaml.safe_load((ROOT / "bench" / "questions.yaml").read_text())["questions"]
    ]
    assistant.ask(questions[0])
    timings = []
    for question in questions * 2:
        started = time.perf_counter()
        assistant.ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def latency(pool: list[str], chunks: int) -> None:
    """p50/p95 of `ask` without an LLM over the large index."""
    docs = OUT / "large-docs"
    files = write_corpus(docs, pool, chunks, seed=11)
    settings = settings_at(OUT / "large-data")
    seeded = seed_cache(settings, files, pool)
    report = run_ingest(settings, docs)
    print(
        f"large index: {report.chunks} chunks from {report.added} files in {report.seconds:.1f} s"
        f" ({seeded} vectors synthesized, {report.embedded} embedded by the model during the run)"
    )
    again = run_ingest(settings, docs)
    print(f"large index, unchanged run: {again.unchanged} files in {again.seconds:.2f} s")
    assistant = Assistant.from_settings(settings)
    started = time.monotonic()
    assistant.retriever.refresh(force=True)
    print(f"BM25 side built in {time.monotonic() - started:.2f} s (once per process and index change)")
    timings = sorted(time_asks(assistant))
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"ask without LLM over {assistant.retriever.index.count()} chunks, {len(timings)} queries:"
        f" p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, max {timings[-1]:.0f} ms"
    )


def main() -> int:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--throughput-chunks", type=int, default=300)
    args = parser.parse_args()
    pool = sample_sentences()
    print(f"{len(pool)} sample sentences")
    throughput(pool, args.throughput_chunks)
    latency(pool, args.chunks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
