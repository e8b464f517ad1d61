"""The members job: an admin's members file into the state database and the profile index.

The state is the truth (with the members' own edits, see knowledge/state/profiles.py); the profile
index is then brought in line with it, embedding only profiles whose content changed.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from pydantic import BaseModel, Field

from knowledge.clusters import load_clusters
from knowledge.contacts import ProfileIndex
from knowledge.profiles import RowError, load_members
from knowledge.state import StateStore


class MemberReport(BaseModel):
    """What one members import did."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    blocked: list[str] = Field(default_factory=list)
    failed: list[RowError] = Field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"profiles: added {self.added}, changed {self.changed}, unchanged {self.unchanged}, "
            f"removed {self.removed}, blocked {len(self.blocked)}, failed {len(self.failed)}, "
            f"{self.seconds:.1f} s"
        )


async def ingest_members(
    state: StateStore, index: ProfileIndex, members_file: Path, clusters_file: Path | None = None
) -> MemberReport:
    """Import `members_file` (CSV or YAML), checked against the clusters of `clusters_file` (the eight
    Hamburg clusters by default): bad rows are reported by line and skipped, the rest is stored and
    indexed; rows gone from the file leave the state and the index; forgotten members stay out."""
    started = time.monotonic()
    imported = load_members(members_file, load_clusters(clusters_file))
    changes = await state.profiles.apply_import(imported.profiles)
    indexed = await asyncio.to_thread(index.sync, await state.profiles.all())
    return MemberReport(
        added=changes.added,
        changed=changes.changed,
        unchanged=changes.unchanged,
        removed=len(changes.removed),
        blocked=changes.blocked,
        failed=imported.errors,
        embedded=indexed.embedded,
        seconds=time.monotonic() - started,
    )
