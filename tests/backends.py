"""The backends the suite runs on: the embedded default, or the scale-out set-up.

`CLUSTERBRIDGE_TEST_BACKEND=scale-out` runs the same tests against a real Chroma server (`chroma run`,
started once per test run on loopback) and PostgreSQL (CLUSTERBRIDGE_TEST_PG_URL). Tests isolate by
data dir, as on the embedded default: each data dir gets its own Chroma database and its own
PostgreSQL schema, named after the folder, and `copy_index` copies one database into another where
the embedded tests copy a folder.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

BACKEND = os.environ.get("CLUSTERBRIDGE_TEST_BACKEND", "embedded")
if BACKEND not in ("embedded", "scale-out"):
    raise SystemExit(f"CLUSTERBRIDGE_TEST_BACKEND must be 'embedded' or 'scale-out', not {BACKEND!r}")
SCALE_OUT = BACKEND == "scale-out"
PG_URL = os.environ.get("CLUSTERBRIDGE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
HOST = "127.0.0.1"
STARTUP_SECONDS = 60.0

# PostgreSQL schemas made for data dirs during this run, dropped at its end (`drop_schemas`).
SCHEMAS: set[str] = set()
# Names of databases and schemas carry the run's token (children inherit it): two runs that share a
# PostgreSQL server never use or drop each other's.
RUN = os.environ.setdefault("CLUSTERBRIDGE_TEST_RUN_ID", uuid.uuid4().hex[:6])


def chroma_executable() -> str | None:
    """chromadb's `chroma` command beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def heartbeat(port: int) -> bool:
    """True when a Chroma server answers on `port`."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/api/v2/heartbeat", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the thread that started it ends (start it from the main
    thread: then when a killed test run ends)."""
    if sys.platform == "linux":
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ChromaServer:
    """A `chroma run` process on loopback with its data in `folder` (kept when it stops), or in a
    temporary folder (removed when it stops). Also used by bench/scale.py."""

    def __init__(self, folder: Path | None = None) -> None:
        executable = chroma_executable()
        if executable is None:
            raise RuntimeError("the `chroma` executable (chromadb's server) is not installed")
        self.port = free_port()
        self.keep = folder is not None
        self.path = folder or Path(tempfile.mkdtemp(prefix="clusterbridge-chroma-"))
        self.path.mkdir(parents=True, exist_ok=True)
        self.log = (self.path / "server.log").open("wb")
        self.process = subprocess.Popen(
            [executable, "run", "--path", str(self.path / "data"), "--host", HOST, "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not heartbeat(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.flush()
                tail = (self.path / "server.log").read_text(errors="replace")[-800:]
                self.stop()
                raise RuntimeError(f"the Chroma server did not start; its log ends:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Terminate the server (and remove a temporary folder)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


_server: list[ChromaServer] = []
# Child processes of the test run (a CLI, a lease holder) inherit the server's port, never start one.
_PORT_VARIABLE = "CLUSTERBRIDGE_TEST_CHROMA_PORT"


def chroma_port() -> int:
    """The port of the run's Chroma server, started on first use and stopped when the run ends."""
    if inherited := os.environ.get(_PORT_VARIABLE):
        return int(inherited)
    if not _server:
        _server.append(ChromaServer())
        atexit.register(_server[0].stop)
        os.environ[_PORT_VARIABLE] = str(_server[0].port)
    return _server[0].port


def _name(data_dir: Path) -> str:
    return f"cb_{RUN}_" + hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:12]


def backend_values(data_dir: Path, given: dict[str, Any]) -> dict[str, Any]:
    """Settings for `data_dir` on the scale-out set-up (none on the embedded default); what a test
    sets itself (a Chroma host, a database URL) wins."""
    if not SCALE_OUT:
        return {}
    values: dict[str, Any] = {}
    name = _name(data_dir)
    if "chroma_host" not in given:
        values.update(chroma_host=HOST, chroma_port=chroma_port(), chroma_database=name)
    if "database_url" not in given:
        SCHEMAS.add(name)
        values.update(database_url=PG_URL, database_schema=name)
    return values


def backend_env(env: dict[str, str]) -> dict[str, str]:
    """The same for a child process's environment (keyed on its CLUSTERBRIDGE_DATA_DIR)."""
    data_dir = env.get("CLUSTERBRIDGE_DATA_DIR")
    if not SCALE_OUT or data_dir is None:
        return {}
    given = {key.lower(): value for key, value in env.items()}
    return {key.upper(): str(value) for key, value in backend_values(Path(data_dir), given).items()}


def copy_index(source: Any, target: Any) -> None:
    """Copy the Chroma collections of `source`'s settings into `target`'s (scale-out only; the
    embedded index travels with its folder)."""
    from knowledge.index import chroma_client

    if source.chroma_host is None or target.chroma_host is None:
        return
    origin, destination = chroma_client(source), chroma_client(target)
    for listed in origin.list_collections():
        collection = origin.get_collection(listed.name)
        copy = destination.get_or_create_collection(
            listed.name, metadata=collection.metadata, configuration={"hnsw": {"space": "cosine"}}
        )
        offset = 0
        while True:
            page = collection.get(include=["embeddings", "documents", "metadatas"], limit=1000, offset=offset)
            if not page["ids"]:
                break
            copy.add(
                ids=page["ids"],
                embeddings=page["embeddings"],
                documents=page["documents"],
                metadatas=page["metadatas"],
            )
            offset += len(page["ids"])


async def drop_schemas() -> None:
    """Drop the PostgreSQL schemas this run made, each in its own transaction; one that cannot be
    dropped (a lock held elsewhere) is reported, not waited for."""
    if not SCHEMAS:
        return
    import warnings

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_URL)
    try:
        for schema in sorted(SCHEMAS):
            try:
                async with engine.begin() as conn:
                    await conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            except Exception as exc:
                warnings.warn(f"test schema {schema} not dropped: {exc}", stacklevel=1)
    finally:
        await engine.dispose()
    SCHEMAS.clear()
