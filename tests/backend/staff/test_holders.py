"""Holders in the console on anvil: search by resident number, card number and wallet (paged), a card's page
with its history newest first in Japan dates, revoke with a reason and re-issue to a new wallet sent with
the issuer key (queued → mined → indexed), what a failed transaction says, and who may do what: a viewer
reads, an editor acts, another municipality's staff get 403 on this town's paths and 404 for its cards."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from backend.auth.staff import create_staff, grant_role
from backend.db.models_audit import AuditEvent
from backend.db.models_chain import Municipality
from backend.db.models_civic import InactivityNotice
from backend.db.models_holders import CardAction
from backend.db.models_perks import Perk, Redemption, Venue
from backend.db.models_residency import Activity, CheckIn
from backend.errors import Refusal
from backend.perks.rules import japan_date
from backend.staff import card_actions
from tests.backend.access_setup import assert_error
from tests.backend.civic_setup import new_town
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.perks_setup import STAFF_PASSWORD

DAY = 86_400


@pytest.fixture
def settings(settings):
    """The deployer (anvil key 0) holds ISSUER_ROLE on the test cards: it is the backend's issuer here."""
    return settings.model_copy(update={"issuer_key": SecretStr(ANVIL_KEYS[0])})


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    return new_town(chain_with_collection, client, app, sync_index)


