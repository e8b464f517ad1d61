"""Settings and environments that used to be accepted and then break: each is one clear line now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterbridge.cli import main
from knowledge.config import Settings
from tests.helpers import ROOT, cli_env


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("CLUSTERBRIDGE_ADMINS", "abc", "not a numeric Telegram user id"),
        ("CLUSTERBRIDGE_ADMINS", "12,@ada", "'@ada' is not a numeric"),
        ("CLUSTERBRIDGE_MAX_FILE_MB", "nan", "finite number"),
        ("CLUSTERBRIDGE_MAX_FILE_MB", "inf", "finite number"),
        ("CLUSTERBRIDGE_MAX_FILE_MB", "-1", "greater than 0"),
        ("CLUSTERBRIDGE_TOP_K", "0", "greater than or equal to 1"),
        ("CLUSTERBRIDGE_TOP_K", "-3", "greater than or equal to 1"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot", "http:// or https://"),
        ("CHROMA_PORT", "99999", "less than or equal to 65535"),
    ],
)
def test_invalid_settings_are_refused_when_read(
    name: str, value: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT / "tests")  # no .env there
    assert main(["search", "x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"clusterbridge: error: invalid setting {name}:") and said in err, err
    assert "\n" not in err


def test_search_k_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--k", "-2", "x"])
    assert "must be a whole number from 1 to 50" in capsys.readouterr().err


def test_a_dot_env_that_is_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_bytes(b"CLUSTERBRIDGE_TOP_K=5\nTELEGRAM_BOT_TOKEN=\xff\xfe\n")
    monkeypatch.chdir(tmp_path)
    assert main(["search", "x"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "clusterbridge: error: cannot read .env: it is not UTF-8 (byte 41); save it as UTF-8"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o500)
    monkeypatch.setenv("CLUSTERBRIDGE_DATA_DIR", str(data / "inner"))
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", "--docs", str(tmp_path)]) == 1
    assert "cannot create the data folder" in capsys.readouterr().err


def test_a_data_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings = Settings(_env_file=None, clusterbridge_data_dir=blocker / "data")  # type: ignore[call-arg]
    with pytest.raises(Exception, match=r"cannot create the data folder .* \(CLUSTERBRIDGE_DATA_DIR\)"):
        _ = settings.data_dir


def test_a_closed_pipe_is_no_error(indexed_settings: Settings) -> None:
    env = cli_env(CLUSTERBRIDGE_DATA_DIR=str(indexed_settings.clusterbridge_data_dir))
    reader = f"{sys.executable} -m clusterbridge search --k 50 Cluster | head -c 10"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", reader],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT / "tests",
        timeout=120,
    )
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr, result.stderr
