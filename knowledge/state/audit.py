"""The audit log of privileged actions (who, what, when, result) and the record of ingestion runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from knowledge.state.db import Record, Repository
from knowledge.state.tables import AUDIT_RESULTS, AuditEntry, IngestRun, utcnow

AuditResult = Literal["ok", "refused", "failed"]
TEXT_LIMIT = 300
MAX_LISTED = 200


def _cut(value: str, limit: int = TEXT_LIMIT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


class AuditRecord(Record):
    """One audited action."""

    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    args: str
    result: str
    detail: str

    def contract(self) -> dict[str, object]:
        """The JSON of `clusterbridge audit --json`."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "args": self.args,
            "result": self.result,
            "detail": self.detail,
        }


class IngestRunRecord(Record):
    """One ingestion run."""

    id: int
    trigger: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    figures: dict[str, Any]
    error: str | None


class AuditLog(Repository):
    """The audit_log table: written once per privileged action, read newest first."""

    async def record(
        self,
        actor_id: int | None,
        actor: str,
        action: str,
        result: AuditResult,
        args: str = "",
        detail: str = "",
    ) -> int:
        """Store one action (texts cut to 300 characters, whitespace folded); returns its id."""
        if result not in AUDIT_RESULTS:
            raise ValueError(f"result must be one of {', '.join(AUDIT_RESULTS)}, not {result!r}")
        row = AuditEntry(
            at=utcnow(),
            actor_id=actor_id,
            actor=_cut(actor, 128),
            action=_cut(action, 64),
            args=_cut(args),
            result=result,
            detail=_cut(detail),
        )
        async with self.session("write the audit log") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def recent(self, limit: int = 20) -> list[AuditRecord]:
        """The newest `limit` entries (at most 200), newest first."""
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, MAX_LISTED)))
        async with self.session("read the audit log") as session:
            return [AuditRecord.model_validate(row) for row in await session.scalars(stmt)]


class IngestRuns(Repository):
    """The ingest_runs table: what /stats shows as the last ingestion."""

    async def add(
        self,
        trigger: str,
        started_at: datetime,
        ok: bool,
        figures: dict[str, Any],
        error: str | None = None,
    ) -> int:
        """Record a finished run; returns its id."""
        row = IngestRun(
            trigger=_cut(trigger, 16),
            started_at=started_at,
            finished_at=utcnow(),
            ok=ok,
            figures=figures,
            error=_cut(error) if error else None,
        )
        async with self.session("record an ingestion run") as session:
            session.add(row)
            await session.flush()
            return row.id

    async def last(self) -> IngestRunRecord | None:
        """The most recent run, or None."""
        stmt = select(IngestRun).order_by(IngestRun.id.desc()).limit(1)
        async with self.session("read ingestion runs") as session:
            row = await session.scalar(stmt)
            return IngestRunRecord.model_validate(row) if row is not None else None