def login(client, app, username: str, municipality_id: int, role: str) -> dict:
    with app.state.services.session_factory() as db:
        account = create_staff(db, username, STAFF_PASSWORD)
        grant_role(db, account.id, municipality_id, role)
        db.commit()
    r = client.post("/staff/login", json={"login": username, "password": STAFF_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def find(client, town, q="", **params):
    r = client.get(f"/staff/municipalities/{town.mid}/cards", params={"q": q, **params}, headers=town.staff)
    assert r.status_code == 200, r.text
    return r.json()


def card_page(client, town, card_id, headers=None):
    r = client.get(f"/staff/municipalities/{town.mid}/cards/{card_id}", headers=headers or town.staff)
    assert r.status_code == 200, r.text
    return r.json()


def test_search_pages_and_a_cards_history_newest_first(client, app, town, sync_index):
    chain, col = town.chain, town.col
    alice, bob, carol = chain.new_holder(), chain.new_holder(), chain.new_holder()
    first = col.issue(alice.address)
    others = [col.issue(chain.new_holder().address) for _ in range(4)]
    col.set_tier(first, 1)
    col.set_expiry(first, chain.now() + 400 * DAY)
    col.transfer(first, bob.address)  # a tradable town: alice's card moves to bob
    sync_index()

    everyone = find(client, town, per_page=2)
    assert everyone["total"] == 5 and len(everyone["items"]) == 2 and everyone["page"] == 1
    assert [c["token_id"] for c in everyone["items"]] == [others[-1], others[-2]]  # newest first
    last = find(client, town, per_page=2, page=3)
    assert [c["token_id"] for c in last["items"]] == [first]
    by_wallet = find(client, town, bob.address.lower())
    assert [c["token_id"] for c in by_wallet["items"]] == [first] and by_wallet["items"][0]["owner"] == bob.address
    assert find(client, town, carol.address)["total"] == 0
    number = by_wallet["items"][0]["resident_number"]
    assert first in [c["token_id"] for c in find(client, town, f"#{number}")["items"]]
    assert [c["token_id"] for c in find(client, town, str(others[0]))["items"]] == [others[0]]
    bad = client.get(f"/staff/municipalities/{town.mid}/cards", params={"q": "0x12"}, headers=town.staff)
    assert_error(bad, 422, "holder_search_invalid")

    card_id = by_wallet["items"][0]["card_id"]
    now = chain.now()  # the chain's clock, which other tests move: the rows below come after its events
    with app.state.services.session_factory() as db:  # what the desk, check-in and inactivity jobs leave
        activity = Activity(municipality_id=town.mid, title_ja="棚田の草刈り", title_en="Terrace mowing")
        venue = Venue(municipality_id=town.mid, name_ja="秋芳洞", name_en="Akiyoshi Cave")
        perk = Perk(collection_id=town.cid, name_ja="入洞無料", name_en="Free entry", kind="venue_entry")
        db.add_all([activity, venue, perk])
        db.flush()
        db.add_all([
            CheckIn(activity_id=activity.id, card_id=card_id, municipality_id=town.mid, holder=bob.address,
                    day=japan_date(now + 2 * DAY), checked_in_at=now + 2 * DAY),
            Redemption(pass_id="ab" * 16, perk_id=perk.id, card_id=card_id, venue_id=venue.id, holder=bob.address,
                       redeemed_at=now + 3 * DAY, day=japan_date(now + 3 * DAY)),
            InactivityNotice(municipality_id=town.mid, card_id=card_id, address=bob.address, last_active_at=now,
                             noticed_at=now + 4 * DAY, deadline_at=now + 64 * DAY, status="cancelled")])
        db.commit()

    page = card_page(client, town, card_id)
    assert page["card"]["tier"] == 1 and page["card"]["owner"] == bob.address and page["action"] is None
    kinds = [e["kind"] for e in page["history"]]
    assert kinds == ["notice", "redemption", "checkin", "transfer", "expiry", "tier", "issued"], kinds
    times = [e["at"] for e in page["history"]]
    assert times == sorted(times, reverse=True)
    assert all(e["date"] == japan_date(e["at"]) for e in page["history"])
    by_kind = {e["kind"]: e for e in page["history"]}
    assert by_kind["transfer"]["from"] == alice.address and by_kind["transfer"]["to"] == bob.address
    assert by_kind["issued"]["to"] == alice.address and by_kind["tier"]["tier"] == 1
    assert by_kind["redemption"]["venue_en"] == "Akiyoshi Cave" and by_kind["checkin"]["name_ja"] == "棚田の草刈り"
    assert by_kind["notice"]["status"] == "cancelled" and by_kind["notice"]["deadline"] == japan_date(now + 64 * DAY)


def follow(client, town, action_id, headers=None):
    r = client.get(f"/staff/municipalities/{town.mid}/card-actions/{action_id}", headers=headers or town.staff)
    assert r.status_code == 200, r.text
    return r.json()


def test_revoke_with_a_reason_and_reissue_to_a_new_wallet(client, app, town, sync_index):
    chain, col = town.chain, town.col
    holder, lost, found, other = (chain.new_holder() for _ in range(4))
    revoked, moved, spare = col.issue(holder.address), col.issue(lost.address, tier=1), col.issue(other.address)
    sync_index()
    ids = {c["token_id"]: c["card_id"] for c in find(client, town)["items"]}
    editor = login(client, app, f"editor{town.mid}", town.mid, "staff")

    r = client.post(f"/staff/municipalities/{town.mid}/cards/{ids[revoked]}/revoke", headers=editor,
                    json={"reason": "  本人から\x00 退会の申し出 \n "})  # NUL: PostgreSQL refuses it in text
    assert r.status_code == 202, r.text
    assert r.json()["step"] == "queued" and r.json()["staff_name"] == f"editor{town.mid}"
    action = follow(client, town, r.json()["id"])  # the transaction was sent after the answer
    assert action["step"] in ("mined", "indexed") and action["tx_hash"] and action["reason"] == "本人から 退会の申し出"
    sync_index()
    assert follow(client, town, action["id"])["step"] == "indexed"
    page = card_page(client, town, ids[revoked])
    assert page["card"]["status"] == "revoked" and page["action"]["id"] == action["id"]
    # (chain time and wall time are compared here: other tests move anvil's clock, so no order between them)
    entries = {e["kind"]: e for e in page["history"]}
    assert entries["revoked"]["tx_hash"] == action["tx_hash"]
    assert entries["action"]["reason"] == "本人から 退会の申し出" and entries["action"]["status"] == "mined"
    assert col.contract.functions.balanceOf(holder.address).call() == 0
    again = client.post(f"/staff/municipalities/{town.mid}/cards/{ids[revoked]}/revoke", headers=editor,
                        json={"reason": "twice"})
    assert_error(again, 409, "card_not_active")
    with app.state.services.session_factory() as db:  # who, when, why: the audit log has the request too
        audited = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "card_actions",
                                                      AuditEvent.action == "create")).all()
        sent = db.scalars(select(AuditEvent).where(AuditEvent.object_id == action["tx_hash"])).all()
    assert any(e.actor_name == f"editor{town.mid}" and e.municipality_id == town.mid
               and e.changes.get("reason", [None, None])[1] == "本人から 退会の申し出" for e in audited)
    assert [e.changes.get("function") for e in sent] == ["revoke"] and sent[0].actor_name == f"editor{town.mid}"

    path = f"/staff/municipalities/{town.mid}/cards/{ids[moved]}/reissue"
    assert_error(client.post(path, headers=editor, json={"reason": "lost", "new_owner": lost.address}), 422,
                 "reissue_same_wallet")
    assert_error(client.post(path, headers=editor, json={"reason": "lost", "new_owner": other.address}), 409,
                 "reissue_receiver_holds_card")
    r = client.post(path, headers=editor, json={"reason": "スマートフォンを紛失", "new_owner": found.address.lower()})
    assert r.status_code == 202, r.text
    sync_index()
    action = follow(client, town, r.json()["id"])
    assert action["step"] == "indexed" and action["new_owner"] == found.address and action["new_token_id"] > spare
    old, new = card_page(client, town, ids[moved]), card_page(client, town, action["new_card_id"])
    assert old["card"]["status"] == "reissued" and old["card"]["replaced_by"] == action["new_token_id"]
    assert new["card"]["owner"] == found.address and new["card"]["tier"] == 1
    assert new["card"]["resident_number"] == old["card"]["resident_number"]
    assert new["history"][-1]["kind"] == "reissued_from" and new["history"][-1]["old_token_id"] == moved
    numbered = find(client, town, str(old["card"]["resident_number"]))["items"]
    assert {c["token_id"] for c in numbered} >= {moved, action["new_token_id"]}


