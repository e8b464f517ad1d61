"""`clusterbridge ingest` and `clusterbridge start` (ingest the sample data, then chat or run the bot)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from clusterbridge import chat, serve
from clusterbridge.events import with_store
from ingest.job import JobReport, Sources, run_sources
from ingest.pipeline import IngestReport, shown
from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError, IngestLockedError
from knowledge.locks import refuse_while_served

SAMPLE_DOCS = Path("sample/docs")
SAMPLE_MEMBERS = Path("sample/members.csv")
SAMPLE_EVENTS = Path("sample/events.yaml")


def add_commands(commands: Any) -> None:
    """Register `ingest` and `start`."""
    cmd = commands.add_parser("ingest", help="index documents, member profiles and events (incremental)")
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
    """Index what the flags name, else every configured source (CLUSTERBRIDGE_DOCS_DIR, ...), as one
    ingestion job (the lease in the state database: a second run anywhere refuses)."""
    flags = args.docs or args.members or args.events
    configured = Sources.configured(settings)
    sources = Sources(
        args.docs if flags else configured.docs,
        args.members if flags else configured.members,
        args.events if flags else configured.events,
        args.clusters or configured.clusters,
    )
    if sources.empty():
        raise ClusterBridgeError(
            "nothing to ingest: pass --docs DIR, --members FILE or --events FILE, or configure "
            "CLUSTERBRIDGE_DOCS_DIR, CLUSTERBRIDGE_MEMBERS_FILE or CLUSTERBRIDGE_EVENTS_FILE"
        )
    report = run_job(settings, sources, prune=args.prune)
    print_job(report, sources, args.json)
    if report.errors:  # a whole source could not be ingested: one line, as before the job
        raise ClusterBridgeError("; ".join(error.reason for error in report.errors))
    return 1 if report.failures() else 0


def run_job(settings: Settings, sources: Sources, *, prune: bool = False) -> JobReport:
    """The job for the command line: refused while a bot serves the embedded index (documents and
    profiles; events are stored, their search index waits for the bot)."""
    served = False
    if sources.events:
        try:
            refuse_while_served(settings)
        except IngestLockedError:
            served = True
    if sources.docs or sources.members:
        refuse_while_served(settings)
    tty = sys.stderr.isatty()
    return with_store(
        settings,
        lambda store: run_sources(
            settings, store, sources, trigger="cli", prune=prune, tty=tty, skip_event_index=served
        ),
    )


def print_job(report: JobReport, sources: Sources, as_json: bool) -> None:
    """Profiles, events, then documents: skipped rows and files on stderr, then each summary line."""
    if report.members is not None:
        for error in report.members.failed:
            print(f"clusterbridge: skipped {sources.members} {error}", file=sys.stderr)
        print(report.members.model_dump_json() if as_json else report.members.summary(), flush=True)
    if report.events is not None:
        for problem in report.events.failed:
            print(f"clusterbridge: skipped {sources.events} {problem}", file=sys.stderr)
        print(report.events.model_dump_json() if as_json else report.events.summary(), flush=True)
    if report.documents is not None:
        if as_json:
            print(report.documents.model_dump_json())
        print_report(report.documents, summary_to_stdout=not as_json)


def run_start(settings: Settings, args: argparse.Namespace) -> int:
    """Ingest the sample (or --docs) data, then the bot if a token is set, else the terminal chat."""
    docs = args.docs or SAMPLE_DOCS
    if not docs.is_dir():
        raise ClusterBridgeError(f"documents folder not found: {docs} (pass --docs DIR)")
    print(f"Indexing {docs} into {settings.clusterbridge_data_dir} ...", flush=True)
    sources = Sources(docs)
    if args.docs is None:  # the demo: the sample members and events too
        members, events_file = SAMPLE_MEMBERS.is_file(), SAMPLE_EVENTS.is_file()
        sources = Sources(docs, SAMPLE_MEMBERS if members else None, SAMPLE_EVENTS if events_file else None)
    report = run_job(settings, sources)
    print_job(report, sources, as_json=False)
    if report.errors:
        raise ClusterBridgeError("; ".join(error.reason for error in report.errors))
    if settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is set: starting the Telegram bot (Ctrl+C stops it).", flush=True)
        return serve.run_bot_command(settings, args)
    print("No TELEGRAM_BOT_TOKEN set: starting the terminal chat instead.", flush=True)
    return chat.run_chat_command(settings, args)
