"""`clusterbridge ingest` and `clusterbridge start` (ingest the sample data, then chat or run the bot)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clusterbridge import admin, chat, contacts, events, serve
from ingest.pipeline import IngestReport, run_ingest, shown
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError, IngestLockedError
from knowledge.locks import refuse_while_served

SAMPLE_DOCS = Path("sample/docs")
SAMPLE_MEMBERS = Path("sample/members.csv")
SAMPLE_EVENTS = Path("sample/events.yaml")


def add_commands(commands: Any) -> None:
    """Register `ingest` and `start`."""
    cmd = commands.add_parser("ingest", help="index documents (incremental)")
    cmd.add_argument("--docs", type=Path, help="folder of .txt/.md/.html/.pdf/.docx files")
    cmd.add_argument("--members", type=Path, help="members.csv or .yaml")
    cmd.add_argument("--events", type=Path, help="events.yaml or .ics")
    cmd.add_argument("--clusters", type=Path, help="clusters.yaml")
    cmd.add_argument(
        "--prune", action="store_true", help="allow a run that removes all or most indexed documents"
    )
    cmd.add_argument("--json", action="store_true", help="print the report as JSON")
    cmd.set_defaults(run=run_ingest_command)

    cmd = commands.add_parser(
        "start", help="ingest the sample (or --docs) data, then chat, or run the bot if a token is set"
    )
    cmd.add_argument("--docs", type=Path, default=None)
    cmd.set_defaults(run=run_start)


def print_report(report: IngestReport, summary_to_stdout: bool = True) -> None:
    """Each skipped file once on stderr (names escaped), then the summary line."""
    for failed in report.failed:
        print(f"clusterbridge: skipped {shown(failed.source)}: {failed.reason}", file=sys.stderr)
    print(report.summary(), file=sys.stdout if summary_to_stdout else sys.stderr, flush=True)


def run_ingest_command(settings: Settings, args: argparse.Namespace) -> int:
    """Index what the flags name, else every configured source (CLUSTERBRIDGE_DOCS_DIR, ...)."""
    flags = args.docs or args.members or args.events
    docs = args.docs if flags else settings.clusterbridge_docs_dir
    members = args.members if flags else settings.clusterbridge_members_file
    events_file = args.events if flags else settings.clusterbridge_events_file
    clusters = args.clusters or settings.clusterbridge_clusters_file
    if not (docs or members or events_file):
        raise ClusterBridgeError(
            "nothing to ingest: pass --docs DIR, --members FILE or --events FILE, or configure "
            "CLUSTERBRIDGE_DOCS_DIR, CLUSTERBRIDGE_MEMBERS_FILE or CLUSTERBRIDGE_EVENTS_FILE"
        )
    status = 0
    if members:
        status |= contacts.run_members_ingest(settings, members, clusters, args.json)
    if events_file:
        status |= events.run_events_ingest(settings, events_file, args.json)
    if docs:
        refuse_while_served(settings)
        started = datetime.now(UTC)
        try:
            report = run_ingest(settings, docs, progress=sys.stderr.isatty(), prune=args.prune)
        except IngestLockedError:
            raise  # another run is under way: this one did not happen
        except ClusterBridgeError as exc:
            admin.record_ingest_run(settings, "cli", started, None, str(exc))
            raise
        admin.record_ingest_run(settings, "cli", started, report.model_dump(mode="json"), None)
        if args.json:
            print(report.model_dump_json())
        print_report(report, summary_to_stdout=not args.json)
        status |= 1 if report.failed else 0
    return status


def run_start(settings: Settings, args: argparse.Namespace) -> int:
    """Ingest the sample (or --docs) data, then the bot if a token is set, else the terminal chat."""
    docs = args.docs or SAMPLE_DOCS
    if not docs.is_dir():
        raise ClusterBridgeError(f"documents folder not found: {docs} (pass --docs DIR)")
    print(f"Indexing {docs} into {settings.clusterbridge_data_dir} ...", flush=True)
    print_report(run_ingest(settings, docs, progress=sys.stderr.isatty()))
    if args.docs is None:  # the demo: the sample members and events too
        if SAMPLE_MEMBERS.is_file():
            contacts.run_members_ingest(settings, SAMPLE_MEMBERS, None, as_json=False)
        if SAMPLE_EVENTS.is_file():
            events.run_events_ingest(settings, SAMPLE_EVENTS, as_json=False)
    if settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is set: starting the Telegram bot (Ctrl+C stops it).", flush=True)
        return serve.run_bot_command(settings, args)
    print("No TELEGRAM_BOT_TOKEN set: starting the terminal chat instead.", flush=True)
    return chat.run_chat_command(settings, args)