def test_a_failed_transaction_says_what_to_do_and_the_service_runs_outside_a_request(client, app, town, sync_index):
    col = town.col
    token = col.issue(town.chain.new_holder().address)
    sync_index()
    card_id = find(client, town)["items"][0]["card_id"]
    col._send(col.contract.functions.pause())  # the contract refuses every change while paused
    r = client.post(f"/staff/municipalities/{town.mid}/cards/{card_id}/revoke", headers=town.staff,
                    json={"reason": "test"})
    assert r.status_code == 202, r.text
    action = follow(client, town, r.json()["id"])
    assert action["step"] == "failed" and action["error_code"] == "card_action_paused" and not action["tx_hash"]
    assert "Resume it, then try again" in action["message_en"] and "停止を解除" in action["message_ja"]
    col._send(col.contract.functions.unpause())

    # the service, as code outside a request calls it (issue 14's recovery); the failed action no longer
    # blocks the card
    services = app.state.services
    redo = dict(session_factory=services.session_factory, issuer=services.issuer,
                deployments_dir=services.settings.deployments_dir)
    wallet = town.chain.new_holder().address
    got = card_actions.reissue_card(**redo, card_id=card_id, new_owner=wallet, reason="passkey lost")
    assert got["step"] in ("mined", "indexed") and got["staff_name"] == "system" and got["staff_id"] is None
    assert col.contract.functions.ownerOf(got["new_token_id"]).call() == wallet and got["new_token_id"] > token
    sync_index()
    with pytest.raises(Refusal) as refused:
        card_actions.reissue_card(**redo, card_id=card_id, new_owner=town.chain.new_holder().address, reason="x")
    assert refused.value.code == "card_not_active"


def test_roles_and_other_municipalities(client, app, town, sync_index):
    token = town.col.issue(town.chain.new_holder().address)
    sync_index()
    card_id = find(client, town)["items"][0]["card_id"]
    base = f"/staff/municipalities/{town.mid}"
    viewer = login(client, app, f"viewer{town.mid}", town.mid, "viewer")
    assert client.get(f"{base}/cards", headers=viewer).status_code == 200
    assert card_page(client, town, card_id, viewer)["card"]["token_id"] == token
    assert_error(client.post(f"{base}/cards/{card_id}/revoke", headers=viewer, json={"reason": "no"}), 403,
                 "role_required")
    assert_error(client.post(f"{base}/cards/{card_id}/reissue", headers=viewer,
                             json={"reason": "no", "new_owner": "0x" + "1" * 40}), 403, "role_required")
    client.cookies.clear()  # the sign-ins above left a session cookie; the rest use bearer tokens
    assert client.get(f"{base}/cards").status_code == 401

    with app.state.services.session_factory() as db:
        elsewhere = Municipality(slug=f"elsewhere-{town.mid}", name_ja="他町", name_en="Elsewhere")
        db.add(elsewhere)
        db.commit()
        other_id = elsewhere.id
    stranger = login(client, app, f"stranger{town.mid}", other_id, "admin")
    for method, path, body in [("get", f"{base}/cards", None), ("get", f"{base}/cards/{card_id}", None),
                               ("post", f"{base}/cards/{card_id}/revoke", {"reason": "no"})]:
        assert_error(client.request(method, path, headers=stranger, json=body), 403, "role_required")
    theirs = f"/staff/municipalities/{other_id}"
    assert client.get(f"{theirs}/cards", headers=stranger).json()["total"] == 0
    assert_error(client.get(f"{theirs}/cards/{card_id}", headers=stranger), 404, "card_not_found")
    for action in ("revoke", "reissue"):
        r = client.post(f"{theirs}/cards/{card_id}/{action}", headers=stranger,
                        json={"reason": "no", **({"new_owner": "0x" + "1" * 40} if action == "reissue" else {})})
        assert_error(r, 404, "card_not_found")
    with app.state.services.session_factory() as db:  # a revoke mined in a block the index has not reached
        pending = CardAction(municipality_id=town.mid, card_id=card_id, kind="revoke", reason="r", staff_name="x",
                             status="mined", block_number=10**12, requested_at=1, updated_at=1)
        db.add(pending)
        db.commit()
    assert_error(client.post(f"{base}/cards/{card_id}/revoke", headers=town.staff, json={"reason": "again"}), 409,
                 "card_action_in_progress")
    assert follow(client, town, pending.id)["step"] == "mined"
    assert_error(client.get(f"{theirs}/card-actions/{pending.id}", headers=stranger), 404, "card_action_not_found")
