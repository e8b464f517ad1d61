"""`ask` and `contacts` at scale on the embedded default and on a Chroma server, ingestion throughput, memory.

    python bench/scale.py [--chunks 100000] [--profiles 10000] [--backend embedded|server|both] [--json]

For each backend (the embedded PersistentClient under the data dir, or a real `chroma run` on loopback
with chroma_host/chroma_port/chroma_database), two child processes, as ingestion and the bot run apart:
1. ingest: the real pipeline (`run_ingest`) over about --chunks synthetic passages (latency.write_corpus:
   files recombined from the sample documents' sentences), first run in chunks/s and unchanged re-run;
   then about --profiles synthetic members (matching.synthesize) through `ProfileIndex.sync`, twice.
2. serve: the BM25 side's build time; `ask` without an LLM for every question of bench/questions.yaml
   twice after a warm-up; `contacts` for every case of bench/matching.yaml twice (p50/p95).
Memory: each child's and the Chroma server's peak and final RSS (/proc VmHWM, VmRSS).
The model does not embed 100,000 passages (hours here): passages and profile texts get synthesized
vectors (the normalised mean of their parts' real vectors: latency.seed_cache, matching.seed_cache) in
one embedding cache, built once under bench/out/scale/seed and copied into each backend's data dir; the
quotable sentences, the sample's profiles and their query vectors go through the model once. The
model's own throughput is measured once (latency.throughput, about 300 chunks). Output: bench/out/scale.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import chromadb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import latency  # noqa: E402
import matching  # noqa: E402

from ingest.pipeline import make_chunks, run_ingest, sentence_texts  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.config import Settings  # noqa: E402
from knowledge.contacts import ProfileIndex, profile_records  # noqa: E402
from knowledge.embeddings import make_embeddings  # noqa: E402
from knowledge.index import chroma_client  # noqa: E402
from knowledge.profiles import MemberProfile, load_members  # noqa: E402
from tests.backends import ChromaServer  # noqa: E402

OUT = ROOT / "bench" / "out" / "scale"
DOCS, SEED, CACHE = OUT / "docs", OUT / "seed", "embeddings.sqlite3"
HOST, DATABASE = "127.0.0.1", "clusterbridge_scale"


def settings_for(backend: str, port: int) -> Settings:
    """Settings of one backend's bench data dir (no LLM: the local model and extractive answers)."""
    server = {"chroma_host": HOST, "chroma_port": port, "chroma_database": DATABASE}
    values: dict[str, Any] = server if backend == "server" else {"chroma_host": None}
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        clusterbridge_data_dir=OUT / backend,
        openai_api_key=None,
        openai_base_url=None,
        **values,
    )


def profiles(count: int) -> list[MemberProfile]:
    """The sample members plus synthetic ones, about `count` in all (the same on every call)."""
    sample = load_members(ROOT / "sample" / "members.csv").profiles
    return [*sample, *matching.synthesize(sample, count - len(sample))]


def summary(timings: list[float]) -> dict[str, float]:
    """p50, p95 and max of timings in ms."""
    values = sorted(timings)
    return {"n": len(values), "p50": statistics.median(values), "p95": values[int(0.95 * (len(values) - 1))], "max": values[-1]}  # fmt: skip


