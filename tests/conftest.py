"""Shared fixtures: the sample index is built once per test session with the real local model."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ingest.pipeline import run_ingest
from knowledge.config import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import settings_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = ROOT / "sample" / "docs"

# Variables of the developer's shell must not leak into tests.
for _name in list(os.environ):
    if _name.startswith("CLUSTERBRIDGE_TEST_"):  # the test run's own switches
        continue
    if _name.startswith(("OPENAI_", "TELEGRAM_", "CLUSTERBRIDGE_", "CHROMA_")) or _name == "DATABASE_URL":
        del os.environ[_name]


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds the ingested sample documents (local model, no LLM)."""
    settings = settings_for(tmp_path_factory.mktemp("sample-index"))
    report = run_ingest(settings, SAMPLE_DOCS)
    assert report.added == len(list(SAMPLE_DOCS.iterdir())) and not report.failed
    return settings


@pytest.fixture
def indexed_copy(indexed_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the sample index that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(indexed_settings.clusterbridge_data_dir, target)
    yield settings_for(target)


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on loopback."""
    async with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A small private copy of two sample documents."""
    target = tmp_path / "docs"
    target.mkdir()
    for name in ("cross-cluster-space.txt", "berlin-brandenburg-digitalisierung.txt"):
        shutil.copy(SAMPLE_DOCS / name, target / name)
    return target
