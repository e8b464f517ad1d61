"""Test helpers: a deterministic embedding for unit tests that are not about retrieval quality."""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import re
import sys
import tempfile
from pathlib import Path

from langchain_core.embeddings import Embeddings

from knowledge.config import Settings
from knowledge.embeddings import CachedEmbeddings, EmbeddingCache
from knowledge.index import VectorIndex, chroma_client
from tests.backends import PG_URL, backend_env, backend_values

DIM = 64


class HashEmbeddings(Embeddings):
    """Bag-of-words hashed into 64 dimensions: texts sharing words are similar."""

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * DIM
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % DIM] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        self.calls += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)


def hash_index(settings: Settings) -> VectorIndex:
    """A VectorIndex in the settings' data dir with the hash embedding."""
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite3")
    return VectorIndex(chroma_client(settings), CachedEmbeddings(HashEmbeddings(), "test-hash", cache))


def settings_for(data_dir: Path, **values: object) -> Settings:
    """Settings that ignore the developer's environment and .env."""
    values = {**backend_values(data_dir, values), **values}
    return Settings(_env_file=None, clusterbridge_data_dir=data_dir, **values)  # type: ignore[call-arg]


ROOT = Path(__file__).resolve().parent.parent


def cli_env(**env: str) -> dict[str, str]:
    """A child's environment: the test environment (free of the developer's settings) plus `env`."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **backend_env(env), **env}


async def run_cli(
    *args: str, timeout: float = 120, stdin: str | None = None, **env: str
) -> tuple[int, str, str]:
    """Run `clusterbridge ARGS` in a child process (the test's event loop keeps serving meanwhile).

    It runs in an empty folder, so no developer's `.env` is read.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clusterbridge",
        *args,
        cwd=tempfile.mkdtemp(prefix="clusterbridge-cli-"),
        env=cli_env(**env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    sent = stdin.encode() if stdin is not None else None
    out, err = await asyncio.wait_for(process.communicate(sent), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


_pg_problem: dict[str, str | None] = {}


async def pg_unreachable() -> str | None:
    """None when PostgreSQL answers at PG_URL, else why not (checked once per session)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    if PG_URL not in _pg_problem:
        engine = create_async_engine(PG_URL)
        try:
            async with asyncio.timeout(5):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            _pg_problem[PG_URL] = None
        except Exception as exc:
            _pg_problem[PG_URL] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        finally:
            await engine.dispose()
    return _pg_problem[PG_URL]
