"""The usage figures of /stats and `clusterbridge stats --json`: computed once here for both."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel

from knowledge.catalogue import text
from knowledge.models import Language
from knowledge.state import StateStore

DAYS = 7
BROADCASTS_SHOWN = 3


class IndexLike(Protocol):
    """What the figures read from the index (knowledge.index.VectorIndex)."""

    def count(self) -> int: ...
    def sources(self) -> set[str]: ...


class Day(BaseModel):
    """Questions answered on one UTC day."""

    date: date
    questions: int
    abstained: int


class LastIngestion(BaseModel):
    """The most recent ingestion run."""

    trigger: str
    finished: datetime
    ok: bool
    figures: dict[str, Any]
    error: str | None


class UsageStats(BaseModel):
    """Everything /stats shows; `documents` and `chunks` are None when the index cannot be read."""

    users: int
    members_linked: int
    active_subscribers: int
    documents: int | None
    chunks: int | None
    days: list[Day]
    questions_last_week: int
    abstentions_last_week: int
    abstention_share: float | None
    feedback_up: int
    feedback_down: int
    open_access_requests: list[int]
    last_ingestion: LastIngestion | None
    broadcasts: list[dict[str, object]]


def _index_figures(index: IndexLike | None) -> tuple[int | None, int | None]:
    if index is None:
        return None, None
    try:
        return len(index.sources()), index.count()
    except Exception:  # an unreachable Chroma server must not take /stats down
        return None, None


async def gather(store: StateStore, index: IndexLike | None, now: datetime | None = None) -> UsageStats:
    """Read every figure from the state and the index."""
    now = now or datetime.now(UTC)
    first = now.date() - timedelta(days=DAYS - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    answers = await store.usage.answers_since(since)
    days = [Day(date=first + timedelta(days=n), questions=0, abstained=0) for n in range(DAYS)]
    for at, abstained in answers:
        day = days[(at.astimezone(UTC).date() - first).days]
        day.questions += 1
        day.abstained += int(abstained)
    total, abstentions = len(answers), sum(int(a) for _, a in answers)
    feedback = await store.answers.feedback_summary()
    last = await store.ingest_runs.last()
    documents, chunks = await asyncio.to_thread(_index_figures, index)
    return UsageStats(
        users=await store.users.count(),
        members_linked=await store.usage.linked_members(),
        active_subscribers=await store.usage.active_subscribers(),
        documents=documents,
        chunks=chunks,
        days=days,
        questions_last_week=total,
        abstentions_last_week=abstentions,
        abstention_share=round(abstentions / total, 3) if total else None,
        feedback_up=feedback["up"],
        feedback_down=feedback["down"],
        open_access_requests=[r.id for r in await store.access.open_requests()],
        last_ingestion=LastIngestion(
            trigger=last.trigger,
            finished=last.finished_at,
            ok=last.ok,
            figures=last.figures,
            error=last.error,
        )
        if last
        else None,
        broadcasts=[b.contract() for b in await store.outbox.listing(limit=BROADCASTS_SHOWN)],
    )


def _ingestion(stats: UsageStats, language: Language) -> str:
    run = stats.last_ingestion
    if run is None:
        return text(language, "stats_never")
    when = run.finished.strftime("%Y-%m-%d %H:%M UTC")
    if not run.ok:
        return text(language, "stats_ingest_failed", when=when, trigger=run.trigger, error=run.error or "?")
    figures = {key: run.figures.get(key, 0) for key in ("added", "changed", "removed")}
    failed = run.figures.get("failed", [])
    count = len(failed) if isinstance(failed, list) else int(failed or 0)
    return text(language, "stats_ingest_ok", when=when, trigger=run.trigger, failed=count, **figures)


def render(stats: UsageStats, language: Language) -> str:
    """The /stats text (plain, not escaped)."""
    unknown = text(language, "stats_unknown")
    share = (
        text(
            language, "stats_share", share=round(stats.abstention_share * 100), n=stats.abstentions_last_week
        )
        if stats.abstention_share is not None
        else "–"
    )
    lines = [text(language, "stats_broadcast", **b) for b in stats.broadcasts]
    ids = ", ".join(f"#{n}" for n in stats.open_access_requests[:20])
    return text(
        language,
        "stats",
        users=stats.users,
        linked=stats.members_linked,
        subscribers=stats.active_subscribers,
        documents=unknown if stats.documents is None else stats.documents,
        chunks=unknown if stats.chunks is None else stats.chunks,
        week=stats.questions_last_week,
        days=" · ".join(f"{d.date:%m-%d} {d.questions}" for d in stats.days),
        abstained=share,
        up=stats.feedback_up,
        down=stats.feedback_down,
        ingestion=_ingestion(stats, language),
        broadcasts="\n".join(f"  {line}" for line in lines) if lines else text(language, "stats_never"),
        requests=len(stats.open_access_requests),
        request_ids=f" ({ids})" if ids else "",
    )
