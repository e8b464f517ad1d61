"""Events: YAML and .ics parsing with positions, periods in German and English, event answers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from knowledge.clusters import cluster_ids, default_clusters
from knowledge.event_answers import answer_event_question
from knowledge.events import BERLIN, load, parse_ics, to_ics
from knowledge.periods import find_period

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=BERLIN)
CLUSTERS = cluster_ids(default_clusters())
NAMES = {c.id: c.name for c in default_clusters()}
SAMPLE = load(Path(__file__).resolve().parent.parent / "sample" / "events.yaml", CLUSTERS)


def test_sample_parses_and_ics_round_trips() -> None:
    assert len(SAMPLE.events) == 13 and not SAMPLE.problems
    again = parse_ics(to_ics(SAMPLE.events), CLUSTERS)
    assert [(e.title, e.start, e.cluster) for e in again.events] == [
        (e.title, e.start, e.cluster) for e in SAMPLE.events
    ]


def test_periods_in_both_languages() -> None:
    march = find_period("Welche Veranstaltungen gibt es im März?", NOW)
    assert march is not None and (march.start.month, march.end.month) == (3, 4)
    week = find_period("what's on next week?", NOW)
    assert week is not None and week.start.day == 15 and (week.end - week.start).days == 7
    assert find_period("Wann ist der nächste Stammtisch?", NOW) is None


def test_event_questions_are_answered_from_the_events() -> None:
    hydrogen = answer_event_question(
        "Welche Veranstaltungen zu Wasserstoff gibt es im März?", "de", NOW, SAMPLE.events, NAMES
    )
    assert hydrogen is not None and "Wasserstoff in der Luftfahrt" in hydrogen.answer
    assert "Maritimer Wasserstoff-Dialog" in hydrogen.answer and "Offshore" not in hydrogen.answer
    logistics = answer_event_question("what's on in March in logistics?", "en", NOW, SAMPLE.events, NAMES)
    assert logistics is not None and "Supply Chain" in logistics.answer and "Pitch" not in logistics.answer
    later = datetime(2027, 4, 1, tzinfo=BERLIN)
    nxt = answer_event_question("Wann ist der nächste Stammtisch?", "de", later, SAMPLE.events, NAMES)
    assert nxt is not None and "Kabinen-Innovationen Stammtisch" in nxt.answer
    past = answer_event_question("Wann war der Medizintechnik Stammtisch?", "de", NOW, SAMPLE.events, NAMES)
    assert past is not None and "vergangen" in past.answer
    assert answer_event_question("Was macht Hamburg Aviation?", "de", NOW, SAMPLE.events, NAMES) is None
