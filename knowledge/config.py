"""Settings: one typed object read from the environment and `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TELEGRAM_API = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    """Everything ClusterBridge can be configured with (see `.env.example`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    clusterbridge_access: Literal["open", "members"] = "open"
    clusterbridge_admins: str = ""

    # LLM and embeddings
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_chat_model: str = "gpt-4o-mini"
    openai_embedding_model: str = "text-embedding-3-small"
    clusterbridge_embeddings: Literal["auto", "local", "openai"] = "auto"
    openai_timeout: float = 30.0
    openai_max_retries: int = 2

    # Storage
    clusterbridge_data_dir: Path = Path("./data")
    chroma_host: str | None = None
    chroma_port: int = 8000
    database_url: str | None = None

    # Retrieval
    clusterbridge_top_k: int = 5
    clusterbridge_max_file_mb: float = 20.0

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "openai_api_key",
        "openai_base_url",
        "chroma_host",
        "database_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty line in .env means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

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
        self.clusterbridge_data_dir.mkdir(parents=True, exist_ok=True)
        return self.clusterbridge_data_dir

    @property
    def sqlalchemy_url(self) -> str:
        """The bot-state database URL: DATABASE_URL or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'clusterbridge.sqlite3').resolve()}"
