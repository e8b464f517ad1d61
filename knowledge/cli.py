"""The `clusterbridge` command: ingest, search, ask, chat, bot."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from knowledge.config import Settings
from knowledge.errors import ClusterBridgeError, ConfigError
from knowledge.models import Answer, Hit, SearchResult

PROG = "clusterbridge"
SAMPLE_DOCS = Path("sample/docs")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="ClusterBridge: answers and contacts across clusters."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details and show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="index documents (incremental)")
    ingest.add_argument("--docs", type=Path, help="folder of .txt/.md/.html/.pdf/.docx files")
    ingest.add_argument("--members", type=Path, help="members.csv or .yaml")
    ingest.add_argument("--events", type=Path, help="events.yaml")
    ingest.add_argument("--clusters", type=Path, help="clusters.yaml")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")

    search = commands.add_parser("search", help="the best passages for a query")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--json", action="store_true")

    ask = commands.add_parser("ask", help="answer a question with sources")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")

    commands.add_parser("chat", help="talk to the assistant in the terminal")
    commands.add_parser("bot", help="run the Telegram bot")
    start = commands.add_parser(
        "start", help="ingest the sample (or --docs) data, then chat, or run the bot if a token is set"
    )
    start.add_argument("--docs", type=Path, default=None)
    return parser


def _print_hits(hits: Sequence[Hit]) -> None:
    for number, hit in enumerate(hits, 1):
        snippet = " ".join(hit.text.split())[:240]
        print(f"{number}. {hit.title} ({hit.source}, score {hit.score:.4f})\n   {snippet}")


def format_answer(answer: Answer) -> str:
    """An answer with its numbered sources, for the terminal."""
    lines = [answer.answer]
    if answer.sources:
        lines.append("")
        lines.append("Quellen:" if answer.language == "de" else "Sources:")
        for number, source in enumerate(answer.sources, 1):
            link = f" <{source.url}>" if source.url else ""
            lines.append(f"[{number}] {source.title} ({source.source}){link}")
    return "\n".join(lines)


def _cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.pipeline import run_ingest

    for flag in ("members", "events", "clusters"):
        if getattr(args, flag) is not None:
            raise ClusterBridgeError(f"--{flag} is not supported by this version yet; only --docs is")
    if args.docs is None:
        raise ClusterBridgeError("nothing to ingest: pass --docs DIR")
    report = run_ingest(settings, args.docs, progress=sys.stderr.isatty())
    if args.json:
        print(report.model_dump_json())
    for failed in report.failed:
        print(f"{PROG}: skipped {failed.source}: {failed.reason}", file=sys.stderr)
    print(report.summary(), file=sys.stderr if args.json else sys.stdout)
    return 1 if report.failed else 0


def _cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.assistant import Assistant

    hits = Assistant.from_settings(settings).search(args.query, k=args.k)
    if args.json:
        print(SearchResult(hits=hits).model_dump_json())
    else:
        _print_hits(hits)
    return 0


def _cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.assistant import Assistant

    answer = Assistant.from_settings(settings).ask(args.question)
    print(answer.model_dump_json() if args.json else format_answer(answer))
    return 0


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.chat import run_chat

    return asyncio.run(run_chat(settings))


def _cmd_bot(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import run_bot

    run_bot(settings)
    return 0


def _cmd_start(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.pipeline import run_ingest

    docs = args.docs or SAMPLE_DOCS
    if not docs.is_dir():
        raise ClusterBridgeError(f"documents folder not found: {docs} (pass --docs DIR)")
    print(f"Indexing {docs} into {settings.clusterbridge_data_dir} ...", flush=True)
    report = run_ingest(settings, docs, progress=sys.stderr.isatty())
    for failed in report.failed:
        print(f"{PROG}: skipped {failed.source}: {failed.reason}", file=sys.stderr)
    print(report.summary(), flush=True)
    if settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN is set: starting the Telegram bot (Ctrl+C stops it).", flush=True)
        return _cmd_bot(settings, args)
    print("No TELEGRAM_BOT_TOKEN set: starting the terminal chat instead.", flush=True)
    return _cmd_chat(settings, args)


COMMANDS = {
    "ingest": _cmd_ingest,
    "search": _cmd_search,
    "ask": _cmd_ask,
    "chat": _cmd_chat,
    "bot": _cmd_bot,
    "start": _cmd_start,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; on failure print one clear line on stderr and exit non-zero."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for noisy in ("httpx", "chromadb", "openai", "langchain"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        try:
            settings = Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ConfigError(
                f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}"
            ) from exc
        return COMMANDS[args.command](settings, args)
    except ClusterBridgeError as exc:
        if args.verbose:
            logging.exception("failed")
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.verbose:
            logging.exception("unexpected failure")
        print(
            f"{PROG}: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
