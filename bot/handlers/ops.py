"""Re-ingestion from Telegram (admins): /reindex, a document sent in a private chat, /sources, /remove
with confirmation; the scheduled run is planned here (bot/reindex.py runs them all)."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import callbacks
from bot.commands import NEW_MESSAGES, Command
from bot.context import Caller, Outcome, audit, caller, privileged, privileged_caller
from bot.delivery import edit_quietly
from bot.handlers import fallback
from bot.reindex import docs_index, in_background, reload_retriever, run_with_status, schedule
from bot.render import escape
from ingest.job import IngestJob, JobRunning, Sources
from ingest.library import (
    SUFFIXES,
    IndexedDocument,
    find_document,
    indexed_documents,
    remove_document,
    safe_name,
    store_file,
)
from ingest.pipeline import shown
from knowledge.access import has_role
from knowledge.catalogue import text

REMOVE = callbacks.register("docrm", 2)  # (the document's key, 1 = remove / 0 = cancel)
PAGE_SIZE = 15


async def _begin(who: Caller, sources: Sources, trigger: str) -> IngestJob | None:
    """The job holding the lease, or None after telling the admin which job runs and how far it is."""
    try:
        return await IngestJob.begin(who.svc.settings, who.svc.store, sources, trigger)
    except JobRunning as busy:
        await who.say("reindex_busy", since=f"{busy.lease.acquired_at:%H:%M}", progress=busy.progress)
        return None


@privileged("reindex")
async def reindex(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: re-index the configured sources in the background, progress edited into one message."""
    sources = Sources.configured(who.svc.settings)
    if sources.empty():
        await who.say("reindex_nothing")
        return "failed", "no sources configured"
    job = await _begin(who, sources, "reindex")
    if job is None:
        return "failed", "another ingestion is running"
    try:
        status = await who.say("reindex_started")
    except BaseException:
        await job.release()
        raise
    in_background(context.application, run_with_status(context.application, job, status, who.lang))
    return "ok", "started"


async def upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file in a private chat: an admin's is stored in the documents folder and indexed; others hear
    that only text works (as before)."""
    who = await caller(update, context, fresh=True)
    if who is None or who.message.document is None:
        return
    if not has_role(who.user.id, who.record, who.svc.settings, "admin"):
        await fallback.non_text(update, context)
        return
    checked = await _checked(who, who.message.document)
    if checked is None:
        return
    folder, name = checked
    job = await _begin(who, Sources(docs=folder), "upload")
    if job is None:
        await audit(who, "upload", name, "failed", "another ingestion is running")
        return
    if not await _fetch(who, context, who.message.document, folder / name):
        await job.release()
        return
    status = await who.say("upload_stored", name=name)
    await audit(who, "upload", name, "ok", "stored")
    in_background(context.application, run_with_status(context.application, job, status, who.lang))


async def _checked(who: Caller, document: Document) -> tuple[Path, str] | None:
    """(documents folder, safe file name), or None after saying why the file is refused."""
    folder = who.svc.settings.clusterbridge_docs_dir
    name = safe_name(document.file_name or "")
    limit = who.svc.settings.clusterbridge_max_file_mb
    if folder is None:
        key, values = "upload_no_folder", {}
    elif name is None:
        key, values = "upload_type", {"types": ", ".join(s.lstrip(".").upper() for s in SUFFIXES)}
    elif (document.file_size or 0) > limit * 1024 * 1024:
        key, values = "upload_too_large", {"mb": f"{limit:g}"}
    else:
        return folder, name
    await who.say(key, **values)
    await audit(who, "upload", document.file_name or "", "failed", key)
    return None


async def _fetch(who: Caller, context: ContextTypes.DEFAULT_TYPE, document: Document, target: Path) -> bool:
    """Download the file and store it atomically; False after telling the admin it failed."""
    limit = int(who.svc.settings.clusterbridge_max_file_mb * 1024 * 1024)
    try:
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
        if len(data) > limit:
            raise OSError("larger than CLUSTERBRIDGE_MAX_FILE_MB")
        await asyncio.to_thread(store_file, target.parent, target.name, data)
    except (TelegramError, OSError) as exc:
        await who.say("upload_failed")
        await audit(who, "upload", target.name, "failed", f"{type(exc).__name__}: {exc}")
        return False
    return True


async def _documents(who: Caller) -> list[IndexedDocument]:
    return await asyncio.to_thread(indexed_documents, who.svc.settings, await docs_index(who.svc))


@privileged("sources")
async def sources(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /sources [PAGE] lists the indexed documents (title, file, passages, when indexed)."""
    args = context.args or []
    if len(args) > 1 or (args and not args[0].isdigit()):
        await who.say("sources_usage")
        return "failed", "usage"
    documents = await _documents(who)
    if not documents:
        await who.say("sources_empty")
        return "ok", "0 documents"
    pages = math.ceil(len(documents) / PAGE_SIZE)
    page = min(max(int(args[0]) if args else 1, 1), pages)
    first = (page - 1) * PAGE_SIZE
    lines = [text(who.lang, "sources_header", n=len(documents), page=page, pages=pages)]
    for no, doc in enumerate(documents[first : first + PAGE_SIZE], first + 1):
        title, file, when = (
            (doc.title or "–")[:80],
            shown(doc.source)[-80:],
            f"{doc.indexed_at:%Y-%m-%d %H:%M}",
        )
        lines.append(
            text(who.lang, "sources_line", no=no, title=title, file=file, chunks=doc.chunks, when=when)
        )
    if page < pages:
        lines.append(text(who.lang, "sources_next", page=page + 1))
    await who.message.reply_text(escape("\n".join(lines)))
    return "ok", f"page {page} of {pages}"


