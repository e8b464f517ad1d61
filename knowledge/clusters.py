"""The clusters: `clusters.yaml` as in the data-format contract, the eight Hamburg clusters by default."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.errors import ClusterBridgeError, read_text_file

CLUSTER_ID = re.compile(r"^[a-z0-9-]+$")


class ClusterError(ClusterBridgeError):
    """`clusters.yaml` cannot be read or breaks the contract."""


class Cluster(BaseModel):
    """One cluster: a short id, its name, a description and its topics."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str = Field(min_length=1)
    description: str = ""
    topics: tuple[str, ...] = ()

    @field_validator("id", mode="before")
    @classmethod
    def _valid_id(cls, value: object) -> object:
        """Ids are short: lower-case letters, digits and hyphens."""
        if not isinstance(value, str) or not CLUSTER_ID.match(value.strip()):
            raise ValueError(f"id {value!r} is not of the form [a-z0-9-]+")
        return value.strip()

    @field_validator("name", "description", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """Surrounding whitespace is not part of a name."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("topics", mode="before")
    @classmethod
    def _topic_list(cls, value: object) -> object:
        """Topics are a list of strings (None means none)."""
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ValueError("topics must be a list")
        if not all(isinstance(topic, str) for topic in value):
            raise ValueError("every topic must be a string")
        return tuple(topic.strip() for topic in value if topic.strip())


_HAMBURG: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "aviation",
        "Hamburg Aviation",
        "Luftfahrtcluster der Metropolregion Hamburg",
        ("Luftfahrt", "Kabine", "Wasserstoff", "Instandhaltung"),
    ),
    (
        "lifescience",
        "Life Science Nord",
        "Cluster der Lebenswissenschaften in Hamburg und Schleswig-Holstein",
        ("Medizintechnik", "Biotechnologie", "Pharma", "Anti-Infektiva"),
    ),
    (
        "logistics",
        "Logistik-Initiative Hamburg",
        "Logistikcluster der Metropolregion Hamburg",
        ("Logistik", "Hafen", "Lieferketten", "Start-ups"),
    ),
    (
        "maritime",
        "Maritimes Cluster Norddeutschland",
        "Netzwerk der maritimen Wirtschaft in Norddeutschland",
        ("Schiffbau", "Antriebe", "Offshore", "Meerestechnik"),
    ),
    (
        "renewables",
        "Cluster Erneuerbare Energien Hamburg",
        "Netzwerk der Erneuerbare-Energien-Branche",
        ("Windenergie", "Wasserstoff", "Energiewende", "Sektorkopplung"),
    ),
    (
        "creative",
        "Hamburg Kreativ Gesellschaft",
        "Förderung der Kreativwirtschaft in Hamburg",
        ("Design", "Games", "Musik", "virtuelle Realität"),
    ),
    (
        "media",
        "nextMedia.Hamburg",
        "Standortinitiative der Medien- und Digitalwirtschaft",
        ("Medien", "Bewegtbild", "Digitalisierung", "KI"),
    ),
    (
        "health",
        "Gesundheitswirtschaft Hamburg",
        "Cluster der Gesundheitswirtschaft",
        ("Digitalisierung im Gesundheitswesen", "Prävention", "Versorgung"),
    ),
)

DEFAULT_CLUSTERS: tuple[Cluster, ...] = tuple(
    Cluster(id=cid, name=name, description=description, topics=topics)
    for cid, name, description, topics in _HAMBURG
)


def default_clusters() -> list[Cluster]:
    """The eight Hamburg clusters."""
    return list(DEFAULT_CLUSTERS)


def _first_problem(exc: ValidationError) -> str:
    """One line out of a pydantic error."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "entry"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}"


def _entries(data: Any, source: str) -> list[Any]:
    """The list under `clusters:` (a bare list is accepted too)."""
    if isinstance(data, dict):
        if "clusters" not in data:
            raise ClusterError(f"{source}: no `clusters:` list at the top")
        data = data["clusters"]
    if not isinstance(data, list) or not data:
        raise ClusterError(f"{source}: `clusters` must be a non-empty list")
    return data


def parse_clusters(text: str, source: str = "clusters.yaml") -> list[Cluster]:
    """Clusters from the YAML text of a clusters file; any broken entry fails the whole file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise ClusterError(f"{source}: not valid YAML{line}") from exc
    clusters: list[Cluster] = []
    seen: set[str] = set()
    for number, entry in enumerate(_entries(data, source), 1):
        if not isinstance(entry, dict):
            raise ClusterError(f"{source}: cluster #{number} is not a mapping with id and name")
        try:
            cluster = Cluster.model_validate(entry)
        except ValidationError as exc:
            raise ClusterError(f"{source}: cluster #{number}: {_first_problem(exc)}") from exc
        if cluster.id in seen:
            raise ClusterError(f"{source}: cluster #{number}: duplicate id {cluster.id!r}")
        seen.add(cluster.id)
        clusters.append(cluster)
    return clusters


def load_clusters(path: Path | None = None) -> list[Cluster]:
    """The clusters of `path`, or the eight Hamburg clusters when no file is given."""
    if path is None:
        return default_clusters()
    text = read_text_file(path, ClusterError)
    return parse_clusters(text, str(path))


def cluster_ids(clusters: Iterable[Cluster]) -> frozenset[str]:
    """The ids of `clusters`."""
    return frozenset(cluster.id for cluster in clusters)


def cluster_names(clusters: Sequence[Cluster]) -> dict[str, str]:
    """Cluster id to display name."""
    return {cluster.id: cluster.name for cluster in clusters}
