"""Re-ingestion from Telegram through the fake Bot API, on a private copy of the sample index:
/reindex (progress edits, refusal while it runs, a broken file reported, the new document answered
afterwards), a document sent to the bot, non-admins refused, /sources, /remove with confirmation,
and the scheduled run."""

from __future__ import annotations

import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import ingest.job
from bot.reindex import PROGRESS_KEY, SCHEDULE_JOB, run_scheduled
from knowledge.assistant import Assistant
from knowledge.catalogue import text
from knowledge.config import Settings
from tests.bot.conftest import ADMIN, ALICE, BotHarness, bot_settings
from tests.conftest import SAMPLE_DOCS
from tests.databases import StateDatabase
from tests.fakes.telegram_server import Call, FakeTelegram, TgChat

NEW_DOC = (
    "Title: Wasserstoff-Tankstelle Finkenwerder\n\n"
    "Die Wasserstoff-Tankstelle am Standort Finkenwerder öffnet am 12. März 2027 für alle Mitglieder "
    "des Clusters Erneuerbare Energien. Betankt werden Busse, Lastwagen und Flurförderzeuge. "
    "Ansprechpartnerin für die Buchung von Tankzeiten ist die Geschäftsstelle des Clusters.\n"
)
QUESTION = "Wann öffnet die Wasserstoff-Tankstelle in Finkenwerder?"


@pytest.fixture
async def ops(
    fake: FakeTelegram, db: StateDatabase, indexed_copy: Settings, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    """A bot on a private copy of the sample index whose documents folder is a copy of sample/docs."""
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)
    settings = bot_settings(
        indexed_copy, fake, clusterbridge_docs_dir=docs, clusterbridge_reingest_cron="0 3 * * *"
    )
    runner = BotHarness(fake, settings, Assistant.from_settings(settings), db)
    try:
        yield runner
    finally:
        await runner.close()


def _edits(fake: FakeTelegram, message_id: int, after: int = 0) -> list[Call]:
    return [c for c in fake.calls_to("editMessageText", after) if int(c.params["message_id"]) == message_id]


async def _final(fake: FakeTelegram, message_id: int, after: int, mark: str = "✅") -> Call:
    def done(c: Call) -> bool:
        return int(c.params["message_id"]) == message_id and mark in c.text

    return await fake.wait_for("editMessageText", done, 120, after)


async def test_reindex_end_to_end(ops: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = ops.settings.clusterbridge_docs_dir
    assert docs is not None
    (docs / "wasserstoff.txt").write_text(NEW_DOC, encoding="utf-8")
    (docs / "kaputt.pdf").write_bytes(b"not a pdf")
    go, real = threading.Event(), ingest.job.run_ingest

    def held(*args: Any, **kwargs: Any) -> Any:
        go.wait(60)  # the documents' part waits until the test has seen the job running
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest.job, "run_ingest", held)
    app = await ops.start()
    app.bot_data[PROGRESS_KEY] = 0.05
    mark = ops.fake.mark()
    status = await ops.reply(ADMIN, "/reindex")
    assert "Ingestion started" in status.text
    message_id = int(status.result["message_id"])
    progress = await ops.fake.wait_for(
        "editMessageText", lambda c: "⏳ Ingestion running" in c.text, 10, mark
    )
    assert "checking the documents folder" in progress.text

    busy = await ops.reply(ADMIN, "/reindex")  # refused, with the running job's progress
    assert "already running" in busy.text and "documents" in busy.text

    go.set()
    final = await _final(ops.fake, message_id, mark)
    assert "Documents: 1 added, 0 changed, 0 removed, 5 unchanged" in final.text
    assert "Failed (1)" in final.text and "kaputt.pdf: not a readable PDF" in final.text
    assert len(_edits(ops.fake, message_id, mark)) >= 2  # progress, then the summary, in one message

    answer = await ops.ask(ALICE, QUESTION)
    assert "12. März 2027" in answer[-1].text  # the running bot answers from the new index at once
    entries = await ops.stores[0].audit.recent(10)
    assert [(e.action, e.result) for e in entries if e.action == "reindex"] == [
        ("reindex", "failed"),
        ("reindex", "ok"),
    ]
    run = await ops.stores[0].ingest_runs.last()
    assert run is not None and run.trigger == "reindex" and run.figures["added"] == 1


async def test_non_admins_are_refused_and_audited(ops: BotHarness) -> None:
    await ops.start()
    for command in ("/reindex", "/sources", "/remove cross-cluster-space.txt"):
        reply = await ops.reply(ALICE, command)
        assert reply.text == text("de", "not_allowed")
    mark = ops.fake.mark()
    ops.fake.send_document(ALICE, name="neu.txt", data=NEW_DOC.encode())
    reply = await ops.fake.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == ALICE.id, 10, mark)
    assert reply.text == text("de", "non_text")  # members keep hearing that only text works
    docs = ops.settings.clusterbridge_docs_dir
    assert docs is not None and not (docs / "neu.txt").exists() and not ops.fake.calls_to("getFile")
    refused = [(e.action, e.actor_id) for e in await ops.stores[0].audit.recent(10) if e.result == "refused"]
    assert sorted(refused) == [("reindex", ALICE.id), ("remove", ALICE.id), ("sources", ALICE.id)]


