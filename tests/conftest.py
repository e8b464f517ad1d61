"""Shared fixtures: the sample index is built once per test session with the real local model."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from ingest.pipeline import run_ingest
from knowledge.config import Settings
from tests.backends import BACKEND, PG_URL, chroma_port, copy_index, drop_schemas
from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import pg_unreachable, settings_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = ROOT / "sample" / "docs"

# Variables of the developer's shell must not leak into tests.
for _name in list(os.environ):
    if _name.startswith("CLUSTERBRIDGE_TEST_"):  # the test run's own switches
        continue
    if _name.startswith(("OPENAI_", "TELEGRAM_", "CLUSTERBRIDGE_", "CHROMA_")) or _name == "DATABASE_URL":
        del os.environ[_name]


def pytest_report_header() -> str:
    """Say which backends this run uses."""
    where = (
        "a Chroma server on loopback and PostgreSQL" if BACKEND == "scale-out" else "embedded Chroma, SQLite"
    )
    return f"clusterbridge backend: {BACKEND} ({where})"


SHOWN_PG_URL = make_url(PG_URL).render_as_string(hide_password=True)


def pytest_configure() -> None:
    """The scale-out run starts its Chroma server here, in the main process, before any test (its
    children inherit the port); a server that does not start ends the run with its log."""
    if BACKEND == "scale-out":
        try:
            chroma_port()
        except RuntimeError as exc:
            pytest.exit(f"scale-out run: {exc}", returncode=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The scale-out run needs PostgreSQL: without it, every test skips, saying why."""
    problem = asyncio.run(pg_unreachable()) if BACKEND == "scale-out" else None
    for item in items if problem else []:
        item.add_marker(
            pytest.mark.skip(reason=f"scale-out run: PostgreSQL at {SHOWN_PG_URL} unreachable: {problem}")
        )


def pytest_sessionfinish() -> None:
    """Drop the PostgreSQL schemas the scale-out run made."""
    asyncio.run(drop_schemas())


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
    copy = settings_for(target)
    copy_index(indexed_settings, copy)
    yield copy


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
