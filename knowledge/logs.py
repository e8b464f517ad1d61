"""Log lines: one line per event, as text (`time level logger: message`) or JSON lines
(CLUSTERBRIDGE_LOG_FORMAT=json), redacted by knowledge.redact before they are formatted."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class TextLines(logging.Formatter):
    """`2026-01-01T10:00:00Z INFO bot.app: message`, tracebacks folded into the same line."""

    def format(self, record: logging.LogRecord) -> str:
        """One line."""
        at = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        line = f"{at} {record.levelname} {record.name}: {record.getMessage()}"
        trace = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else "")
        return _one_line(f"{line} | {trace}" if trace else line)


class JsonLines(logging.Formatter):
    """`{"time": ..., "level": ..., "logger": ..., "message": ..., "exception": ...}` per line."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON object."""
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        trace = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else "")
        if trace:
            event["exception"] = trace
        return json.dumps(event, ensure_ascii=False)


def use_format(log_format: LogFormat) -> None:
    """Put the formatter on every handler of the root logger."""
    formatter = JsonLines() if log_format == "json" else TextLines()
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
