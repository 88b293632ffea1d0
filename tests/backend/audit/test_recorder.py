"""The recorder on a bare session factory (both databases): what is written for a create, an update and a
delete, what is never written (secrets, sessions without an actor, sign-in tables), and the scope."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update

from backend.audit import recorder
from backend.audit.actor import ActingSessions, Actor, act_as
from backend.auth.secrets import hash_secret
from backend.db.models_access import AuthSession
from backend.db.models_audit import AuditEvent
from backend.db.models_chain import Collection, Municipality
from backend.db.models_perks import Perk, Venue, VenueAccount

ALICE = Actor("staff", 7, "alice", "192.0.2.10", "PATCH /staff/perks/{perk_id}")


@pytest.fixture
def sessions(db_sessions):
    recorder.install(db_sessions)
    with db_sessions() as s:
        town = Municipality(slug="mine-city", name_ja="美祢市", name_en="Mine City")
        s.add(town)
        s.flush()
        s.add(Collection(municipality_id=town.id, chain_id=1, address="0x" + "1" * 40, symbol="MINE", name_ja="美祢",
                         name_en="Mine", soulbound=True, deploy_block=1, indexed_block=0))
        s.commit()
    return db_sessions


def logged(sessions) -> list[AuditEvent]:
    with sessions() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_create_update_delete_with_before_and_after(sessions):
    with sessions() as s:
        act_as(s, ALICE)
        collection_id = s.scalar(select(Collection.id))
        perk = Perk(collection_id=collection_id, name_ja="入場", name_en="Entry", kind="venue_entry", limit_count=1,
                    limit_period="day")
        s.add(perk)
        s.commit()
        perk.name_en, perk.limit_count = "Free entry", 2
        perk.min_tier = perk.min_tier  # assigned, not changed: not an entry
        s.commit()
        s.delete(perk)
        s.commit()
    created, changed, deleted = logged(sessions)
    town = created.municipality_id
    assert town is not None and {created.municipality_id, changed.municipality_id, deleted.municipality_id} == {town}
    assert (created.action, created.object_type, created.actor_name, created.client_address) == (
        "create", "perks", "alice", "192.0.2.10")
    assert created.changes["name_en"] == [None, "Entry"] and created.object_id == changed.object_id
    assert changed.changes == {"name_en": ["Entry", "Free entry"], "limit_count": [1, 2]}
    assert deleted.action == "delete" and deleted.changes["name_en"] == ["Free entry", None]


def test_an_old_value_never_loaded_is_read_from_the_row(sessions):
    with sessions() as s:
        venue = Venue(municipality_id=s.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave")
        s.add(venue)
        s.commit()
        venue_id = venue.id
    with sessions() as s:
        act_as(s, ALICE)
        venue = s.get(Venue, venue_id)
        s.expire(venue)  # as after write_transaction's restart
        venue.name_en = "Akiyoshi-do"
        s.commit()
    (event,) = logged(sessions)
    assert event.changes == {"name_en": ["Cave", "Akiyoshi-do"]}


def test_secrets_and_sign_ins_are_not_written_and_no_actor_means_no_entry(sessions):
    with sessions() as s:
        venue = Venue(municipality_id=s.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave")
        s.add(venue)  # no actor (the indexer, a job): nothing recorded
        s.commit()
        act_as(s, ALICE)
        account = VenueAccount(venue_id=venue.id, login="desk", password_hash=hash_secret("a-long-password-1"))
        s.add(account)
        s.add(AuthSession(kind="venue", subject="1", token_digest="d" * 64, expires_at=2**40))
        s.commit()
        account.password_hash = hash_secret("another-password-2")
        s.commit()
    events = logged(sessions)
    assert [(e.action, e.object_type) for e in events] == [("create", "venue_accounts"), ("update", "venue_accounts")]
    assert events[0].changes["password_hash"] == "(changed)" and events[1].changes == {"password_hash": "(changed)"}
    assert "scrypt" not in str([e.changes for e in events])
    assert events[0].municipality_id == venue.municipality_id  # through the account's venue


def test_a_rolled_back_change_leaves_no_entry_and_sessions_opened_for_the_actor_carry_it(sessions):
    with sessions() as s:
        act_as(s, ALICE)
        s.add(Venue(municipality_id=s.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave"))
        s.flush()
        s.rollback()
    assert logged(sessions) == []
    with sessions() as request:
        act_as(request, ALICE)
        with ActingSessions(sessions, request.info)() as own:
            own.add(Venue(municipality_id=own.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave"))
            own.commit()
    (event,) = logged(sessions)
    assert event.actor_name == "alice" and event.object_type == "venues"


def test_the_database_refuses_update_and_delete(sessions):
    with sessions() as s:
        act_as(s, ALICE)
        s.add(Venue(municipality_id=s.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave"))
        s.commit()
    for statement in (update(AuditEvent).values(actor_name="mallory"), text("DELETE FROM audit_events")):
        with sessions() as s, pytest.raises(Exception, match="append-only"):
            s.execute(statement)
            s.commit()
    (event,) = logged(sessions)
    assert event.actor_name == "alice"


def test_bulk_statements_through_the_session_are_recorded_row_by_row(sessions):
    from backend.db.models_perks import PerkVenue

    with sessions() as s:
        act_as(s, ALICE)
        collection_id = s.scalar(select(Collection.id))
        venue = Venue(municipality_id=s.scalar(select(Municipality.id)), name_ja="洞", name_en="Cave")
        perk = Perk(collection_id=collection_id, name_ja="入場", name_en="Entry", kind="venue_entry", limit_count=1,
                    limit_period="day")
        s.add_all([venue, perk])
        s.flush()
        s.add(PerkVenue(perk_id=perk.id, venue_id=venue.id))
        s.commit()
        first = s.scalar(select(func.max(AuditEvent.id)))
        s.execute(update(Perk).where(Perk.id == perk.id).values(name_en="Free entry", limit_count=Perk.limit_count + 1))
        s.execute(delete(PerkVenue).where(PerkVenue.perk_id == perk.id))
        s.execute(update(Perk).where(Perk.id == -1).values(name_en="nothing"))  # touches no row: no entry
        s.commit()
        town = venue.municipality_id
    events = [e for e in logged(sessions) if e.id > first]
    assert [(e.action, e.object_type) for e in events] == [("update", "perks"), ("delete", "perk_venues")]
    changed, removed = events
    assert changed.changes["name_en"] == ["Entry", "Free entry"]
    assert changed.changes["limit_count"][0] == 1 and "limit_count" in changed.changes["limit_count"][1]
    assert removed.changes == {"perk_id": [perk.id, None], "venue_id": [venue.id, None]}
    assert changed.municipality_id == removed.municipality_id == town  # perk → collection; perk_venue → perk


def test_long_values_are_summarised_not_copied():
    assert recorder._plain(list(range(10_000))) == "(10000 items)"
    assert recorder._plain("x" * 2000) == "x" * recorder.MAX_VALUE_CHARS + "…"
    assert recorder._plain([1, 2, 3]) == [1, 2, 3] and recorder._plain(b"\x01") == "0x01"
    assert recorder.is_secret("totp_secret_sealed") and recorder.is_secret("key_digest")
    assert not recorder.is_secret("tx_hash") and not recorder.is_secret("name_en")
