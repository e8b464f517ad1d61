"""`serve` as `clusterbridge bot` runs it: assistant and store from the settings, polling until stopped."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from bot.app import serve
from knowledge.config import Settings
from knowledge.state import StateStore
from tests.bot.conftest import ALICE, bot_settings
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


async def test_serve_answers_until_stopped(
    fake: FakeTelegram, indexed_settings: Settings, tmp_path: Path
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite3'}"
    settings = bot_settings(indexed_settings, fake, database_url=database)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        await fake.wait_for("setMyCommands", timeout=30)
        mark = fake.mark()
        fake.send_text(ALICE, "Was ist der Cross-Cluster Space?")
        answer = await fake.wait_for("sendMessage", lambda c: bool(c.params.get("reply_markup")), 15, mark)
        assert "<b>Quellen</b>" in answer.params["text"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    store = await StateStore.open(database)  # the state went to the configured database
    try:
        assert len(await store.history.recent(f"chat:{ALICE.id}:user:{ALICE.id}", 10)) == 1
    finally:
        await store.close()


def test_cli_bot_without_a_token_fails_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CLUSTERBRIDGE_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "clusterbridge", "bot"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0], result.stderr
