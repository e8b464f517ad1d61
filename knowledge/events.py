"""Events: the typed model, events.yaml and .ics parsing with positions, stable ids, .ics export,
text matching in German and English, and display in Europe/Berlin."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import Stemmer
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.errors import ClusterBridgeError
from knowledge.models import Language

BERLIN = ZoneInfo("Europe/Berlin")
_WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
_STEMMERS = {"de": Stemmer.Stemmer("german"), "en": Stemmer.Stemmer("english")}


class EventFileError(ClusterBridgeError):
    """An events file cannot be read at all (the whole file, not one entry)."""


class Event(BaseModel):
    """One event; `start`/`end` keep the time zone they were given in."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = ""
    title: str = Field(min_length=1, max_length=300)
    cluster: str = Field(min_length=1)
    start: datetime
    end: datetime | None = None
    location: str | None = None
    description: str = ""
    topics: tuple[str, ...] = ()
    url: str | None = None

    @field_validator("title", "cluster", "description", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """Surrounding whitespace is not part of a text."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("location", "url", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        """Empty means none."""
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("start", "end", mode="after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A time without a zone is Berlin time."""
        return value.replace(tzinfo=BERLIN) if value is not None and value.tzinfo is None else value

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, value: object) -> object:
        """Topics are a list of strings; a comma-separated string is accepted."""
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
            raise ValueError("topics must be a list of strings")
        return tuple(t.strip() for t in value if t.strip())

    def with_id(self) -> Event:
        """This event with its stable id (given, else from cluster, title and start)."""
        return (
            self
            if self.id
            else self.model_copy(update={"id": stable_id(self.cluster, self.title, self.start)})
        )

    @property
    def content_hash(self) -> str:
        """A digest of everything shown, to skip unchanged events."""
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()

    def is_past(self, now: datetime) -> bool:
        """True when the event has ended (or started, without an end) before `now`."""
        return (self.end or self.start) < now

    def contract(self) -> dict[str, Any]:
        """The `events --json` entry."""
        return {
            "id": self.id,
            "title": self.title,
            "cluster": self.cluster,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "location": self.location,
            "url": self.url,
        }

    def passage(self) -> str:
        """The event as one text for the index."""
        parts = [self.title, self.description, ", ".join(self.topics), self.location or ""]
        return "\n".join(part for part in parts if part)


class Problem(BaseModel):
    """A skipped entry: where it is and why."""

    position: str
    reason: str

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"


class Parsed(BaseModel):
    """The events of a file and the entries that were skipped."""

    events: list[Event] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)


def stable_id(cluster: str, title: str, start: datetime) -> str:
    """The same event gets the same id on every run."""
    key = f"{cluster}|{title.casefold().strip()}|{start.astimezone(UTC).isoformat()}"
    return "ev-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _check(event: Event, clusters: frozenset[str] | None) -> str | None:
    if event.end is not None and event.end < event.start:
        return "end is before start"
    if clusters is not None and event.cluster not in clusters:
        return f"unknown cluster {event.cluster!r}"
    return None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"no {field}"
    return f"{field}: {error['msg']}"


def validate(raw: dict[str, Any], position: str, clusters: frozenset[str] | None, parsed: Parsed) -> None:
    """Add the entry to `parsed` as an event or as a problem."""
    try:
        event = Event.model_validate(raw).with_id()
    except ValidationError as exc:
        parsed.problems.append(Problem(position=position, reason=_first_error(exc)))
        return
    problem = _check(event, clusters)
    if problem:
        parsed.problems.append(Problem(position=position, reason=problem))
    else:
        parsed.events.append(event)


