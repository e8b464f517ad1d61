"""The `clusterbridge` command: parsing, logging, and one clear line on stderr for every failure.

Each command group lives in its own module with `add_commands(subparsers)`; a command's function
takes (settings, args) and returns the exit status.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from clusterbridge import admin, chat, contacts, events, ingest, query, serve
from knowledge import logs, redact
from knowledge.config import load_settings
from knowledge.errors import ClusterBridgeError

PROG = "clusterbridge"
GROUPS = (ingest, query, chat, serve, events, contacts, admin)
QUIET_LOGGERS = ("httpx", "chromadb", "openai", "langchain", "telegram", "apscheduler", "pypdf")


def parser() -> argparse.ArgumentParser:
    """The argument parser with every command group's subcommands."""
    root = argparse.ArgumentParser(
        prog=PROG, description="ClusterBridge: answers and contacts across clusters."
    )
    root.add_argument("-v", "--verbose", action="store_true", help="log details and show tracebacks")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(commands)
    return root


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    logs.use_format("text")
    if not verbose:
        for noisy in QUIET_LOGGERS:
            logging.getLogger(noisy).setLevel(logging.ERROR)
    redact.install()


def _fail(message: str) -> None:
    print(f"{PROG}: error: {redact.redact(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; on failure print one clear line on stderr and exit non-zero (2: a bug)."""
    args = parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = load_settings()
        redact.install(settings)
        logs.use_format(settings.clusterbridge_log_format)
        status: int = args.run(settings, args)
        return status
    except ClusterBridgeError as exc:
        if args.verbose:
            logging.exception("failed")
        _fail(str(exc))
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`clusterbridge search ... | head`): nothing to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except PermissionError as exc:
        _fail(f"permission denied: {exc.filename or exc}")
        return 1
    except sqlite3.OperationalError as exc:
        _fail(f"the database in the data folder cannot be used: {exc}")
        return 1
    except Exception as exc:
        if args.verbose:
            logging.exception("unexpected failure")
        print(
            redact.redact(f"{PROG}: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)"),
            file=sys.stderr,
        )
        return 2