def status_mb(pid: int | str, field: str) -> float:
    """A memory figure (VmRSS, VmHWM) of a process from /proc, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def disk_mb(folder: Path) -> float:
    """Size of the files under a folder, in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def prepare(chunks: int, count: int) -> None:
    """Write the corpus and fill the shared embedding cache (synthesized and real vectors)."""
    pool = latency.sample_sentences()
    started = time.monotonic()
    files = latency.write_corpus(DOCS, pool, chunks, seed=11)
    print(f"corpus: {len(files)} files in {time.monotonic() - started:.0f} s")
    seed = matching.settings_at(SEED)  # kept between runs: the model's vectors are reused
    SEED.mkdir(parents=True, exist_ok=True)
    print(f"  {latency.seed_cache(seed, files, pool)} passage vectors synthesized")
    embeddings = make_embeddings(seed)
    passages = [chunk for source, title, body in files for chunk in make_chunks(source, title, None, body)]
    started, before = time.monotonic(), embeddings.computed
    embeddings.embed_documents(sentence_texts(passages))
    print(
        f"  quotable sentences: {embeddings.computed - before} embedded by the model in {time.monotonic() - started:.0f} s"
    )
    everyone = profiles(count)
    sample = load_members(ROOT / "sample" / "members.csv").profiles
    texts = [(text, meta["field"]) for p in sample for _, text, meta in profile_records(p)]
    texts = [(text, field) for text, field in texts if field != "profile"]
    embeddings.embed_documents([text for text, _ in texts])  # the sample's real vectors
    print(f"  {matching.seed_cache(embeddings, everyone[len(sample) :])} profile vectors synthesized")
    scratch = ProfileIndex(chromadb.EphemeralClient(), embeddings)
    scratch.centers()
    scratch.query_vectors([text for text, field in texts if field in ("needs", "offers")])
    embeddings.cache.close()


def ingest_phase(settings: Settings, count: int) -> dict[str, Any]:
    """Child process: documents and profiles into the backend, first and unchanged runs."""
    first = run_ingest(settings, DOCS)
    again = run_ingest(settings, DOCS)
    print(
        f"  ingested {first.chunks} chunks in {first.seconds:.0f} s, unchanged re-run {again.seconds:.1f} s"
    )
    members = profiles(count)
    index = ProfileIndex(chroma_client(settings), make_embeddings(settings))
    started = time.monotonic()
    report = index.sync(members)
    synced = time.monotonic() - started
    started = time.monotonic()
    index.sync(members)
    resynced = time.monotonic() - started
    print(f"  imported {len(members)} profiles in {synced:.0f} s, unchanged re-run {resynced:.1f} s")
    return {
        "chunks": first.chunks, "files": first.added, "seconds": first.seconds, "embedded": first.embedded,
        "rerun_files": again.unchanged, "rerun_seconds": again.seconds,
        "profiles": len(members), "records": index.collection.count(), "profile_seconds": synced,
        "profiles_embedded": report.embedded, "profile_rerun_seconds": resynced,
    }  # fmt: skip


def serve_phase(settings: Settings, count: int) -> dict[str, Any]:
    """Child process: `ask` and `contacts` timings, as the bot would serve them."""
    assistant = Assistant.from_settings(settings)
    started = time.monotonic()
    assistant.retriever.refresh(force=True)
    bm25 = time.monotonic() - started
    asks = latency.time_asks(assistant)
    print(f"  ask: p95 {summary(asks)['p95']:.0f} ms; BM25 side built in {bm25:.1f} s")
    index = ProfileIndex(chroma_client(settings), assistant.retriever.index.embeddings)
    cases = matching.load_cases()
    rank = matching.ours(index)
    rank(cases[0])  # warm-up
    contacts: dict[str, list[float]] = {"member": [], "query": []}
    for case in cases * 2:
        started = time.perf_counter()
        rank(case)
        contacts["member" if case.get("member") else "query"].append((time.perf_counter() - started) * 1000)
    print(f"  contacts: p95 {summary(contacts['member'] + contacts['query'])['p95']:.0f} ms")
    return {
        "chunks": assistant.retriever.index.count(), "bm25_seconds": bm25, "ask": summary(asks),
        "contacts": summary(contacts["member"] + contacts["query"]),
        "contacts_member": summary(contacts["member"]), "contacts_query": summary(contacts["query"]),
    }  # fmt: skip


