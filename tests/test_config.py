"""Settings from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from clusterbridge.cli import main
from knowledge.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_with_empty_values_means_embedded_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.telegram_bot_token is None and settings.openai_api_key is None
    assert not settings.llm_enabled and not settings.use_openai_embeddings
    assert settings.chroma_host is None and settings.database_url is None
    assert settings.sqlalchemy_url.startswith("sqlite+aiosqlite:///")


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLUSTERBRIDGE_ADMINS", "12, 34,")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("CLUSTERBRIDGE_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.llm_enabled and settings.use_openai_embeddings
    monkeypatch.setenv("CLUSTERBRIDGE_EMBEDDINGS", "local")
    assert not Settings(_env_file=None).use_openai_embeddings  # type: ignore[call-arg]


def test_invalid_setting_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLUSTERBRIDGE_ACCESS", "everyone")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert main(["search", "x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("clusterbridge: error: invalid setting CLUSTERBRIDGE_ACCESS") and "\n" not in err


def test_bot_without_token_refuses_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLUSTERBRIDGE_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["bot"]) == 1
    err = capsys.readouterr().err.strip()
    assert "TELEGRAM_BOT_TOKEN is not set" in err and "\n" not in err
