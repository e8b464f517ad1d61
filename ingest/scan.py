"""Find the documents in a folder, following symbolic links only as far as the folder reaches."""

from __future__ import annotations

import errno
import heapq
import os
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import SUFFIXES

OUTSIDE = "a symbolic link to a path outside the documents folder; not followed"
LOOP = "a symbolic link loop; not followed"
BROKEN = "a symbolic link whose target does not exist"
NOT_REGULAR = "not a regular file (a device, pipe or socket)"
BAD_NAME = "the name is not valid UTF-8; rename the file"


@dataclass
class Scan:
    """What `scan` found: documents to read, entries reported instead, folders it could not list."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    """(source, real path), sorted by source."""
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(source, reason) of entries that are reported and skipped."""
    unreadable: list[str] = field(default_factory=list)
    """Sources of folders that could not be listed: what was indexed below them stays."""


def _is_document(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES


def _utf8(source: str) -> bool:
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Scanner:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.result = Scan()
        self.owner: dict[Path, str] = {}  # real file -> the source it is indexed under
        self.walked: set[Path] = set()  # real folders already listed
        self.links: list[tuple[str, Path]] = []  # heap of (source, path of the link) still to follow

    def walk(self, start: Path, prefix: str) -> None:
        """List a real folder and everything below it without following links (links are queued)."""
        stack = [(start, prefix)]
        while stack:
            directory, base = stack.pop()
            real = Path(os.path.realpath(directory))
            if real in self.walked:
                continue
            self.walked.add(real)
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                if base:
                    self.result.unreadable.append(base)
                    self.result.problems.append((base, f"cannot list this folder: {exc.strerror or exc}"))
                    continue
                raise
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                source = f"{base}/{entry.name}" if base else entry.name
                if entry.is_symlink():
                    heapq.heappush(self.links, (source, Path(entry.path)))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), source))
                elif _is_document(entry.name):
                    self.add_file(source, Path(entry.path), regular=entry.is_file(follow_symlinks=False))

    def add_file(self, source: str, real: Path, regular: bool = True) -> None:
        if not _utf8(source):
            self.result.problems.append((source, BAD_NAME))
        elif not regular:
            self.result.problems.append((source, NOT_REGULAR))
        elif real not in self.owner:  # a second name for the same file is not indexed twice
            self.owner[real] = source
            self.result.files.append((source, real))

    def follow(self) -> None:
        """Follow the queued links in order; following a folder link may queue more."""
        while self.links:
            self.follow_one(*heapq.heappop(self.links))

    def follow_one(self, source: str, link: Path) -> None:
        try:
            target = Path(os.path.realpath(link, strict=True))
            is_dir = target.is_dir()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.result.problems.append((source, LOOP))
            elif exc.errno == errno.ENOENT:
                if _is_document(source):
                    self.result.problems.append((source, BROKEN))
            else:
                self.result.problems.append((source, f"cannot follow this link: {exc.strerror or exc}"))
            return
        if not is_dir and not _is_document(source):
            return  # not a document type: ignored like any such file
        if not target.is_relative_to(self.root):
            self.result.problems.append((source, OUTSIDE))
        elif not is_dir:
            self.add_file(source, target, regular=target.is_file())
        elif Path(os.path.realpath(link.parent)).is_relative_to(target):
            self.result.problems.append((source, LOOP))  # it leads back to a folder that holds it
        else:
            self.walk(target, source)


def scan(folder: Path) -> Scan:
    """The documents under `folder` (any depth, hidden entries ignored) and what is reported instead.

    The symlink rule: a link is followed only when its real path lies inside `folder` (a file, or
    a folder and all below it); a link leading outside it, a link loop and a broken link are
    reported and skipped, never read. Each real file is indexed once: under its own name when it
    is a document in the folder itself, otherwise under the first link name leading to it
    (sorted). Files with a name that is not valid UTF-8, and devices, pipes and sockets, are
    reported and skipped. A folder that cannot be listed is reported, and what was indexed below
    it stays.
    """
    root = Path(os.path.realpath(folder, strict=True))
    scanner = _Scanner(root)
    scanner.walk(root, "")
    scanner.follow()
    result = scanner.result
    result.files.sort()
    result.problems.sort()
    return result
