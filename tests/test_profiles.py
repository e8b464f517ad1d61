"""Clusters and member profiles: the contract's files parsed into typed objects and row errors by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.clusters import (
    DEFAULT_CLUSTERS,
    Cluster,
    ClusterError,
    cluster_ids,
    load_clusters,
    parse_clusters,
)
from knowledge.profiles import (
    MemberProfile,
    ProfileError,
    load_members,
    parse_members_csv,
    parse_members_yaml,
)

ROOT = Path(__file__).resolve().parent.parent
HAMBURG = {"aviation", "lifescience", "logistics", "maritime", "renewables", "creative", "media", "health"}
HEADER = "id,name,organization,cluster,role_title,expertise,offers,needs,languages,telegram_username,email,consent_contact,bot_role\n"


def test_default_clusters_are_the_eight_hamburg_clusters_in_german() -> None:
    assert cluster_ids(DEFAULT_CLUSTERS) == HAMBURG
    assert cluster_ids(load_clusters()) == HAMBURG
    aviation = next(c for c in DEFAULT_CLUSTERS if c.id == "aviation")
    assert aviation.description == "Luftfahrtcluster der Metropolregion Hamburg"
    assert "Kabine" in aviation.topics


def test_sample_clusters_file_matches_the_default() -> None:
    loaded = load_clusters(ROOT / "sample" / "clusters.yaml")
    assert [c.id for c in loaded] == [c.id for c in DEFAULT_CLUSTERS]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("clusters: [", "not valid YAML"),
        ("other: []", "no `clusters:` list"),
        ("clusters: []", "non-empty list"),
        ("clusters:\n  - id: Aviation\n    name: A\n", "[a-z0-9-]+"),
        ("clusters:\n  - id: a\n    name: A\n  - id: a\n    name: B\n", "duplicate id 'a'"),
        ("clusters:\n  - id: a\n", "cluster #1: name"),
        ("clusters:\n  - id: a\n    name: A\n    topics: Luftfahrt\n", "topics must be a list"),
        ("clusters:\n  - just-a-string\n", "not a mapping"),
    ],
)
def test_broken_clusters_files_fail_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ClusterError, match=None) as caught:
        parse_clusters(text, "c.yaml")
    assert message in str(caught.value) and str(caught.value).startswith("c.yaml")


def test_missing_clusters_file(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="no such file"):
        load_clusters(tmp_path / "nope.yaml")


def test_sample_members_cover_the_contract() -> None:
    result = load_members(ROOT / "sample" / "members.csv")
    assert not result.errors
    profiles = result.profiles
    assert 35 <= len(profiles) <= 50
    assert {p.cluster for p in profiles} == HAMBURG
    assert any(not p.consent_contact for p in profiles)
    assert any(p.telegram_username is None for p in profiles)
    assert sum(p.bot_role == "admin" for p in profiles) == 1
    assert sum(p.bot_role == "manager" for p in profiles) >= 3
    assert {"de", "en"} <= {lang for p in profiles for lang in p.languages}
    assert all(p.email and p.email.get_secret_value().endswith("@example.org") for p in profiles)


def test_rows_that_break_the_rules_are_reported_by_line_and_skipped() -> None:
    text = HEADER + (
        "m1,Anna,Org,aviation,,a; b,Offer,Need,de;en,anna_a,anna@example.org,true,manager\n"  # 2: good
        ",No Id,Org,aviation,,,,,de,,,true,\n"  # 3
        "m2,,Org,aviation,,,,,de,,,true,\n"  # 4
        "m3,Cara,Org,space,,,,,de,,,true,\n"  # 5
        "m1,Anna Again,Org,health,,,,,de,,,true,\n"  # 6
        "m4,Dora,Org,health,,,,,fr,,,true,\n"  # 7
        "\n"  # 8: blank lines are skipped, not errors
        'm5,Emil,Org,health,,,"a long offer\nover two lines",,de,,,maybe,\n'  # 9-10
        "m6,Fritz,Org,health,,,,,de,,,true,boss\n"  # 11
        "m7,Gina,Org,health,,,,,de,no spaces allowed,,true,\n"  # 12
        "m8,Hans,Org,health,,,,,de,,not-an-email,true,\n"  # 13
        "m9,Ida,Org,health,,,,,de,,,true,,extra\n"  # 14
        "m10,Jan,Org,media,,,,,,@jan_media,,,\n"  # 15: good (leading @ dropped, empty = defaults)
    )
    result = parse_members_csv(text, source="members.csv")
    assert [p.id for p in result.profiles] == ["m1", "m10"]
    errors = {error.line: error for error in result.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 9, 11, 12, 13, 14]
    assert errors[3].reason == "missing id"
    assert errors[4].reason == "missing name" and errors[4].member_id == "m2"
    assert "unknown cluster 'space'" in errors[5].reason
    assert errors[6].reason == "duplicate id (first on line 2)"
    assert "unknown language 'fr'" in errors[7].reason
    assert errors[9].reason == "consent_contact must be true or false"
    assert errors[11].reason == "bot_role must be member, manager or admin"
    assert "telegram_username is not a Telegram username" in errors[12].reason
    assert errors[13].reason == "email is not an email address"
    assert "cells" in errors[14].reason
    assert str(errors[3]) == "line 3: missing id"
    jan = result.profiles[1]
    assert jan.telegram_username == "jan_media"
    assert (jan.consent_contact, jan.bot_role, jan.languages) == (False, "member", ())
    anna = result.profiles[0]
    assert anna.expertise == ("a", "b") and anna.languages == ("de", "en") and anna.bot_role == "manager"


def test_unknown_cluster_is_checked_against_the_loaded_clusters() -> None:
    clusters = [Cluster(id="space", name="Space Cluster")]
    text = HEADER + "m1,Anna,,space,,,,,,,,true,\nm2,Bert,,aviation,,,,,,,,true,\n"
    result = parse_members_csv(text, clusters)
    assert [p.id for p in result.profiles] == ["m1"]
    assert result.errors[0].line == 3 and "unknown cluster 'aviation'" in result.errors[0].reason


def test_a_header_without_required_columns_fails_the_file() -> None:
    with pytest.raises(ProfileError, match="lacks the column"):
        parse_members_csv("id,organization\nm1,Org\n", source="m.csv")


def test_yaml_list_form_with_line_numbers(tmp_path: Path) -> None:
    text = (
        "members:\n"
        "  - id: m1\n"  # 2
        "    name: Anna\n"
        "    cluster: health\n"
        "    expertise: [Studien, Probanden]\n"
        "    languages: [de, en]\n"
        "    consent_contact: true\n"
        "  - id: m2\n"  # 8
        "    cluster: health\n"
        "  - id: 17\n"  # 10: numbers are ids too
        "    name: Zahl\n"
        "    cluster: media\n"
        "    consent_contact: false\n"
    )
    path = tmp_path / "members.yaml"
    path.write_text(text, encoding="utf-8")
    result = load_members(path)
    assert [p.id for p in result.profiles] == ["m1", "17"]
    assert result.profiles[0].expertise == ("Studien", "Probanden")
    assert result.profiles[0].consent_contact is True
    assert [(e.line, e.reason) for e in result.errors] == [(8, "missing name")]
    bare = parse_members_yaml("- {id: a, name: A, cluster: media}\n- [not, a, mapping]\n")
    assert [p.id for p in bare.profiles] == ["a"] and bare.errors[0].line == 2


def test_email_is_private_in_every_representation() -> None:
    profile = MemberProfile.model_validate(
        {"id": "m1", "name": "Anna", "cluster": "health", "email": "anna.secret@example.org"}
    )
    for shown in (repr(profile), str(profile), profile.model_dump_json(), str(profile.public_dict())):
        assert "anna.secret" not in shown
    assert profile.email is not None and profile.email.get_secret_value() == "anna.secret@example.org"
    misplaced = (  # an email in the wrong column is not echoed either
        "m1,Anna,,health,,,,,,,anna.secret@@example,true,\n"
        "m2,Bert,,anna.secret@example.org,,,,,,,,true,\n"
        "m3,Cara,,health,,,,,anna.secret@example.org,,,true,\n"
        "m4,Dora,,health,,,,,,anna.secret@example.org,,true,\n"
    )
    result = parse_members_csv(HEADER + misplaced)
    assert len(result.errors) == 4
    assert all("anna.secret" not in str(error) for error in result.errors)


def test_content_hash_is_stable_and_sees_every_field() -> None:
    base = {"id": "m1", "name": "Anna", "cluster": "health", "offers": "Studien", "email": "a@example.org"}
    first = MemberProfile.model_validate(base)
    assert first.content_hash() == MemberProfile.model_validate(dict(base)).content_hash()
    for change in ({"offers": "Studien!"}, {"email": "b@example.org"}, {"consent_contact": True}):
        assert MemberProfile.model_validate({**base, **change}).content_hash() != first.content_hash()


def test_unreadable_members_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such file"):
        load_members(tmp_path / "missing.csv")
    binary = tmp_path / "members.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_members(binary)
