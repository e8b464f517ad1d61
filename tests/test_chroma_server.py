"""Server mode: CHROMA_HOST/CHROMA_PORT point ClusterBridge at a real `chroma run` server.

Embeddings come from the fake OpenAI-compatible server (fast hashed vectors). Each test uses its own
embedding model name, so its collection on the shared server is its own.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from ingest.pipeline import run_ingest
from knowledge.assistant import Assistant
from knowledge.config import Settings
from knowledge.errors import IndexEmptyError
from knowledge.index import collection_name
from knowledge.retrieval import VERSION_CHECK_SECONDS
from tests.backends import HOST, chroma_executable
from tests.backends import chroma_port as server_port
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import run_cli, settings_for


@pytest.fixture(scope="module")
def chroma_port() -> int:
    """The test run's Chroma server on loopback (tests/backends.py); its port."""
    if chroma_executable() is None:
        pytest.skip("the `chroma` executable (chromadb's server) is not installed in this environment")
    return server_port()


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


async def test_each_chroma_database_is_separate(
    chroma_port: int, fake_openai: FakeOpenAI, docs_dir: Path, tmp_path: Path
) -> None:
    """CHROMA_DATABASE: two deployments on one server (created on first use) do not see each other."""
    model = "fake-embedding-databases"
    first = settings_for(
        tmp_path / "one",
        chroma_host=HOST,
        chroma_port=chroma_port,
        chroma_database="deployment-one",
        openai_base_url=fake_openai.base_url,
        openai_api_key="test",
        openai_embedding_model=model,
    )
    second = first.model_copy(
        update={"clusterbridge_data_dir": tmp_path / "two", "chroma_database": "deployment-two"}
    )
    report = await asyncio.to_thread(run_ingest, first, docs_dir)
    assert report.added == 2
    with pytest.raises(IndexEmptyError):  # "nothing is indexed yet: run `clusterbridge ingest`"
        await asyncio.to_thread(Assistant.from_settings(second).search, "Cross-Cluster Space", 3)
    hits = await asyncio.to_thread(Assistant.from_settings(first).search, "Cross-Cluster Space", 3)
    assert hits and hits[0].source == "cross-cluster-space.txt"
