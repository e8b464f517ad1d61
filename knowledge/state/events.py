"""Events in the state database: file syncs (incremental), events published in the bot, RSVPs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from knowledge.events import Event, offset_zone, to_utc, zone_name
from knowledge.state.db import Repository
from knowledge.state.tables import EventRow, Rsvp, utcnow


class SyncReport(BaseModel):
    """What a file sync changed: ids of new or changed events and of events that left."""

    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = Field(default_factory=list)


def _event(row: EventRow) -> Event:
    zone = offset_zone(row.tz)
    return Event(
        id=row.id,
        title=row.title,
        cluster=row.cluster,
        start=row.start.astimezone(zone),
        end=row.end.astimezone(zone) if row.end else None,
        location=row.location,
        description=row.description,
        topics=tuple(row.topics),
        url=row.url,
    )


def _values(event: Event) -> dict[str, object]:
    return {
        "title": event.title,
        "cluster": event.cluster,
        "start": to_utc(event.start),
        "end": to_utc(event.end) if event.end else None,
        "tz": zone_name(event.start),
        "location": event.location,
        "description": event.description,
        "topics": list(event.topics),
        "url": event.url,
        "content_hash": event.content_hash,
        "updated_at": utcnow(),
    }


class Events(Repository):
    """The events and event_rsvps tables."""

    async def sync_file(self, source: str, events: Sequence[Event]) -> SyncReport:
        """Make the events from `source` exactly these: new ones added, changed ones updated, gone ones removed."""
        report = SyncReport()
        wanted = {event.id: event for event in events}
        async with self.session("save events") as session:
            rows = (await session.scalars(select(EventRow).where(EventRow.id.in_(list(wanted))))).all()
            known = {row.id: row for row in rows}
            for event_id, event in wanted.items():
                row = known.get(event_id)
                if row is None:
                    session.add(EventRow(id=event_id, origin="file", source=source, **_values(event)))
                    report.added.append(event_id)
                elif row.content_hash != event.content_hash or row.source != source:
                    for name, value in _values(event).items():
                        setattr(row, name, value)
                    row.source, row.origin = source, "file"
                    report.changed.append(event_id)
                else:
                    report.unchanged += 1
            gone = select(EventRow.id).where(EventRow.source == source, EventRow.id.not_in(list(wanted)))
            report.removed = list((await session.scalars(gone)).all())
            if report.removed:
                await session.execute(delete(EventRow).where(EventRow.id.in_(report.removed)))
        return report

    async def publish(self, event: Event, created_by: int | None) -> Event:
        """Store an event made in the bot (or replace the one with its id)."""
        async with self.session("save an event") as session:
            row = await session.get(EventRow, event.id)
            if row is None:
                session.add(EventRow(id=event.id, origin="bot", created_by=created_by, **_values(event)))
            else:
                for name, value in _values(event).items():
                    setattr(row, name, value)
        return event

    async def get(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        async with self.session("read an event") as session:
            row = await session.get(EventRow, event_id)
            return _event(row) if row is not None else None

    async def between(
        self, start: datetime | None = None, end: datetime | None = None, cluster: str | None = None
    ) -> list[Event]:
        """Events ending at or after `start` and starting before `end`, soonest first."""
        stmt = select(EventRow).order_by(EventRow.start, EventRow.id)
        if start is not None:
            stmt = stmt.where(func.coalesce(EventRow.end, EventRow.start) >= to_utc(start))
        if end is not None:
            stmt = stmt.where(EventRow.start < to_utc(end))
        if cluster is not None:
            stmt = stmt.where(EventRow.cluster == cluster)
        async with self.session("read events") as session:
            return [_event(row) for row in (await session.scalars(stmt)).all()]

    async def toggle_rsvp(self, event_id: str, user_id: int) -> tuple[bool, int]:
        """Going or not any more; returns (going, how many are going)."""
        async with self.session("save an RSVP") as session:
            row = await session.get(Rsvp, (event_id, user_id))
            if row is None:
                session.add(Rsvp(event_id=event_id, user_id=user_id, created_at=utcnow()))
            else:
                await session.delete(row)
            await session.flush()
            count = await session.scalar(
                select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event_id)
            )
        return row is None, int(count or 0)

    async def going(self, event_id: str) -> list[int]:
        """The users going to an event."""
        async with self.session("read RSVPs") as session:
            stmt = select(Rsvp.user_id).where(Rsvp.event_id == event_id).order_by(Rsvp.user_id)
            return list((await session.scalars(stmt)).all())

    async def rsvp_counts(self, event_ids: Sequence[str]) -> dict[str, int]:
        """How many are going, per event."""
        stmt = (
            select(Rsvp.event_id, func.count())
            .where(Rsvp.event_id.in_(list(event_ids)))
            .group_by(Rsvp.event_id)
        )
        async with self.session("count RSVPs") as session:
            return {event_id: int(count) for event_id, count in (await session.execute(stmt)).all()}

    async def by_number(self, number: int) -> Event | None:
        """The event whose id's digest starts with this number (the form buttons carry)."""
        stmt = select(EventRow).where(EventRow.id.like(f"%-{number:015x}%")).limit(1)
        async with self.session("read an event") as session:
            row = (await session.scalars(stmt)).first()
            return _event(row) if row is not None else None
