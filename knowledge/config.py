"""Settings: one typed object read from the environment and `.env`."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.errors import ConfigError

DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"
MAX_TOP_K = 50


class Settings(BaseSettings):
    """Everything ClusterBridge can be configured with (see `.env.example`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    clusterbridge_access: Literal["open", "members"] = "open"
    clusterbridge_admins: str = ""

    # LLM and embeddings
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_chat_model: str = "gpt-4o-mini"
    openai_embedding_model: str = "text-embedding-3-small"
    clusterbridge_embeddings: Literal["auto", "local", "openai"] = "auto"
    openai_timeout: float = Field(default=30.0, gt=0, le=600, allow_inf_nan=False)
    openai_max_retries: int = Field(default=2, ge=0, le=10)

    # Storage
    clusterbridge_data_dir: Path = Path("./data")
    chroma_host: str | None = None
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    # One Chroma server may hold several deployments (or test runs): each in its own database.
    chroma_database: str = Field(default="default_database", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,62}$")
    database_url: str | None = None
    # PostgreSQL only: the state's tables in this schema (created when missing) instead of `public`.
    database_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")

    # Retrieval
    clusterbridge_top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)
    clusterbridge_max_file_mb: float = Field(default=20.0, gt=0, le=1024, allow_inf_nan=False)

    # Events and broadcasts
    clusterbridge_reminders: str = Field(
        default="24h,1h", pattern=r"^\s*\d+\s*[mhd]\s*(,\s*\d+\s*[mhd]\s*)*$"
    )
    # The sources `clusterbridge ingest` without arguments (and later /reindex) ingests.
    clusterbridge_docs_dir: Path | None = None
    clusterbridge_members_file: Path | None = None
    clusterbridge_events_file: Path | None = None
    clusterbridge_clusters_file: Path | None = None

    # Contacts: introductions expire after this many days; at most this many requests per member a day.
    clusterbridge_intro_expiry_days: float = Field(default=14.0, gt=0, le=365, allow_inf_nan=False)
    clusterbridge_intro_daily_limit: int = Field(default=5, ge=1, le=100)
    clusterbridge_broadcast_rate: float = Field(default=29.0, gt=0, le=30, allow_inf_nan=False)

    # Operations: log lines as text or JSON lines (one line per event either way).
    clusterbridge_log_format: Literal["text", "json"] = "text"
    # Scheduled re-ingestion of the configured sources by the running bot: a cron expression, "" = off.
    clusterbridge_reingest_cron: str = ""

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "openai_api_key",
        "openai_base_url",
        "chroma_host",
        "database_url",
        "database_schema",
        "clusterbridge_docs_dir",
        "clusterbridge_members_file",
        "clusterbridge_events_file",
        "clusterbridge_clusters_file",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty line in .env means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("clusterbridge_admins")
    @classmethod
    def _admin_ids(cls, value: str) -> str:
        """Comma-separated numeric Telegram user ids (not @usernames): checked now, not at the first /stats."""
        for part in (p.strip() for p in value.split(",")):
            if part and not (part.isascii() and part.lstrip("-").isdigit()):
                raise ValueError(f"{part!r} is not a numeric Telegram user id (ids, comma-separated)")
        return value

    @field_validator("clusterbridge_reingest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        """Five cron fields (minute hour day month weekday), e.g. `0 3 * * *`; checked now."""
        from croniter import croniter

        value = " ".join(value.split())
        if value and (len(value.split()) != 5 or not croniter.is_valid(value)):
            raise ValueError(
                f"{value!r} is not a cron expression of five fields, e.g. '0 3 * * *' (daily at 3:00)"
            )
        return value

    @field_validator("telegram_api_base_url", "openai_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """An http(s) URL."""
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def llm_enabled(self) -> bool:
        """True when an LLM (OpenAI or any OpenAI-compatible server) is configured."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def use_openai_embeddings(self) -> bool:
        """OpenAI-compatible embeddings (`auto`: whenever an LLM is configured) instead of the local model."""
        if self.clusterbridge_embeddings == "auto":
            return self.llm_enabled
        return self.clusterbridge_embeddings == "openai"

    @cached_property
    def admin_ids(self) -> frozenset[int]:
        """Telegram user ids listed in CLUSTERBRIDGE_ADMINS."""
        ids = (part.strip() for part in self.clusterbridge_admins.split(","))
        return frozenset(int(part) for part in ids if part)

    @property
    def data_dir(self) -> Path:
        """The data directory, created on first use."""
        try:
            self.clusterbridge_data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the data folder {self.clusterbridge_data_dir} "
                f"(CLUSTERBRIDGE_DATA_DIR): {exc.strerror or exc}"
            ) from exc
        return self.clusterbridge_data_dir

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        """How long before an event its reminders go out (CLUSTERBRIDGE_REMINDERS, e.g. "24h,1h")."""
        units = {"m": "minutes", "h": "hours", "d": "days"}
        parts = (p.strip().replace(" ", "") for p in self.clusterbridge_reminders.split(","))
        return tuple(timedelta(**{units[p[-1]]: int(p[:-1])}) for p in parts if p)

    @property
    def sqlalchemy_url(self) -> str:
        """The bot-state database URL: DATABASE_URL or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'clusterbridge.sqlite3').resolve()}"


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Settings from the environment and `env_file`; ConfigError with one line naming what is wrong."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(map(str, first["loc"])).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid setting {name}: {message}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read {env_file}: it is not UTF-8 (byte {exc.start}); save it as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {env_file}: {exc.strerror or exc}") from exc