def parse_yaml(text: str, clusters: frozenset[str] | None = None) -> Parsed:
    """events.yaml as in the contract; positions are entry numbers with their line."""
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise EventFileError(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    entries = data.get("events") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise EventFileError("expected a list under 'events:'")
    lines = _entry_lines(node)
    parsed = Parsed()
    for index, raw in enumerate(entries):
        position = f"entry {index + 1} (line {lines[index]})" if index < len(lines) else f"entry {index + 1}"
        if not isinstance(raw, dict):
            parsed.problems.append(Problem(position=position, reason="not a mapping of fields"))
            continue
        validate({k: v for k, v in raw.items() if isinstance(k, str)}, position, clusters, parsed)
    return parsed


def _entry_lines(node: yaml.Node | None) -> list[int]:
    if isinstance(node, yaml.MappingNode):
        node = next((value for key, value in node.value if key.value == "events"), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def _ics_time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value.dt
    if isinstance(moment, datetime):
        return moment
    if isinstance(moment, date):
        return datetime.combine(moment, time(0, 0), BERLIN)
    return None


def _ics_entry(component: icalendar.Component, clusters: frozenset[str] | None) -> dict[str, Any]:
    categories: list[str] = []
    raw = component.get("CATEGORIES")
    for entry in _as_list(raw) if raw is not None else []:
        categories.extend(str(cat) for cat in entry.cats)
    cluster = str(component.get("X-CLUSTERBRIDGE-CLUSTER") or "")
    if not cluster:
        cluster = next((cat for cat in categories if clusters is None or cat in clusters), "")
    uid = str(component.get("UID") or "")
    return {
        "id": "ics-" + hashlib.sha256(uid.encode()).hexdigest()[:16] if uid else "",
        "title": str(component.get("SUMMARY") or ""),
        "cluster": cluster,
        "start": _ics_time(component.get("DTSTART")),
        "end": _ics_time(component.get("DTEND")),
        "location": str(component.get("LOCATION") or "") or None,
        "description": str(component.get("DESCRIPTION") or ""),
        "topics": [cat for cat in categories if cat != cluster],
        "url": str(component.get("URL") or "") or None,
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def parse_ics(data: bytes, clusters: frozenset[str] | None = None) -> Parsed:
    """An .ics calendar; the cluster is X-CLUSTERBRIDGE-CLUSTER or a CATEGORIES entry naming one."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError) as exc:
        raise EventFileError(f"not a valid iCalendar file: {exc}") from exc
    parsed = Parsed()
    for index, component in enumerate(calendar.walk("VEVENT")):
        position = f"VEVENT {index + 1}"
        try:
            raw = _ics_entry(component, clusters)
        except (ValueError, TypeError, AttributeError) as exc:
            parsed.problems.append(Problem(position=position, reason=f"unreadable: {exc}"))
            continue
        if raw["start"] is None:
            raw.pop("start")
        validate(raw, position, clusters, parsed)
    return parsed


def load(path: Path, clusters: frozenset[str] | None = None) -> Parsed:
    """An events file by its suffix: .ics, else YAML."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EventFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix.lower() in (".ics", ".ical", ".ifb"):
        return parse_ics(data, clusters)
    try:
        return parse_yaml(data.decode("utf-8"), clusters)
    except UnicodeDecodeError as exc:
        raise EventFileError(f"{path} is not UTF-8") from exc


def to_ics(events: Iterable[Event]) -> bytes:
    """A calendar file with these events (valid iCalendar, made with `icalendar`)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ClusterBridge//Events//DE")
    calendar.add("version", "2.0")
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", f"{event.id}@clusterbridge")
        entry.add("dtstamp", datetime.now(UTC))
        entry.add("summary", event.title)
        entry.add("dtstart", event.start)
        entry.add("dtend", event.end or event.start + timedelta(hours=1))
        if event.location:
            entry.add("location", event.location)
        if event.description:
            entry.add("description", event.description)
        if event.url:
            entry.add("url", event.url)
        entry.add("categories", [event.cluster, *event.topics])
        calendar.add_component(entry)
    return calendar.to_ical()


def when(moment: datetime, language: Language) -> str:
    """A time as people in Hamburg read it (Europe/Berlin)."""
    local = moment.astimezone(BERLIN)
    if language == "de":
        return f"{_WEEKDAYS_DE[local.weekday()]}, {local:%d.%m.%Y, %H:%M} Uhr"
    return f"{local:%a, %d %b %Y, %H:%M}"


def span(event: Event, language: Language) -> str:
    """Start (and end time) in Berlin time."""
    text = when(event.start, language)
    if event.end and event.end.astimezone(BERLIN).date() == event.start.astimezone(BERLIN).date():
        return f"{text.removesuffix(' Uhr')}–{event.end.astimezone(BERLIN):%H:%M}" + (
            " Uhr" if language == "de" else ""
        )
    return text


def _stems(text: str) -> set[str]:
    words = [w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if len(w) > 2]
    return set(_STEMMERS["de"].stemWords(words)) | set(_STEMMERS["en"].stemWords(words))


def matches(event: Event, query: str) -> bool:
    """True when every content word of `query` (stemmed in German and English) is in the event's
    title, description, topics or place; compounds match their parts ("Wasserstoff-Abend")."""
    wanted = _stems(query)
    if not wanted:
        return True
    found = _stems(" ".join([event.title, event.description, " ".join(event.topics), event.location or ""]))
    return all(any(term in word for word in found) for term in wanted if len(term) > 2)


def to_utc(moment: datetime) -> datetime:
    """An aware UTC time (naive means Berlin)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=BERLIN)).astimezone(UTC)


def offset_zone(name: str) -> timezone | ZoneInfo:
    """A zone from its stored name: an IANA name or a UTC offset like '+01:00'."""
    if name and name[0] in "+-":
        sign = -1 if name[0] == "-" else 1
        hours, minutes = (int(part) for part in name[1:].split(":"))
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return ZoneInfo(name) if name else BERLIN


def zone_name(moment: datetime) -> str:
    """The stored name of a time's zone: its IANA key, else its UTC offset."""
    if isinstance(moment.tzinfo, ZoneInfo):
        return moment.tzinfo.key
    offset = moment.utcoffset() or timedelta(0)
    total = int(offset.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