PHASES: dict[str, Callable[[Settings, int], dict[str, Any]]] = {"ingest": ingest_phase, "serve": serve_phase}


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both phases of one backend, each in a child process; memory of every process."""
    print(f"== {backend}")
    data = OUT / backend
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    with sqlite3.connect(SEED / CACHE) as source, sqlite3.connect(data / CACHE) as target:
        source.backup(target)
    server = None
    if backend == "server":
        shutil.rmtree(OUT / "server-chroma", ignore_errors=True)
        server = ChromaServer(OUT / "server-chroma")
    figures: dict[str, Any] = {}
    try:
        for phase in PHASES:
            child = [sys.executable, __file__, "--phase", phase, "--backend", backend]
            port = str(server.port if server else 0)
            subprocess.run([*child, "--profiles", str(args.profiles), "--port", port], check=True)
            figures[phase] = json.loads((OUT / f"{backend}-{phase}.json").read_text())
            if server:
                figures[phase]["server_peak_mb"] = status_mb(server.process.pid, "VmHWM")
                figures[phase]["server_rss_mb"] = status_mb(server.process.pid, "VmRSS")
        figures["disk_mb"] = disk_mb(server.path / "data" if server else data / "chroma")
    finally:
        if server:
            server.stop()
    return figures


def table(results: dict[str, Any], backends: list[str]) -> None:
    """Print one line per figure, one column per backend."""

    def ms(part: dict[str, float]) -> str:
        return f"{part['p50']:.0f} / {part['p95']:.0f} ms"

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("documents ingested (files / chunks)", lambda f: f"{f['ingest']['files']:,} / {f['ingest']['chunks']:,}"),
        ("ingestion, first run", lambda f: f"{f['ingest']['chunks'] / f['ingest']['seconds']:.0f} chunks/s ({f['ingest']['seconds']:.0f} s)"),
        ("ingestion, unchanged re-run", lambda f: f"{f['ingest']['rerun_seconds']:.1f} s"),
        ("profiles imported (records)", lambda f: f"{f['ingest']['profiles']:,} ({f['ingest']['records']:,})"),
        ("profile import, first / unchanged", lambda f: f"{f['ingest']['profile_seconds']:.0f} s / {f['ingest']['profile_rerun_seconds']:.1f} s"),
        ("BM25 side built", lambda f: f"{f['serve']['bm25_seconds']:.1f} s"),
        ("ask p50 / p95", lambda f: ms(f["serve"]["ask"])),
        ("contacts p50 / p95", lambda f: ms(f["serve"]["contacts"])),
        ("  for a member", lambda f: ms(f["serve"]["contacts_member"])),
        ("  for a request in words", lambda f: ms(f["serve"]["contacts_query"])),
        ("ingesting process, peak RSS", lambda f: f"{f['ingest']['peak_mb']:.0f} MB"),
        ("serving process, peak / at the end", lambda f: f"{f['serve']['peak_mb']:.0f} / {f['serve']['rss_mb']:.0f} MB"),
        ("Chroma server, peak / at the end", lambda f: f"{f['serve']['server_peak_mb']:.0f} / {f['serve']['server_rss_mb']:.0f} MB" if "server_peak_mb" in f["serve"] else "–"),
        ("index on disk", lambda f: f"{f['disk_mb']:.0f} MB"),
    ]  # fmt: skip
    print(f"\n{'figure':38}" + "".join(f"{b:>28}" for b in backends))
    for label, cell in rows:
        print(f"{label:38}" + "".join(f"{cell(results[b]):>28}" for b in backends))


def main() -> int:
    """Prepare once, measure each backend in child processes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--backend", choices=("embedded", "server", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--throughput-chunks", type=int, default=300)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        figures = PHASES[args.phase](settings_for(args.backend, args.port), args.profiles)
        # VmHWM, not getrusage: ru_maxrss keeps the parent's peak across fork and exec on Linux.
        figures["peak_mb"], figures["rss_mb"] = status_mb("self", "VmHWM"), status_mb("self", "VmRSS")
        (OUT / f"{args.backend}-{args.phase}.json").write_text(json.dumps(figures, indent=1))
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    backends = ["embedded", "server"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "chunks": args.chunks,
        "profiles": args.profiles,
    }
    latency.OUT = OUT  # its throughput folders go to bench/out/scale too
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        latency.throughput(latency.sample_sentences(), args.throughput_chunks)
    print(captured.getvalue(), end="")
    results["model_throughput"] = captured.getvalue().splitlines()
    prepare(args.chunks, args.profiles)
    for backend in backends:
        results[backend] = run_backend(backend, args)
    table(results, backends)
    (OUT / "scale.json").write_text(json.dumps(results, indent=1))
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
