#!/usr/bin/env python3
"""Set up ClusterBridge in ./.venv and run it, or its checks, with nothing but Python 3.11+.

    python3 quickstart.py          # install, index the sample data, then chat (or run the bot if a token is set)
    python3 quickstart.py test     # install with dev tools, then ruff, mypy and the whole test suite,
                                   # on the embedded default, then on a Chroma server and PostgreSQL

Any further arguments go to `clusterbridge start` (e.g. --docs DIR) or to pytest (e.g. -k ingest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*command: str | Path, quiet: bool = False) -> None:
    """Run a command; with `quiet`, show its output only when it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, capture_output=quiet, text=True
    )
    if result.returncode != 0:
        if quiet:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"quickstart: failed: {' '.join(map(str, command))}", file=sys.stderr)
        sys.exit(result.returncode)


def ensure_installed(extras: str) -> None:
    """Create .venv and install the project (again only when pyproject.toml changed)."""
    if sys.version_info < (3, 11):
        sys.exit(f"quickstart: Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"quickstart: creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(
        "quickstart: installing ClusterBridge and its dependencies (first run takes a few minutes)",
        flush=True,
    )
    _run(PYTHON, "-m", "pip", "install", "--upgrade", "pip", quiet=True)
    _run(PYTHON, "-m", "pip", "install", "-e", f".[{extras}]" if extras else ".", quiet=True)
    stamp.write_text(digest)


def main(argv: list[str]) -> None:
    """Dispatch `test` or the default `start`."""
    if argv[:1] == ["test"]:
        ensure_installed("dev")
        _run(BIN / "ruff", "check", ".")
        _run(BIN / "ruff", "format", "--check", ".")
        _run(BIN / "mypy")
        _run(PYTHON, "-m", "pytest", *argv[1:])
        if not argv[1:] or argv[1:] == ["-q"]:
            # The whole suite again on the scale-out set-up: a Chroma server the tests start on
            # loopback, and PostgreSQL at CLUSTERBRIDGE_TEST_PG_URL (tests/backends.py).
            os.environ["CLUSTERBRIDGE_TEST_BACKEND"] = "scale-out"
            _run(PYTHON, "-m", "pytest", *argv[1:])
    else:
        args = argv[1:] if argv[:1] == ["start"] else argv
        ensure_installed("")
        _run(BIN / "clusterbridge", "start", *args)


if __name__ == "__main__":
    main(sys.argv[1:])
