"""Secrets never reach a log line or an error message: the bot token, API keys, database passwords.

`install(settings)` puts a redacting filter on every handler of the root logger; `redact(text)` is
the same rule for lines printed directly (the CLI's error line).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import make_url

from knowledge.config import Settings

MASK = "***"
# Whatever follows "/bot" in a Bot API URL (".../bot123456:AAE.../getUpdates"), and anything shaped
# like a real bot token elsewhere (8-10 digits, a colon, 35 characters).
_TOKEN = re.compile(r"(?<=/bot)[^/\s\"'`]+|\b\d{6,}:[A-Za-z0-9_-]{30,}")
_secrets: set[str] = set()


def secrets_of(settings: Settings) -> set[str]:
    """The secret values in the settings (empty ones left out)."""
    found = {
        secret.get_secret_value()
        for secret in (settings.telegram_bot_token, settings.openai_api_key, settings.telegram_webhook_secret)
        if secret is not None and secret.get_secret_value().strip()
    }
    if settings.database_url:
        try:
            password = make_url(settings.database_url).password
        except Exception:  # an invalid URL is reported elsewhere; it has no password to hide
            password = None
        if password:
            found.add(str(password))
    return found


def _spellings(secret: str) -> set[str]:
    """The secret as written, and as it appears percent-encoded inside a URL."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


def redact(text: str) -> str:
    """`text` with every known secret (also percent-encoded, as inside a URL) and anything shaped like
    a bot token replaced by ***."""
    spellings = {spelling for secret in _secrets for spelling in _spellings(secret)}
    for secret in sorted(spellings, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _TOKEN.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Formats the record's message (and traceback) once, redacted, so no handler sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; only its text changes."""
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(settings: Settings | None = None) -> None:
    """Redact the settings' secrets (and token-shaped text) on every handler of the root logger."""
    if settings is not None:
        _secrets.update(secrets_of(settings))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
