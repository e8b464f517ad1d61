"""Finding events by text, cluster and period, and answering event questions from the events
themselves ("Welche Veranstaltungen zu Wasserstoff gibt es im März?", "what's on next week?")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from knowledge.catalogue import text
from knowledge.clusters import load_clusters
from knowledge.events import Event, matches, span
from knowledge.models import Answer, Language, Source
from knowledge.periods import Period, find_period
from knowledge.state import StateStore
from knowledge.text import detect_language

EVENT_WORDS = re.compile(
    r"veranstaltung|event|termin|treffen|stammtisch|workshop|konferenz|conference|meetup|messe|"
    r"webinar|seminar|vortrag|talk|what'?s on|was ist los|was läuft|wann ist|when is",
    re.IGNORECASE,
)
NEXT_WORDS = re.compile(r"\b(nächste[nrsm]?|next|upcoming|kommende[nrsm]?)\b", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(welche|gibt|es|zu|zum|zur|im|in|am|an|the|what'?s|what|which|are|there|on|any|is|ist|der|die|das|"
    r"den|dem|wann|when|was|los|events?|veranstaltungen?|termine?|about|for|für|mit|with|of|von|"
    r"nächste[nrsm]?|next|upcoming|kommende[nrsm]?|bitte|please|show|zeig|me|mir|alle|all|und|and|"
    r"war|waren|gab|sind|findet|statt|happening|held|was|were)\b",
    re.IGNORECASE,
)
LIMIT = 8


def is_event_question(question: str) -> bool:
    """True when a question asks about events (by its words, in German or English)."""
    return bool(EVENT_WORDS.search(question))


def select(
    events: Iterable[Event], query: str = "", clusters: Sequence[str] = (), period: Period | None = None
) -> list[Event]:
    """Events matching every word of `query`, in one of `clusters`, overlapping `period`; soonest first."""
    found = []
    for event in events:
        if clusters and event.cluster not in clusters:
            continue
        if period is not None and not (
            event.start < period.end and (event.end or event.start) >= period.start
        ):
            continue
        if query and not matches(event, query):
            continue
        found.append(event)
    return sorted(found, key=lambda event: (event.start, event.id))


def _rest(question: str, period: Period | None, cluster_words: Sequence[str]) -> str:
    rest = question.replace(period.words, " ") if period else question
    for word in cluster_words:
        rest = re.sub(re.escape(word), " ", rest, flags=re.IGNORECASE)
    return " ".join(_FILLER.sub(" ", rest).split()).strip(" ?!.,")


def line(event: Event, language: Language, now: datetime) -> str:
    """One event as a line: date, title, place, link, and "past" when it is over."""
    parts = [f"{span(event, language)}: {event.title}"]
    if event.location:
        parts.append(event.location)
    if event.url:
        parts.append(event.url)
    past = f" ({text(language, 'events.past')})" if event.is_past(now) else ""
    return " – ".join(parts) + past


def answer_event_question(
    question: str, language: Language, now: datetime, events: Sequence[Event], cluster_names: dict[str, str]
) -> Answer | None:
    """An answer listing the events a question asks for, or None when it is no event question."""
    if not is_event_question(question):
        return None
    period = find_period(question, now)
    lowered = question.casefold()
    clusters = [cid for cid, name in cluster_names.items() if cid in lowered or name.casefold() in lowered]
    words = [w for cid in clusters for w in (cid, cluster_names[cid])]
    query = _rest(question, period, words)
    found = select(events, query, clusters, period)
    if period is None and NEXT_WORDS.search(question):
        found = [event for event in found if not event.is_past(now)][:1] or found[-1:]
    if not found and query:
        return None  # nothing by these words: let the documents answer
    head = text(language, "events.found" if found else "events.none")
    body = "\n".join(f"• {line(event, language, now)}" for event in found[:LIMIT])
    sources = [Source(source=f"event:{e.id}", title=e.title, url=e.url) for e in found[:LIMIT]]
    return Answer(answer=f"{head}\n{body}".strip(), sources=sources, abstained=not found, language=language)


async def answer_from_events(
    store: StateStore,
    question: str,
    language: Language | None = None,
    *,
    default: Language = "de",
    now: datetime | None = None,
    cluster_names: dict[str, str] | None = None,
) -> Answer | None:
    """The bot's and the CLI's shared hook: an answer from the stored events (past ones included,
    marked) in `language` (None: the question's own, `default` when unclear), or None when the
    question is about something else (then the documents answer)."""
    if not is_event_question(question):
        return None
    names = cluster_names or {cluster.id: cluster.name for cluster in load_clusters()}
    events = await store.events.between()
    asked = language or detect_language(question, default)
    return answer_event_question(question, asked, now or datetime.now(UTC), events, names)
