"""Member profiles: `members.csv` (or its YAML list form) parsed into validated profiles and row errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from knowledge.clusters import Cluster, cluster_ids, default_clusters
from knowledge.errors import ClusterBridgeError, read_text_file
from knowledge.models import Language

BotRole = Literal["member", "manager", "admin"]

FIELDS = (
    "id",
    "name",
    "organization",
    "cluster",
    "role_title",
    "expertise",
    "offers",
    "needs",
    "languages",
    "telegram_username",
    "email",
    "consent_contact",
    "bot_role",
)
REQUIRED_COLUMNS = ("id", "name", "cluster")
_TELEGRAM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_TRUE = {"true", "1", "yes", "ja"}
_FALSE = {"false", "0", "no", "nein", ""}
MAX_TEXT = 2000


class ProfileError(ClusterBridgeError):
    """A members file cannot be read at all (rows that break the rules are RowErrors instead)."""


def shown(value: str) -> str:
    """A rejected value for an error message, unless it looks like an email (emails are never shown)."""
    return "(an email address)" if "@" in value else repr(value)


def _split_list(value: object) -> object:
    """`a; b` or a YAML list, as a tuple of stripped, non-empty strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[object] = value.split(";")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise ValueError("must be text separated by ';' or a list")
    return tuple(str(item).strip() for item in items if str(item).strip())


class MemberProfile(BaseModel):
    """One member as in the contract; `email` is private and never shown (a SecretStr, not in reprs)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    organization: str = Field(default="", max_length=300)
    cluster: str = Field(min_length=1)
    role_title: str = Field(default="", max_length=300)
    expertise: tuple[str, ...] = ()
    offers: str = Field(default="", max_length=MAX_TEXT)
    needs: str = Field(default="", max_length=MAX_TEXT)
    languages: tuple[Language, ...] = ()
    telegram_username: str | None = None
    email: SecretStr | None = Field(default=None, repr=False)
    consent_contact: bool = False
    bot_role: BotRole = "member"

    @field_validator("id", "name", "organization", "cluster", "role_title", "offers", "needs", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        """Empty cells are empty strings; numbers in id cells are text."""
        if value is None:
            return ""
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("expertise", mode="before")
    @classmethod
    def _expertise(cls, value: object) -> object:
        """Keywords separated by `;` (or a YAML list)."""
        return _split_list(value)

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value: object) -> object:
        """`de`, `en` or both, separated by `;`."""
        items = _split_list(value)
        assert isinstance(items, tuple)
        lowered = tuple(dict.fromkeys(str(item).lower() for item in items))
        bad = [item for item in lowered if item not in ("de", "en")]
        if bad:
            raise ValueError(f"unknown language {shown(bad[0])} (use de, en or de;en)")
        return lowered

    @field_validator("telegram_username", mode="before")
    @classmethod
    def _telegram(cls, value: object) -> object:
        """5-32 letters, digits or underscores, starting with a letter; a leading @ is dropped."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        name = str(value).strip().removeprefix("@")
        if not _TELEGRAM.match(name):
            raise ValueError("is not a Telegram username (5-32 letters, digits or _, starting with a letter)")
        return name

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> object:
        """An address of the form a@b.c (the value itself is never echoed in the error)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str) or not _EMAIL.match(value.strip()):
            raise ValueError("is not an email address")
        return value.strip()

    @field_validator("consent_contact", mode="before")
    @classmethod
    def _consent(cls, value: object) -> object:
        """`true` or `false` (empty means false: no consent unless given)."""
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("must be true or false")

    @field_validator("bot_role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        """`member` (also when empty), `manager` or `admin`."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return "member"
        text = str(value).strip().lower()
        if text not in ("member", "manager", "admin"):
            raise ValueError("must be member, manager or admin")
        return text

    def content_hash(self) -> str:
        """A stable digest of every field (the email included), for incremental re-indexing."""
        data = self.model_dump(mode="python")
        data["email"] = self.email.get_secret_value() if self.email else None
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def public_dict(self) -> dict[str, Any]:
        """Every field except the email, e.g. for display to the member themself."""
        return self.model_dump(mode="json", exclude={"email"})


class RowError(BaseModel):
    """A row of a members file that was skipped: its line number and why."""

    line: int
    member_id: str | None = None
    reason: str

    def __str__(self) -> str:
        who = f" ({self.member_id})" if self.member_id else ""
        return f"line {self.line}{who}: {self.reason}"


