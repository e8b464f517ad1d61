"""The ingestion job: incremental runs, broken files, the lock, and a run killed halfway."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from ingest.pipeline import ingest_lock, run_ingest
from knowledge.errors import IngestLockedError
from knowledge.index import EF_SEARCH
from knowledge.retrieval import HybridRetriever
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import HashEmbeddings, hash_index, run_cli, settings_for

ROOT = Path(__file__).resolve().parent.parent


def test_incremental_runs_skip_replace_and_remove(tmp_path: Path, docs_dir: Path) -> None:
    settings = settings_for(tmp_path / "data")
    index = hash_index(settings)
    inner = index.embeddings.inner
    assert isinstance(inner, HashEmbeddings)

    first = run_ingest(settings, docs_dir, index=index)
    assert (first.added, first.changed, first.removed, first.failed) == (2, 0, 0, [])
    assert first.chunks == index.count() > 0
    calls = inner.calls

    second = run_ingest(settings, docs_dir, index=index)
    assert (second.added, second.unchanged, second.chunks, second.embedded) == (0, 2, 0, 0)
    assert inner.calls == calls

    # touching a file without changing it is still "unchanged" and embeds nothing
    os.utime(docs_dir / "cross-cluster-space.txt")
    assert run_ingest(settings, docs_dir, index=index).unchanged == 2

    changed = docs_dir / "cross-cluster-space.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nNeu: Ein Satz über Drohnenlogistik im Hafen.\n"
    )
    third = run_ingest(settings, docs_dir, index=index)
    assert (third.changed, third.unchanged) == (1, 1)
    assert third.embedded < third.chunks  # unchanged passages came from the cache
    retriever = HybridRetriever(index)
    assert retriever.bm25("Drohnenlogistik", "de", 1)[0][0].source == "cross-cluster-space.txt"
    texts = [c.text for c in index.iter_chunks() if c.source == "cross-cluster-space.txt"]
    assert len(texts) == len(set(texts))  # old passages were replaced, not duplicated

    (docs_dir / "berlin-brandenburg-digitalisierung.txt").unlink()
    fourth = run_ingest(settings, docs_dir, index=index)
    assert fourth.removed == 1
    assert index.sources() == {"cross-cluster-space.txt"}


def test_broken_files_are_reported_and_skipped(tmp_path: Path, docs_dir: Path) -> None:
    settings = settings_for(tmp_path / "data")
    index = hash_index(settings)
    run_ingest(settings, docs_dir, index=index)
    before = index.count()
    (docs_dir / "sub").mkdir()
    (docs_dir / "sub" / "kaputt.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs_dir / "leer.md").write_bytes(b"")
    (docs_dir / "notes.xlsx").write_bytes(b"ignored: not a document type")
    (docs_dir / "sub" / "gut.md").write_text("# Neu\n\nEin neuer Text über Wasserstoff.", encoding="utf-8")
    report = run_ingest(settings, docs_dir, index=index)
    assert sorted(f.source for f in report.failed) == ["leer.md", "sub/kaputt.pdf"]
    assert "PDF" in next(f.reason for f in report.failed if f.source == "sub/kaputt.pdf")
    assert report.added == 1 and index.count() > before

    # a file that breaks later keeps its previous passages serving
    (docs_dir / "sub" / "gut.md").write_bytes(b"\x00\x00binary now")
    again = run_ingest(settings, docs_dir, index=index)
    assert [f.source for f in again.failed if f.source == "sub/gut.md"]
    assert "sub/gut.md" in index.sources()


def test_second_run_refuses_while_the_lock_is_held(tmp_path: Path, docs_dir: Path) -> None:
    settings = settings_for(tmp_path / "data")
    with ingest_lock(settings), pytest.raises(IngestLockedError, match="another ingestion run"):
        run_ingest(settings, docs_dir)


def _env(data_dir: Path, fake: FakeOpenAI) -> dict[str, str]:
    return {
        "CLUSTERBRIDGE_DATA_DIR": str(data_dir),
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "test",
    }


async def test_cli_exit_status_and_lock_message(
    tmp_path: Path, docs_dir: Path, fake_openai: FakeOpenAI
) -> None:
    env = _env(tmp_path / "data", fake_openai)
    (docs_dir / "kaputt.pdf").write_bytes(b"not a pdf")
    code, out, err = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert code == 1
    assert "skipped kaputt.pdf: not a readable PDF" in err
    assert "added 2" in out and "failed 1" in out

    settings = settings_for(tmp_path / "data")
    with ingest_lock(settings):
        code, _, err = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]  # one clear line
    assert "another ingestion run is in progress" in err

    code, _, err = await run_cli("ingest", "--docs", str(tmp_path / "missing"), **env)
    assert code == 1 and "documents folder not found" in err


async def test_cli_prints_each_skipped_file_once_escaped_and_refuses_to_prune(
    tmp_path: Path, docs_dir: Path, fake_openai: FakeOpenAI
) -> None:
    env = _env(tmp_path / "data", fake_openai)
    forged = "evil\nclusterbridge: skipped FAKE.txt: forged.pdf"
    (docs_dir / forged).write_bytes(b"not a pdf")
    code, out, err = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert code == 1 and "added 2" in out
    skipped = [line for line in err.splitlines() if "skipped" in line]
    assert skipped == [
        "clusterbridge: skipped evil\\nclusterbridge: skipped FAKE.txt: forged.pdf: not a readable PDF: "
        + skipped[0].rsplit("not a readable PDF: ", 1)[1]
    ]  # once, escaped: no forged line, no second log line

    empty = tmp_path / "leer"
    empty.mkdir()
    code, out, err = await run_cli("ingest", "--docs", str(empty), **env)
    assert code == 1 and err.strip().splitlines() == [err.strip()]
    assert "refusing to remove 2 of the 2 indexed documents" in err and "--prune" in err
    code, out, _ = await run_cli("ingest", "--docs", str(empty), "--prune", **env)
    assert code == 0 and "removed 2" in out


async def test_run_killed_halfway_keeps_serving_and_next_run_completes(
    tmp_path: Path, docs_dir: Path, fake_openai: FakeOpenAI
) -> None:
    env = _env(tmp_path / "data", fake_openai)
    code, _, _ = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert code == 0
    code, before, _ = await run_cli("search", "--json", "Digitalisierung Berlin Brandenburg", **env)
    assert code == 0 and "berlin-brandenburg" in before

    # Many new files, each embedding request slowed down: kill -9 while the run is in the middle.
    for i in range(8):
        shutil.copy(docs_dir / "cross-cluster-space.txt", docs_dir / f"kopie-{i}.txt")
        with (docs_dir / f"kopie-{i}.txt").open("a", encoding="utf-8") as handle:
            handle.write(f"\nKopie Nummer {i}.\n")
    fake_openai.delay_next(0.4, times=100)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clusterbridge",
        "ingest",
        "--docs",
        str(docs_dir),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(200):
        if sum(path == "/v1/embeddings" for path, _ in fake_openai.requests) >= 5:
            break
        await asyncio.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    fake_openai.clear_faults()

    code, after, _ = await run_cli("search", "--json", "Digitalisierung Berlin Brandenburg", **env)
    assert code == 0 and "berlin-brandenburg" in after  # the previous index keeps answering

    code, out, _ = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert code == 0, out
    assert "failed 0" in out
    code, out, _ = await run_cli("ingest", "--docs", str(docs_dir), **env)
    assert "unchanged 10" in out and "chunks written 0" in out


def test_a_collection_searches_wide_also_when_an_earlier_version_created_it(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    index = hash_index(settings)
    assert index.collection.configuration["hnsw"]["ef_search"] == EF_SEARCH
    # as created before the search width was set: Chroma's default
    index.collection.modify(configuration={"hnsw": {"ef_search": 100}})
    assert (
        hash_index(settings).client.get_collection(index.name).configuration["hnsw"]["ef_search"] == EF_SEARCH
    )