async def test_a_document_sent_to_the_bot_is_stored_and_indexed(ops: BotHarness) -> None:
    await ops.start()
    docs = ops.settings.clusterbridge_docs_dir
    assert docs is not None
    mark = ops.fake.mark()
    ops.fake.send_document(ADMIN, name="../Wasserstoff $(Tank).TXT", data=NEW_DOC.encode())
    stored = await ops.fake.wait_for("sendMessage", lambda c: "stored" in c.text, 10, mark)
    assert "Wasserstoff _Tank.txt" in stored.text
    assert (docs / "Wasserstoff _Tank.txt").read_text(encoding="utf-8") == NEW_DOC
    final = await _final(ops.fake, int(stored.result["message_id"]), mark)
    assert "Documents: 1 added" in final.text and "Failed" not in final.text
    answer = await ops.ask(ADMIN, QUESTION)
    assert "12. März 2027" in answer[-1].text

    mark = ops.fake.mark()
    ops.fake.send_document(ADMIN, name="programm.exe", data=b"MZ")
    refused = await ops.fake.wait_for("sendMessage", lambda c: "cannot index" in c.text, 10, mark)
    assert "PDF, DOCX, TXT, MD, HTML" in refused.text and not (docs / "programm.exe").exists()
    ops.fake.send_document(ALICE, TgChat.group(), name="gruppe.txt", data=b"Hallo")  # groups: ignored
    await ops.fake.wait_quiet(0.5)
    assert not (docs / "gruppe.txt").exists()


async def test_sources_and_remove_with_confirmation(ops: BotHarness) -> None:
    await ops.start()
    docs = ops.settings.clusterbridge_docs_dir
    assert docs is not None
    listing = await ops.reply(ADMIN, "/sources")
    assert listing.text.startswith("Indexed documents: 5 (page 1 of 1)")
    assert "cross-cluster-space.txt · " in listing.text and " passages · " in listing.text
    assert (await ops.reply(ADMIN, "/remove nichts.txt")).text.startswith("No indexed document is called")

    for decision, expected in ((1, "Nothing removed."), (0, "is removed")):
        ask = await ops.reply(ADMIN, "/remove cross-cluster-space.txt")
        buttons = ask.params["reply_markup"]["inline_keyboard"][0]
        assert "Remove" in ask.text and len(buttons) == 2
        mark = ops.fake.mark()
        message = ops.fake.messages[(ADMIN.id, int(ask.result["message_id"]))]
        ops.fake.press_button(ADMIN, message, buttons[decision]["callback_data"])
        edit = await ops.fake.wait_for("editMessageText", lambda c, e=expected: e in c.text, 30, mark)
        assert not edit.params.get("reply_markup")
    assert not (docs / "cross-cluster-space.txt").exists()
    assert (await ops.reply(ADMIN, "/sources")).text.startswith("Indexed documents: 4 (page 1 of 1)")
    removed = [
        e for e in await ops.stores[0].audit.recent(10) if e.action == "remove" and "passages" in e.detail
    ]
    assert [e.args for e in removed] == ["cross-cluster-space.txt"]


async def test_the_schedule_reports_to_admins_only_when_something_changed(ops: BotHarness) -> None:
    app = await ops.start()
    assert app.job_queue is not None and app.job_queue.get_jobs_by_name(SCHEDULE_JOB)
    docs = ops.settings.clusterbridge_docs_dir
    assert docs is not None
    (docs / "wasserstoff.txt").write_text(NEW_DOC, encoding="utf-8")
    await ops.reply(ADMIN, "/sources")  # the admin is known, with English
    mark = ops.fake.mark()
    report = await run_scheduled(app)
    assert report is not None and report.changed()
    told = await ops.fake.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == ADMIN.id, 10, mark)
    assert "Scheduled ingestion (0 3 * * *)" in told.text and "1 added" in told.text

    mark = ops.fake.mark()
    report = await run_scheduled(app)  # nothing changed: nobody is told
    assert report is not None and not report.changed() and not report.failures()
    await ops.fake.wait_quiet(0.5)
    assert not ops.fake.calls_to("sendMessage", mark)
    answer = await ops.ask(ALICE, QUESTION)
    assert "12. März 2027" in answer[-1].text


def test_the_cron_setting_is_checked_when_read(tmp_path: Path) -> None:
    from datetime import datetime

    from bot.reindex import next_run
    from knowledge.config import load_settings
    from knowledge.errors import ConfigError

    env = tmp_path / ".env"
    env.write_text("CLUSTERBRIDGE_REINGEST_CRON=61 * * * *\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"invalid setting CLUSTERBRIDGE_REINGEST_CRON: '61 . . . .' is not"
    ):
        load_settings(env)
    env.write_text("CLUSTERBRIDGE_REINGEST_CRON=30  2 * * 1\n", encoding="utf-8")
    assert load_settings(env).clusterbridge_reingest_cron == "30 2 * * 1"
    assert next_run("30 2 * * 1", datetime.fromisoformat("2027-03-03T12:00:00+01:00")).isoformat() == (
        "2027-03-08T02:30:00+01:00"
    )
