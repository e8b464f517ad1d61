"""`clusterbridge ingest --members` and `clusterbridge contacts --json` as an admin runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli

HEADER = "id,name,organization,cluster,role_title,expertise,offers,needs,languages,telegram_username,email,consent_contact,bot_role\n"
ROWS = [
    "av-1,Katrin Vogt,Kabinenwerk,aviation,,Kabinensensorik,Prüfstände für Kabinenelektronik,Testumgebung mit Probanden für Kabinensensorik,de,katrin_vogt,katrin@example.org,true,",
    "he-1,Anna Berg,Klinikum Nord,health,,Studien,Klinische Testflächen und Probandenstudien für Sensorik,Partner für Datenanalyse,de,,anna@example.org,true,",
    "he-2,Geheim Gerda,Klinikum Süd,health,,Studien,Klinische Testflächen für Kabinensensorik und Probanden,Nichts,de,,gerda@example.org,false,",
    "me-1,Ahmet Yilmaz,DataWerk,media,,KI,Machine learning for sensor data,Clinical partners,en,,ahmet@example.org,true,",
]
BAD = [
    ",Ohne Id,Org,aviation,,,,,de,,,true,",  # line 6: no id
    "xx-1,Unbekannt,Org,space,,,,,de,,,true,",  # line 7: unknown cluster
    "av-1,Doppelt,Org,aviation,,,,,de,,,true,",  # line 8: duplicate id
]


def write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


async def test_members_import_contacts_and_updates(tmp_path: Path) -> None:
    env = {"CLUSTERBRIDGE_DATA_DIR": str(tmp_path / "data")}
    members = write(tmp_path / "members.csv", ROWS + BAD)
    code, out, err = await run_cli("ingest", "--members", str(members), **env)
    assert code == 1, err  # some rows failed
    assert "added 4" in out and "failed 3" in out
    assert "line 6: missing id" in err and "line 7 (xx-1)" in err and "unknown cluster" in err
    assert "line 8 (av-1)" in err and "duplicate" in err

    code, out, _ = await run_cli("contacts", "--json", "--member", "av-1", **env)
    assert code == 0
    suggestions = json.loads(out)["suggestions"]
    assert suggestions and set(suggestions[0]) == {"member_id", "name", "cluster", "reason", "score"}
    ids = [s["member_id"] for s in suggestions]
    assert (
        ids[0] == "he-1" and "he-2" not in ids and "av-1" not in ids
    )  # the fit, never without consent, never self
    assert "@" not in out  # no email, no handle

    code, out, _ = await run_cli(
        "contacts", "--json", "--query", "who offers clinical test spaces?", "--cluster", "health", **env
    )
    assert code == 0 and json.loads(out)["suggestions"][-1]["cluster"] == "health"  # own cluster last

    chat = await run_cli(
        "chat", stdin="/contacts klinische Testflächen\nwho could help us test cabin sensors?\n", **env
    )
    code, out, _ = chat
    assert code == 0 and "Anna Berg" in out and "Geheim" not in out and "@" not in out
    assert (
        "Sie suchen" in out and "You are looking for" in out
    )  # both answered with people, in their language

    write(members, [*ROWS[:2], ROWS[3].replace("Machine learning", "Deep learning")])
    code, out, _ = await run_cli("ingest", "--members", str(members), **env)
    assert code == 0 and "added 0, changed 1, unchanged 2, removed 1" in out

    code, _, err = await run_cli("contacts", "--member", "nobody", **env)
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, _, err = await run_cli("members", "unblock", "av-1", **env)
    assert code == 1 and "not blocked" in err


async def test_a_new_index_gets_the_profiles_of_the_state_back(tmp_path: Path) -> None:
    """Moving to a new index (another data dir, or a Chroma server) with the state kept: the next
    `ingest`, even without a members file, fills the profile index from the state."""
    state = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite3'}"}
    code, _, err = await run_cli(
        "ingest", "--members", str(write(tmp_path / "members.csv", ROWS)),
        CLUSTERBRIDGE_DATA_DIR=str(tmp_path / "old"), **state,
    )  # fmt: skip
    assert code == 0, err
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Title: Notiz\n\nDer Hafen testet Drohnen.\n", encoding="utf-8")
    new = {"CLUSTERBRIDGE_DATA_DIR": str(tmp_path / "new"), **state}
    code, _, err = await run_cli("ingest", "--docs", str(docs), **new)
    assert code == 0, err
    code, out, err = await run_cli("contacts", "--json", "--member", "av-1", **new)
    assert code == 0, err
    assert json.loads(out)["suggestions"][0]["member_id"] == "he-1"
