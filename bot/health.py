"""`GET /healthz` beside the webhook (same port): the state database and the index, as JSON.

PTB's webhook server is a tornado Application; the route is added to it once it runs. 200 when both
answer, else 503 with the failing part named (no secrets: errors are redacted)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import tornado.web

from bot.service import BotService
from knowledge.redact import redact

logger = logging.getLogger(__name__)
PATH = "/healthz"


async def check(svc: BotService) -> dict[str, Any]:
    """{"ok": bool, "database": {...}, "index": {...}}."""
    report: dict[str, Any] = {}
    try:
        report["database"] = {"ok": True, "revision": await svc.store.revision()}
    except Exception as exc:
        report["database"] = {"ok": False, "error": redact(f"{type(exc).__name__}: {exc}")[:300]}
    index = getattr(getattr(svc.assistant, "retriever", None), "index", None)
    try:
        chunks = await asyncio.to_thread(index.count) if index is not None else None
        report["index"] = {"ok": True, "chunks": chunks}
    except Exception as exc:
        report["index"] = {"ok": False, "error": redact(f"{type(exc).__name__}: {exc}")[:300]}
    report["ok"] = all(part["ok"] for part in report.values())
    return report


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz."""

    def initialize(self, svc: BotService) -> None:
        """Keep the service."""
        self.svc = svc

    async def get(self) -> None:
        """The report; 503 when a part fails."""
        report = await check(self.svc)
        self.set_status(200 if report["ok"] else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(report))


def install(updater: Any, svc: BotService) -> bool:
    """Add /healthz to the running webhook server; False (and a warning) when PTB's server changed."""
    server = getattr(getattr(updater, "_httpd", None), "_http_server", None)
    app = getattr(server, "request_callback", None)
    if not isinstance(app, tornado.web.Application):
        logger.warning("no /healthz: the webhook server is not the tornado application this version expects")
        return False
    app.add_handlers(r".*", [(PATH, HealthHandler, {"svc": svc})])
    return True
