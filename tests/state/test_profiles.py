"""Profiles in the state: imports that keep the member's own edits, /forget and its block, consent
read fresh, and introductions with their status."""

from __future__ import annotations

from datetime import timedelta

from knowledge.profiles import MemberProfile
from knowledge.state import StateStore


def member(member_id: str, **values: object) -> MemberProfile:
    fields: dict[str, object] = {
        "id": member_id,
        "name": f"Name {member_id}",
        "cluster": "aviation",
        "offers": "Kabinensensorik",
        "needs": "Testflächen",
        "consent_contact": True,
        "email": f"{member_id}@example.org",
    }
    return MemberProfile.model_validate(fields | values)


async def test_import_adds_changes_and_removes(store: StateStore) -> None:
    first = await store.profiles.apply_import([member("a"), member("b")])
    assert (first.added, first.changed, first.unchanged, first.removed) == (2, 0, 0, [])
    assert [p.id for p in first.to_index] == ["a", "b"]
    again = await store.profiles.apply_import([member("a"), member("b")])
    assert (again.added, again.changed, again.unchanged, again.to_index) == (0, 0, 2, [])
    third = await store.profiles.apply_import([member("a", offers="Wasserstofftanks")])
    assert (third.changed, third.removed) == (1, ["b"])
    stored = await store.profiles.get("a")
    assert stored is not None and stored.offers == "Wasserstofftanks"
    assert stored.email is not None and stored.email.get_secret_value() == "a@example.org"
    assert await store.profiles.get("b") is None


async def test_member_edits_win_until_the_admin_changes_that_field(store: StateStore) -> None:
    await store.profiles.apply_import([member("a")])
    edited = await store.profiles.edit("a", needs="Drohnenzulassung", consent_contact=False)
    assert edited is not None and edited.needs == "Drohnenzulassung"
    # The admin's file is unchanged: the member's edits stay.
    same = await store.profiles.apply_import([member("a")])
    assert same.unchanged == 1
    kept = await store.profiles.get("a")
    assert kept is not None and kept.needs == "Drohnenzulassung" and not kept.consent_contact
    # The admin changes `needs` (only): the admin's value wins there, the consent edit stays.
    changed = await store.profiles.apply_import([member("a", needs="Prüfstände")])
    assert changed.changed == 1 and changed.to_index[0].needs == "Prüfstände"
    now = await store.profiles.get("a")
    assert now is not None and now.needs == "Prüfstände" and not now.consent_contact


async def test_forget_blocks_later_imports_until_unblocked(store: StateStore) -> None:
    await store.profiles.apply_import([member("a"), member("b")])
    intro = await store.introductions.add(1, "b", "a", "why", via_manager=False)
    assert await store.profiles.forget("a")
    assert await store.profiles.get("a") is None and await store.introductions.get(intro) is None
    blocked = await store.profiles.apply_import([member("a"), member("b")])
    assert blocked.blocked == ["a"] and await store.profiles.get("a") is None
    assert await store.profiles.unblock("a") and not await store.profiles.unblock("a")
    back = await store.profiles.apply_import([member("a"), member("b")])
    assert back.added == 1


async def test_consent_is_read_fresh_and_usernames_are_found(store: StateStore) -> None:
    await store.profiles.apply_import(
        [member("a", telegram_username="Anna_HH"), member("b", consent_contact=False)]
    )
    assert await store.profiles.consenting(["a", "b", "zzz"]) == {"a"}
    await store.profiles.edit("a", consent_contact=False)
    assert await store.profiles.consenting(["a"]) == set()
    found = await store.profiles.by_username("@anna_hh")
    assert found is not None and found.id == "a"


async def test_introductions_are_decided_once_and_expire(store: StateStore) -> None:
    first = await store.introductions.add(7, None, "a", "Sie suchen X", via_manager=False)
    assert (await store.introductions.pending_between(7, "a")) is not None
    decided = await store.introductions.decide(first, "accepted")
    assert decided is not None and decided.status == "accepted" and decided.decided_at is not None
    assert await store.introductions.decide(first, "declined") is None  # decided already
    second = await store.introductions.add(7, None, "b", "Y", via_manager=True)
    assert await store.introductions.count_since(7, decided.created_at - timedelta(seconds=1)) == 2
    assert await store.introductions.expire(timedelta(seconds=-1)) == 1
    expired = await store.introductions.get(second)
    assert expired is not None and expired.status == "expired"