class MemberImport(BaseModel):
    """What a members file yielded: good profiles in file order, and the rows that were skipped."""

    profiles: list[MemberProfile] = Field(default_factory=list)
    errors: list[RowError] = Field(default_factory=list)


def _problem(exc: ValidationError) -> str:
    """One line out of a pydantic error, never quoting the rejected value."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing" or (error["type"] == "string_too_short" and field in REQUIRED_COLUMNS):
        return f"missing {field}"
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    return f"{field} {message}" if message.startswith(("is ", "must ")) else f"{field}: {message}"


class _Broken:
    """A row that cannot even be mapped to fields, with the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def validate_rows(rows: Iterable[tuple[int, Any]], known_clusters: frozenset[str]) -> MemberImport:
    """Profiles from (line, raw mapping) pairs; bad rows become RowErrors, the first of a duplicate id wins."""
    result = MemberImport()
    first_line: dict[str, int] = {}
    for line, raw in rows:
        if isinstance(raw, _Broken) or not isinstance(raw, dict):
            reason = raw.reason if isinstance(raw, _Broken) else "not a mapping of profile fields"
            result.errors.append(RowError(line=line, reason=reason))
            continue
        member_id = str(raw.get("id") or "").strip() or None
        try:
            profile = MemberProfile.model_validate({k: v for k, v in raw.items() if k in FIELDS})
        except ValidationError as exc:
            result.errors.append(RowError(line=line, member_id=member_id, reason=_problem(exc)))
            continue
        if profile.cluster not in known_clusters:
            reason = f"unknown cluster {shown(profile.cluster)} (known: {', '.join(sorted(known_clusters))})"
            result.errors.append(RowError(line=line, member_id=profile.id, reason=reason))
            continue
        if profile.id in first_line:
            reason = f"duplicate id (first on line {first_line[profile.id]})"
            result.errors.append(RowError(line=line, member_id=profile.id, reason=reason))
            continue
        first_line[profile.id] = line
        result.profiles.append(profile)
    return result


def _csv_rows(text: str, source: str) -> list[tuple[int, dict[str, str] | _Broken]]:
    """(first line of the row, cells by column) pairs of a CSV text, after checking the header."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ProfileError(f"{source}: the header lacks the column(s) {', '.join(missing)}")
    rows: list[tuple[int, dict[str, str] | _Broken]] = []
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            rows.append((start, _Broken(f"{len(cells)} cells but {len(header)} columns (a comma too many?)")))
            continue
        rows.append((start, dict(zip(header, cells, strict=False))))
    return rows


def parse_members_csv(
    text: str, clusters: Sequence[Cluster] | None = None, source: str = "members.csv"
) -> MemberImport:
    """Profiles from the text of a members.csv (UTF-8, header row)."""
    known = cluster_ids(clusters if clusters is not None else default_clusters())
    try:
        rows = _csv_rows(text, source)
    except csv.Error as exc:
        raise ProfileError(f"{source}: not a readable CSV file: {exc}") from exc
    return validate_rows(rows, known)


def _yaml_items(text: str, source: str) -> list[tuple[int, Any]]:
    """(line, entry) pairs of the YAML list form (a bare list, or a list under `members:`)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ProfileError(f"{source}: not valid YAML{where}") from exc
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        if "members" not in data:
            raise ProfileError(f"{source}: expected a list of profiles or a `members:` list")
        node = next(value for key, value in node.value if key.value == "members")
        data = data["members"]
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise ProfileError(f"{source}: expected a list of profiles")
    return [(item.start_mark.line + 1, entry) for item, entry in zip(node.value, data, strict=True)]


def parse_members_yaml(
    text: str, clusters: Sequence[Cluster] | None = None, source: str = "members.yaml"
) -> MemberImport:
    """Profiles from the YAML list form (lists as YAML lists)."""
    known = cluster_ids(clusters if clusters is not None else default_clusters())
    return validate_rows(_yaml_items(text, source), known)


def load_members(path: Path, clusters: Sequence[Cluster] | None = None) -> MemberImport:
    """Profiles from a members file: `.yaml`/`.yml` as YAML, anything else as CSV."""
    text = read_text_file(path, ProfileError)
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_members_yaml(text, clusters, str(path))
    return parse_members_csv(text, clusters, str(path))
