"""Server mode: CHROMA_HOST/CHROMA_PORT point ClusterBridge at a real `chroma run` server.

Embeddings come from the fake OpenAI-compatible server (fast hashed vectors). Each test uses its own
embedding model name, so its collection on the shared server is its own.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from ingest.pipeline import run_ingest
from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.index import collection_name
from knowledge.retrieval import VERSION_CHECK_SECONDS
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import run_cli, settings_for

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _chroma_executable() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real Chroma server on loopback for this module; its port."""
    executable = _chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` executable (chromadb's server) is not installed in this environment")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path.parent / f"{path.name}.log").open("wb")
    process = subprocess.Popen(
        [executable, "run", "--path", str(path), "--host", HOST, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _heartbeat(port):
            if process.poll() is not None:
                pytest.fail(f"chroma server exited with {process.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                pytest.fail(f"chroma server did not answer its heartbeat within {STARTUP_SECONDS:.0f} s")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def server_settings(data_dir: Path, fake: FakeOpenAI, port: int, model: str) -> Settings:
    """Settings for the Chroma server and the fake's embeddings under model name `model`."""
    return settings_for(
        data_dir,
        chroma_host=HOST,
        chroma_port=port,
        openai_base_url=fake.base_url,
        openai_api_key="test",
        openai_embedding_model=model,
    )


def server_collection(port: int, model: str) -> Any:
    """The raw collection on the server, read by a client of our own."""
    client = chromadb.HttpClient(host=HOST, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(collection_name(f"openai-{model}"))


def embedding_requests(fake: FakeOpenAI) -> int:
    """How many embedding requests the fake has served."""
    return sum(1 for path, _ in fake.requests if path == "/v1/embeddings")


async def test_ingest_search_and_removal_on_server(
    chroma_port: int, fake_openai: FakeOpenAI, docs_dir: Path, tmp_path: Path
) -> None:
    """Ingest into the server, search it, skip unchanged files, and drop a deleted file's chunks."""
    model = "fake-embedding-flow"
    settings = server_settings(tmp_path / "data", fake_openai, chroma_port, model)

    report = await asyncio.to_thread(run_ingest, settings, docs_dir)
    assert (report.added, report.failed) == (2, [])
    assert report.chunks > 0 and report.embedded == report.chunks
    collection = server_collection(chroma_port, model)
    assert collection.count() == report.chunks
    # The index lives on the server: nothing embedded in the data dir.
    assert not (settings.clusterbridge_data_dir / "chroma").exists()

    assistant = Assistant.from_settings(settings)
    hits = await asyncio.to_thread(assistant.search, "Cross-Cluster Space Hamburg Co-Learning Space", 3)
    assert hits and hits[0].source == "cross-cluster-space.txt"
    hits = await asyncio.to_thread(assistant.search, "Digitalisierung Berlin Brandenburg Cluster", 3)
    assert hits and hits[0].source == "berlin-brandenburg-digitalisierung.txt"

    before = embedding_requests(fake_openai)
    again = await asyncio.to_thread(run_ingest, settings, docs_dir)
    assert (again.added, again.changed, again.unchanged, again.removed) == (0, 0, 2, 0)
    assert again.embedded == 0 and again.chunks == 0
    assert embedding_requests(fake_openai) == before
    assert collection.count() == report.chunks

    gone = "berlin-brandenburg-digitalisierung.txt"
    assert collection.get(where={"source": gone}, include=[])["ids"]
    (docs_dir / gone).unlink()
    third = await asyncio.to_thread(run_ingest, settings, docs_dir)
    assert (third.removed, third.unchanged, third.embedded) == (1, 1, 0)
    assert collection.get(where={"source": gone}, include=[])["ids"] == []
    assert collection.count() > 0
    # A fresh assistant (and BM25 side) no longer finds the removed file.
    hits = await asyncio.to_thread(
        Assistant.from_settings(settings).search, "Digitalisierung Berlin Brandenburg Cluster", 10
    )
    assert hits and all(hit.source != gone for hit in hits)
    assert not (settings.clusterbridge_data_dir / "chroma").exists()


async def test_cli_search_json_against_server(
    chroma_port: int, fake_openai: FakeOpenAI, docs_dir: Path, tmp_path: Path
) -> None:
    """`clusterbridge search --json` with CHROMA_HOST/CHROMA_PORT prints the contract's shape."""
    model = "fake-embedding-cli"
    data = tmp_path / "data"
    report = await asyncio.to_thread(
        run_ingest, server_settings(data, fake_openai, chroma_port, model), docs_dir
    )
    assert report.added == 2
    code, stdout, stderr = await run_cli(
        "search",
        "--json",
        "--k",
        "3",
        "Cross-Cluster Space Hamburg Co-Learning Space",
        CLUSTERBRIDGE_DATA_DIR=str(data),
        CHROMA_HOST=HOST,
        CHROMA_PORT=str(chroma_port),
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_API_KEY="test",
        OPENAI_EMBEDDING_MODEL=model,
    )
    assert code == 0, stderr
    result = json.loads(stdout)
    assert list(result) == ["hits"]
    hits = result["hits"]
    assert 0 < len(hits) <= 3
    for hit in hits:
        # The contract's fields (optional extras such as `url` are allowed by the contract).
        assert {"source", "title", "text", "score"} <= set(hit)
        assert (
            isinstance(hit["source"], str) and isinstance(hit["title"], str) and isinstance(hit["text"], str)
        )
        assert isinstance(hit["score"], float)
    assert hits[0]["source"] == "cross-cluster-space.txt"
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    assert not (data / "chroma").exists()


async def test_a_running_assistant_sees_a_separate_ingest_on_the_server(
    chroma_port: int, fake_openai: FakeOpenAI, docs_dir: Path, tmp_path: Path
) -> None:
    """With a Chroma server, a serving process (here its Assistant) answers from another process's
    completed ingestion within seconds: new files are found, removed ones are gone."""
    model = "fake-embedding-live"
    data = tmp_path / "data"
    settings = server_settings(data, fake_openai, chroma_port, model)
    await asyncio.to_thread(run_ingest, settings, docs_dir)
    serving = Assistant.from_settings(settings)
    first = await asyncio.to_thread(serving.search, "Digitalisierung Berlin Brandenburg Cluster", 3)
    assert first[0].source == "berlin-brandenburg-digitalisierung.txt"

    (docs_dir / "berlin-brandenburg-digitalisierung.txt").unlink()
    (docs_dir / "drohnen.txt").write_text(
        "Title: Drohnen im Hafen\n\nDas Testfeld für Drohnenlogistik im Hamburger Hafen öffnet im Mai.\n",
        encoding="utf-8",
    )
    env = {
        "CLUSTERBRIDGE_DATA_DIR": str(data),
        "CHROMA_HOST": HOST,
        "CHROMA_PORT": str(chroma_port),
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_API_KEY": "test",
        "OPENAI_EMBEDDING_MODEL": model,
    }
    code, _, err = await run_cli("ingest", "--docs", str(docs_dir), "--prune", **env)
    assert code == 0, err
    await asyncio.sleep(VERSION_CHECK_SECONDS + 0.5)
    found = await asyncio.to_thread(serving.search, "Testfeld Drohnenlogistik Hafen", 3)
    assert found[0].source == "drohnen.txt"
    everything = await asyncio.to_thread(serving.search, "Digitalisierung Berlin Brandenburg Cluster", 10)
    assert all(hit.source != "berlin-brandenburg-digitalisierung.txt" for hit in everything)
