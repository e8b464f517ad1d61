"""`clusterbridge ask --json` answers event questions from the events ingested with `ingest --events`
("im März", "next week" and a cluster), with each event's date, place and link as the answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers import run_cli


def _events_file(folder: Path) -> Path:
    now = datetime.now(UTC)
    next_week = (now + timedelta(days=9 - now.weekday())).replace(hour=10, minute=0, second=0, microsecond=0)
    path = folder / "events.yaml"
    path.write_text(
        f"""events:
  - title: Wasserstoff in der Luftfahrt
    cluster: aviation
    start: {now.year + 1}-03-04T18:00:00+01:00
    location: ZAL TechCenter, Hamburg
    url: https://example.org/events/h2
  - title: Wasserstoff-Tankstellen
    cluster: renewables
    start: {now.year + 1}-05-04T18:00:00+02:00
  - title: Supply Chain Resilience Workshop
    cluster: logistics
    start: {next_week.isoformat()}
    location: Wexstraße 7
  - title: Port Talk
    cluster: maritime
    start: {next_week.isoformat()}
""",
        encoding="utf-8",
    )
    return path


async def test_ask_answers_event_questions_from_the_events(tmp_path: Path) -> None:
    env = {"CLUSTERBRIDGE_DATA_DIR": str(tmp_path / "data")}
    code, _out, err = await run_cli("ingest", "--events", str(_events_file(tmp_path)), **env)
    assert code == 0, err
    code, out, err = await run_cli(
        "ask", "--json", "Welche Veranstaltungen zu Wasserstoff gibt es im März?", **env
    )
    assert code == 0, err
    german = json.loads(out)
    assert "Wasserstoff in der Luftfahrt" in german["answer"] and "04.03." in german["answer"]
    assert "ZAL TechCenter" in german["answer"] and "Tankstellen" not in german["answer"]
    assert german["sources"][0]["url"] == "https://example.org/events/h2" and not german["abstained"]
    code, out, err = await run_cli("ask", "--json", "what's on next week in logistics?", **env)
    assert code == 0, err
    english = json.loads(out)
    assert "Supply Chain Resilience Workshop" in english["answer"] and "Port Talk" not in english["answer"]
    assert english["answer"].startswith("These are the events I found")


async def test_chat_answers_several_event_questions_in_one_session(tmp_path: Path) -> None:
    env = {"CLUSTERBRIDGE_DATA_DIR": str(tmp_path / "data")}
    code, _out, err = await run_cli("ingest", "--events", str(_events_file(tmp_path)), **env)
    assert code == 0, err
    questions = "Welche Veranstaltungen zu Wasserstoff gibt es im März?\nwhat's on next week in logistics?\n"
    code, out, err = await run_cli("chat", stdin=questions, **env)
    assert code == 0, err
    assert "Wasserstoff in der Luftfahrt" in out and "Supply Chain Resilience Workshop" in out
    assert out.index("Wasserstoff in der Luftfahrt") < out.index("Supply Chain Resilience Workshop")
