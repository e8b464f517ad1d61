"""Admin commands through the fake Bot API: /grant, /revoke, /audit (with refusals audited), /stats
against a known state, and the CLI's `stats --json` and `audit --json` printing the same."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import pytest

from knowledge.broadcasts import Audience, queue
from knowledge.config import Settings
from knowledge.models import Source
from knowledge.state import Exchange
from knowledge.state.tables import utcnow
from tests.bot.conftest import ADMIN, ALICE, BOB, BotHarness
from tests.fakes.telegram_server import parse_html
from tests.helpers import run_cli


async def test_grant_revoke_and_the_audit_log(harness: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    store = await harness.open_store()
    await harness.start(store=store)
    await harness.reply(ALICE, "/help")
    await harness.reply(BOB, "/help")

    with caplog.at_level(logging.WARNING):
        refused = await harness.reply(ALICE, "/grant @bob_hh admin")
    assert "Admins vorbehalten" in refused.params["text"] and "refused /grant for user 1001" in caplog.text
    assert (await store.users.get(BOB.id)).role == "member"  # type: ignore[union-attr]

    mark = harness.fake.mark()
    done = await harness.reply(ADMIN, "/grant @BOB_HH manager Aviation")
    assert "@bob_hh now manages the cluster aviation (before: member)" in done.params["text"]
    told = await harness.fake.wait_for(
        "sendMessage", lambda c: int(c.params["chat_id"]) == BOB.id, after=mark
    )
    assert "/announce" in told.params["text"]
    bob = await store.users.get(BOB.id)
    assert bob is not None and (bob.role, bob.role_cluster) == ("manager", "aviation")

    assert (
        "no cluster “atlantis”"
        in (await harness.reply(ADMIN, "/grant @bob_hh manager atlantis")).params["text"]
    )
    assert "do not know @nobody" in (await harness.reply(ADMIN, "/grant @nobody admin")).params["text"]
    assert "/approve NO" in (await harness.reply(ADMIN, "/grant 12")).params["text"]  # the old syntax
    assert "own role" in (await harness.reply(ADMIN, f"/grant {ADMIN.id} admin")).params["text"]

    mark = harness.fake.mark()
    await harness.reply(ADMIN, f"/grant {ALICE.id} admin")
    await harness.fake.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == ALICE.id, after=mark)
    assert "Statistik" in (await harness.reply(ALICE, "/stats")).params["text"]  # an admin now
    assert "CLUSTERBRIDGE_ADMINS" in (await harness.reply(ALICE, "/revoke @ada_admin")).params["text"]
    revoked = await harness.reply(ALICE, "/revoke @bob_hh")
    assert "@bob_hh ist jetzt wieder Mitglied (vorher: manager aviation)" in parse_html(
        revoked.params["text"]
    )
    mark = harness.fake.mark()
    await harness.reply(ADMIN, "/revoke @alice")
    await harness.fake.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == ALICE.id, after=mark)
    assert "Admins vorbehalten" in (await harness.reply(ALICE, "/audit")).params["text"]

    log = parse_html((await harness.reply(ADMIN, "/audit 3")).params["text"])
    assert log.splitlines()[0] == "The last 3 entries, newest first:"
    assert "@alice /audit  → refused (needs admin)" in log and "@ada_admin /revoke @alice → ok" in log
    for _ in range(50):  # the /audit entry itself is written right after the reply
        entries = await store.audit.recent(50)
        if entries[0].action == "audit" and entries[0].result == "ok":
            break
        await asyncio.sleep(0.05)
    assert [(e.action, e.result) for e in reversed(entries)] == [
        ("grant", "refused"),
        *[("grant", r) for r in ("ok", "failed", "failed", "failed", "failed", "ok")],
        ("stats", "ok"),
        ("revoke", "failed"),
        ("revoke", "ok"),
        ("revoke", "ok"),
        ("audit", "refused"),
        ("audit", "ok"),
    ]
    assert entries[-2].actor_id == ADMIN.id and entries[-2].args == "@BOB_HH manager Aviation"
    assert entries[-2].detail == "@bob_hh: member -> manager aviation"

    if harness.db.name == "sqlite":
        status, out, err = await run_cli("audit", "--json", "--limit", "2", DATABASE_URL=harness.db.url)
        assert status == 0, err
        assert [e["action"] for e in json.loads(out)["entries"]] == ["audit", "audit"]


async def test_stats_figures_against_a_known_state(harness: BotHarness, indexed_settings: Settings) -> None:
    store = await harness.open_store()
    for user in (ALICE, BOB):
        await store.users.touch(user.id, user.username, user.first_name, user.language_code)
    await store.users.link_member(ALICE.id, "m-1")
    await store.subscriptions.subscribe(ALICE.id, "topic", "Wasserstoff")
    source = Source(source="a.md", title="A", url=None)
    turn = Exchange(
        thread_id="t", user_id=ALICE.id, chat_id=ALICE.id, question="q", answer="a", sources=[], mode="x"
    )
    first, *_ = await store.answers.save_exchanges(
        [turn.model_copy(update={"sources": [source]}), turn, turn]
    )
    await store.answers.add_feedback(first, ALICE.id, 1)
    figures = {"added": 2, "changed": 1, "removed": 0, "failed": [{"source": "x.pdf", "reason": "corrupt"}]}
    await store.ingest_runs.add("cli", utcnow() - timedelta(seconds=3), True, figures)
    broadcast_id, _ = await queue(store, Audience.parse("topic:Wasserstoff"), "Hallo")
    await harness.start(store=store)

    shown = parse_html((await harness.reply(ADMIN, "/stats")).params["text"])
    index = harness.assistant.retriever.index
    documents, chunks = len(index.sources()), index.count()
    assert documents == 5 and chunks > 5
    for line in (
        "Users: 3, linked to a member profile: 1",
        "Active subscribers: 1",
        f"Documents: {documents}, chunks: {chunks}",
        "Questions in 7 days: 3 (",
        "Abstentions (not in the documents): 67% (2)",
        "Feedback: 1 👍 / 0 👎",
        "(cli): 2 added, 1 changed, 0 removed, 1 failed",
        f"#{broadcast_id} topic:Wasserstoff: ",
        "Open access requests: 0",
    ):
        assert line in shown, (line, shown)
    if harness.db.name != "sqlite":
        return
    env = {
        "DATABASE_URL": harness.db.url,
        "CLUSTERBRIDGE_DATA_DIR": str(indexed_settings.clusterbridge_data_dir),
    }
    status, out, err = await run_cli("stats", "--json", **env)
    assert status == 0, err
    printed = json.loads(out)
    assert printed["users"] == 3 and printed["members_linked"] == 1 and printed["active_subscribers"] == 1
    assert (printed["documents"], printed["chunks"]) == (documents, chunks)
    assert printed["questions_last_week"] == 3 and printed["abstentions_last_week"] == 2
    assert printed["days"][-1]["questions"] == 3 and len(printed["days"]) == 7
    assert (printed["feedback_up"], printed["feedback_down"]) == (1, 0)
    assert printed["last_ingestion"]["figures"]["added"] == 2 and printed["broadcasts"][0]["id"] == str(
        broadcast_id
    )
