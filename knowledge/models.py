"""Pydantic models at the boundaries: what the CLI prints and the bot shows."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
# Who may do what in the bot: members ask, managers also post for their cluster, admins run it.
Role = Literal["member", "manager", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


class Hit(BaseModel):
    """One retrieved passage (the contract's `search` hit, plus internals)."""

    source: str
    title: str
    text: str
    score: float
    url: str | None = None
    chunk_id: str = Field(default="", exclude=True)


class SearchResult(BaseModel):
    """`clusterbridge search --json`."""

    hits: list[Hit]


class Source(BaseModel):
    """A cited source of an answer."""

    source: str
    title: str
    url: str | None = None


class Answer(BaseModel):
    """`clusterbridge ask --json`; `mode` and `note` are extras, not in the JSON. `note` (e.g. "the
    language model is not reachable") is already part of `answer`: never show it twice."""

    answer: str
    sources: list[Source]
    abstained: bool
    language: Language = Field(default="de", exclude=True)
    mode: Literal["llm", "extractive"] = Field(default="extractive", exclude=True)
    note: str | None = Field(default=None, exclude=True)
    hits: list[Hit] = Field(default_factory=list, exclude=True)


class Turn(BaseModel):
    """One question and its answer in a conversation."""

    question: str
    answer: str
