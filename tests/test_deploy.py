"""The deployment files agree with the code: compose services and environment against `Settings`,
the Dockerfile's base, user and command, the systemd unit's command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from knowledge.config import Settings
from tests.helpers import ROOT


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return loaded


def _value(template: object) -> str:
    """A compose value with `${NAME:-default}` / `${NAME:?message}` filled in as an admin's .env would."""

    def fill(match: re.Match[str]) -> str:
        return match.group(3) if match.group(3) is not None else f"x-{match.group(1).lower()}"

    return re.sub(r"\$\{(\w+)(:-([^}]*)|:\?[^}]*)?\}", fill, str(template))


def test_compose_has_the_services_volumes_and_health_checks() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"bot", "migrate", "chroma", "postgres"}
    assert services["bot"]["command"] == ["bot"] and services["migrate"]["command"] == ["migrate"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert (
        services["chroma"]["image"].startswith("chromadb/chroma")
        and services["chroma"]["command"][0] == "run"
    )
    for name in ("bot", "chroma", "postgres"):
        assert services[name]["healthcheck"]["test"], name
    named = set(spec["volumes"])
    for service in services.values():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in named, mount  # named volumes only, no host folders


def test_compose_environment_is_made_of_settings() -> None:
    services = compose()["services"]
    fields = set(Settings.model_fields)
    for name in ("bot", "migrate"):
        environment = services[name]["environment"]
        unknown = {key for key in environment if key.lower() not in fields}
        assert not unknown, f"{name}: not settings: {unknown}"
        settings = Settings(_env_file=None, **{k.lower(): _value(v) for k, v in environment.items()})  # type: ignore[arg-type]
        assert settings.chroma_host == "chroma" and settings.telegram_webhook_listen == "0.0.0.0"
        assert settings.sqlalchemy_url.startswith("postgresql+asyncpg://clusterbridge:")
        assert settings.telegram_webhook_url is None and settings.openai_api_key is None  # empty means unset
    postgres = services["postgres"]["environment"]
    assert "@postgres:5432/" + postgres["POSTGRES_DB"] in services["bot"]["environment"]["DATABASE_URL"]
    assert services["bot"]["ports"] == ["127.0.0.1:8443:8443"]


def test_dockerfile_is_small_non_root_and_runs_the_bot() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.count("FROM python:3.11-slim") == 2  # build stage, then a clean runtime stage
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["clusterbridge"]' in dockerfile and 'CMD ["bot"]' in dockerfile
    for env in re.findall(r"\b(CLUSTERBRIDGE_\w+)=", dockerfile):
        assert env.lower() in Settings.model_fields, env
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".venv" in ignored and "data" in ignored  # no secrets, no local data


def test_systemd_unit_runs_migrate_then_the_bot() -> None:
    unit = (ROOT / "deploy" / "clusterbridge.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStartPre=\S+/clusterbridge migrate$", unit, re.M)
    assert re.search(r"^ExecStart=\S+/clusterbridge bot$", unit, re.M)
    assert re.search(r"^User=clusterbridge$", unit, re.M)
    for env in re.findall(r"^Environment=(\w+)=", unit, re.M):
        assert env.lower() in Settings.model_fields, env


def test_every_setting_in_the_deployment_is_documented() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in compose()["x-clusterbridge"]["environment"]:
        assert re.search(rf"^#? ?{name}=", example, re.M), name
    assert Path(ROOT / "deploy" / "README.md").is_file()