@privileged("remove")
async def remove(who: Caller, context: ContextTypes.DEFAULT_TYPE) -> Outcome:
    """Admins only: /remove FILE asks to confirm taking the document out of the folder and the index."""
    name = " ".join(context.args or []).strip()
    if not name:
        await who.say("remove_usage")
        return "failed", "usage"
    found = find_document(await _documents(who), name)
    if found is None:
        await who.say("remove_unknown", name=shown(name)[:100])
        return "failed", "unknown document"
    buttons = [
        InlineKeyboardButton(text(who.lang, "remove_yes"), callback_data=REMOVE.data(found.key, 1)),
        InlineKeyboardButton(text(who.lang, "remove_no"), callback_data=REMOVE.data(found.key, 0)),
    ]
    title, file = found.title or "–", shown(found.source)
    confirm = text(who.lang, "remove_confirm", title=title, file=file, chunks=found.chunks)
    await who.message.reply_text(escape(confirm), reply_markup=InlineKeyboardMarkup([buttons]))
    return "ok", f"asked to confirm {found.source}"


async def confirm_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The /remove buttons: take the document out (its file and passages), or leave everything."""
    query = update.callback_query
    values = REMOVE.parse(query.data if query else None)
    who = await privileged_caller(update, context, "remove", audited=False) if values else None
    if query is None or values is None or who is None:
        return
    await query.answer()
    key, yes = values
    found = next((d for d in await _documents(who) if d.key == key), None) if yes else None
    if not yes or found is None:
        await edit_quietly(
            context.bot, who.message, escape(text(who.lang, "remove_gone" if yes else "remove_cancelled"))
        )
        return
    try:
        chunks = await remove_document(
            who.svc.settings, who.svc.store, await docs_index(who.svc), found.source
        )
    except JobRunning as busy:
        await who.say("reindex_busy", since=f"{busy.lease.acquired_at:%H:%M}", progress=busy.progress)
        return
    await reload_retriever(who.svc)
    done = text(who.lang, "removed", file=shown(found.source), chunks=chunks)
    await edit_quietly(context.bot, who.message, escape(done))
    await audit(who, "remove", found.source, "ok", f"{chunks} passages removed")


COMMANDS = (
    Command("reindex", reindex, role="admin"),
    Command("sources", sources, role="admin"),
    Command("remove", remove, role="admin"),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Files in private chats (before fallback's "text only"), the /remove buttons, the schedule."""
    private_files = NEW_MESSAGES & filters.ChatType.PRIVATE & filters.Document.ALL
    application.add_handler(MessageHandler(private_files, upload))
    application.add_handler(CallbackQueryHandler(confirm_remove, pattern=REMOVE.pattern))
    schedule(application)
