"""The ingestion job as the bot runs it: in the background on the bot's own indexes, with its progress
edited into one status message and its summary at the end; the retriever reloads as soon as it is
done; the scheduled run (CLUSTERBRIDGE_REINGEST_CRON) reports to the admins only when something
changed or failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from croniter import croniter
from telegram import Bot, Message
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.delivery import edit_quietly
from bot.render import escape
from bot.service import BotService
from bot.users import ui_language
from ingest.job import IngestJob, JobProgress, JobReport, JobRunning, Sources
from ingest.pipeline import open_index, shown
from knowledge.catalogue import text
from knowledge.errors import ClusterBridgeError
from knowledge.index import VectorIndex
from knowledge.models import Language

logger = logging.getLogger(__name__)
PROGRESS_KEY = "ingest_progress_every"  # bot_data: seconds between progress edits (tests shorten it)
PROGRESS_EVERY = 2.0
TASKS_KEY = "ingest_tasks"
SCHEDULE_JOB = "reingest"
LISTED_FAILURES = 15
LIMIT = 4000


def answering_index(svc: BotService) -> VectorIndex | None:
    """The documents index the bot answers from (written by the bot's own jobs, so it sees them)."""
    retriever = getattr(svc.assistant, "retriever", None)
    index = getattr(retriever, "index", None)
    return index if isinstance(index, VectorIndex) else None


async def docs_index(svc: BotService) -> VectorIndex:
    """The bot's documents index, or one opened from the settings."""
    found = answering_index(svc)
    return found if found is not None else await asyncio.to_thread(open_index, svc.settings)


async def reload_retriever(svc: BotService) -> None:
    """Rebuild the retriever's BM25 side now (the dense side reads Chroma live)."""
    retriever = getattr(svc.assistant, "retriever", None)
    if retriever is not None:
        await asyncio.to_thread(retriever.refresh, True)


async def execute(svc: BotService, job: IngestJob) -> JobReport:
    """Run a job that holds the lease on the bot's own indexes; the bot answers from the result at once."""
    try:
        return await job.run(index=answering_index(svc), profiles=svc.contacts.index)
    finally:
        await reload_retriever(svc)


def progress_text(progress: JobProgress, lang: Language) -> str:
    """`Dokumente 3 von 9 (bericht.pdf)`, or the stage."""
    if progress.stage == "documents" and progress.total:
        file = shown(progress.current)[-60:]
        return text(lang, "progress_documents", done=progress.done + 1, total=progress.total, file=file)
    return text(lang, f"progress_{'scanning' if progress.stage == 'documents' else progress.stage}")


def summary(report: JobReport, lang: Language) -> str:
    """Added, changed, removed per source, then each failure with its reason (plain text)."""
    lines = [text(lang, "reindex_done", seconds=f"{report.seconds:.1f}")]
    parts: list[tuple[str, Any]] = [
        ("summary_documents", report.documents),
        ("summary_members", report.members),
        ("summary_events", report.events),
    ]
    for key, part in parts:
        if part is not None:
            figures = {name: getattr(part, name) for name in ("added", "changed", "removed", "unchanged")}
            lines.append(text(lang, key, **figures))
    failures = report.failures()
    if failures:
        lines.append(text(lang, "summary_failed", n=len(failures)))
        lines += [f"• {shown(f.source)[-80:]}: {f.reason}" for f in failures[:LISTED_FAILURES]]
        if len(failures) > LISTED_FAILURES:
            lines.append(text(lang, "summary_more", n=len(failures) - LISTED_FAILURES))
    return "\n".join(lines)[:LIMIT]


async def _show_progress(bot: Bot, job: IngestJob, status: Message, lang: Language, every: float) -> None:
    shown_text = ""
    while True:
        await asyncio.sleep(every)
        now = text(lang, "reindex_progress", progress=progress_text(job.progress, lang))
        if now != shown_text:
            with contextlib.suppress(TelegramError):
                await edit_quietly(bot, status, escape(now))
            shown_text = now


async def run_with_status(
    application: Application[Any, Any, Any, Any, Any, Any], job: IngestJob, status: Message, lang: Language
) -> JobReport | None:
    """Run `job`, editing `status` with its progress and then its summary (or why it stopped)."""
    svc: BotService = application.bot_data["service"]
    every = float(application.bot_data.get(PROGRESS_KEY, PROGRESS_EVERY))
    shower = asyncio.create_task(_show_progress(application.bot, job, status, lang, every))
    report: JobReport | None = None
    try:
        report = await execute(svc, job)
        final = summary(report, lang)
    except Exception as exc:  # the file lock of an older run, the store, a bug: said, logged, not raised
        logger.error(
            "ingestion job (%s) stopped: %s",
            job.trigger,
            exc,
            exc_info=not isinstance(exc, ClusterBridgeError),
        )
        reason = str(exc) if isinstance(exc, ClusterBridgeError) else type(exc).__name__
        final = text(lang, "reindex_error", error=reason[:300])
    finally:
        shower.cancel()
    with contextlib.suppress(TelegramError):
        await edit_quietly(application.bot, status, escape(final))
    return report


def in_background(
    application: Application[Any, Any, Any, Any, Any, Any], work: Coroutine[Any, Any, Any]
) -> None:
    """Run `work` without blocking the bot (a reference is kept until it ends)."""
    tasks: set[asyncio.Task[Any]] = application.bot_data.setdefault(TASKS_KEY, set())
    task = application.create_task(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def next_run(cron: str, now: datetime | None = None) -> datetime:
    """The next time the cron expression names, in the server's time zone."""
    return croniter(cron, now or datetime.now().astimezone()).get_next(datetime)


def schedule(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Plan the next scheduled run (nothing when CLUSTERBRIDGE_REINGEST_CRON is empty)."""
    cron = application.bot_data["service"].settings.clusterbridge_reingest_cron
    if cron and application.job_queue is not None:
        application.job_queue.run_once(scheduled, when=next_run(cron), name=SCHEDULE_JOB)


async def scheduled(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: the scheduled run, then the next one planned."""
    try:
        await run_scheduled(context.application)
    finally:
        schedule(context.application)


async def run_scheduled(application: Application[Any, Any, Any, Any, Any, Any]) -> JobReport | None:
    """Run the configured sources; tell the admins when something changed or failed."""
    svc: BotService = application.bot_data["service"]
    sources = Sources.configured(svc.settings)
    if sources.empty():
        return None
    try:
        job = await IngestJob.begin(svc.settings, svc.store, sources, "schedule")
    except JobRunning as busy:
        logger.info("scheduled ingestion skipped: %s", busy)
        return None
    try:
        report = await execute(svc, job)
    except ClusterBridgeError as exc:
        logger.error("scheduled ingestion stopped: %s", exc)
        reason = str(exc)[:300]
        await tell_admins(application.bot, svc, lambda lang: text(lang, "reindex_error", error=reason))
        return None
    if report.changed() or report.failures():
        cron = svc.settings.clusterbridge_reingest_cron or "-"
        await tell_admins(
            application.bot,
            svc,
            lambda lang: text(lang, "schedule_report", cron=cron) + "\n" + summary(report, lang),
        )
    return report


async def tell_admins(bot: Bot, svc: BotService, message: Any) -> None:
    """Send `message(lang)` to every admin (CLUSTERBRIDGE_ADMINS and the role admin) in their language."""
    records = {record.id: record for record in await svc.store.users.with_role("admin")}
    for admin_id in sorted(set(svc.settings.admin_ids) | set(records)):
        record = records.get(admin_id) or await svc.store.users.get(admin_id)
        try:
            await bot.send_message(admin_id, escape(message(ui_language(record))[:LIMIT]))
        except TelegramError as exc:
            logger.warning("could not tell admin %s about the scheduled ingestion: %s", admin_id, exc)
