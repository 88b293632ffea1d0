"""The audit log over HTTP on a real chain and index: a staff perk edit (who, when, from where, before →
after), a venue's redemption, a transaction sent for a staff action (its hash), and who may read the log."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import text

from tests.backend.access_setup import assert_error
from tests.backend.campaigns.test_api import campaign_body, minters, settings  # noqa: F401  (fixtures)
from tests.backend.perks_setup import municipality_id_of, staff_headers
from tests.backend.venues.test_api import get_pass, town  # noqa: F401  (fixture)


def audit(client, world, **filters):
    r = client.get(f"/staff/municipalities/{world['mid']}/audit", params=filters, headers=world["staff"])
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def world(client, app, town):  # noqa: F811
    """The venue tests' town (made by the superuser "admin"), and a second superuser, "auditor", acting."""
    return {**town, "mid": municipality_id_of(app, town["col"]), "staff": staff_headers(client, app, "auditor")}


def test_a_perk_edit_records_who_when_where_and_before_after(client, world):
    r = client.patch(f"/staff/perks/{world['perk']}", headers=world["staff"],
                     json={"name_en": "Cave entry (new name)", "limit_count": 3})
    assert r.status_code == 200, r.text
    events = audit(client, world, object_type="perks", action="update")["events"]
    assert len(events) == 1
    event = events[0]
    assert event["actor_kind"] == "staff" and event["actor_name"] == "auditor" and event["actor_id"] > 0
    assert event["client_address"] == "testclient"
    assert event["route"] == "PATCH /staff/perks/{perk_id}"
    assert event["object_id"] == str(world["perk"]) and event["municipality_id"] == world["mid"]
    assert event["changes"] == {"name_en": ["Akiyoshi-do free entry", "Cave entry (new name)"],
                                "limit_count": [5, 3]}
    # newest first, and the filters narrow it
    everything = audit(client, world)["events"]
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert audit(client, world, actor="nobody")["events"] == []
    assert audit(client, world, actor="AUDITOR", object_id=str(world["perk"]))["events"][0]["id"] == event["id"]


def test_secrets_are_never_written_to_the_log(client, world):
    venue = client.get(f"/staff/municipalities/{world['mid']}/venues", headers=world["staff"]).json()[0]
    r = client.post(f"/staff/venues/{venue['id']}/accounts", headers=world["staff"],
                    json={"login": "night-desk", "password": "very-secret-password-1"})
    assert r.status_code == 201, r.text
    created = audit(client, world, object_type="venue_accounts", action="create")["events"][0]
    assert created["changes"]["password_hash"] == "(changed)"
    assert created["changes"]["login"] == [None, "night-desk"]
    assert created["municipality_id"] == world["mid"]  # through the account's venue
    assert "scrypt" not in str(created) and "very-secret" not in str(created)


def test_a_venue_redemption_is_recorded_with_the_venue_account_and_its_address(client, world):
    r = client.post("/venue/redeem", json={"pass": get_pass(client, world)}, headers=world["cave"]).json()
    assert r["ok"] is True
    events = audit(client, world, action="redeem")["events"]
    assert len(events) == 1
    event = events[0]
    assert (event["actor_kind"], event["actor_name"], event["route"]) == ("venue", "cave-desk", "POST /venue/redeem")
    assert event["client_address"] == "testclient" and event["object_type"] == "redemptions"
    assert event["changes"] == {"perk_id": [None, world["perk"]], "token_id": [None, world["token_id"]]}
    # a refused scan changes nothing and records nothing
    again = client.post("/venue/redeem", json={"pass": get_pass(client, world)}, headers=world["cowork"]).json()
    assert again["ok"] is False
    assert len(audit(client, world, action="redeem")["events"]) == 1


def test_a_transaction_sent_for_a_staff_action_is_recorded_with_its_hash(client, app, world, chain_with_collection):
    chain = chain_with_collection
    mid = world["mid"]
    r = client.post(f"/staff/municipalities/{mid}/campaigns", headers=world["staff"],
                    json=campaign_body(chain, collection="RESTEST"))
    assert r.status_code == 201, r.text
    campaign = r.json()
    sent = audit(client, world, action="transaction")["events"]
    assert len(sent) == 1
    tx = sent[0]
    assert tx["object_type"] == "transaction" and tx["object_id"].startswith("0x") and len(tx["object_id"]) == 66
    assert tx["actor_name"] == "auditor" and tx["route"] == "POST /staff/municipalities/{municipality_id}/campaigns"
    assert tx["changes"]["function"] == "createCampaign" and tx["changes"]["chain_id"] == 31337
    receipt = chain.web3.eth.get_transaction_receipt(tx["object_id"])
    assert receipt["status"] == 1 and receipt["to"] == tx["changes"]["to"]
    assert tx["changes"]["from"] == app.state.services.issuer.address
    # and the campaign row that followed it, with the same hash
    row = audit(client, world, object_type="campaigns")["events"][0]
    assert row["changes"]["tx_hash"] == [None, tx["object_id"]] and row["object_id"] == str(campaign["id"])
    pause = client.post(f"/staff/municipalities/{mid}/campaigns/{campaign['id']}/pause", headers=world["staff"])
    assert pause.status_code == 200, pause.text
    assert audit(client, world, action="transaction")["events"][0]["changes"]["function"] == "setCampaignPaused"


def test_the_log_exports_as_excel_csv(client, world):
    client.patch(f"/staff/perks/{world['perk']}", headers=world["staff"], json={"name_en": "=HYPERLINK(\"x\")"})
    r = client.get(f"/staff/municipalities/{world['mid']}/audit.csv", headers=world["staff"],
                   params={"object_type": "perks", "action": "update"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("日時") and len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["操作者 actor"] == "auditor" and row["経路 route"] == "PATCH /staff/perks/{perk_id}"
    assert row["変更前 → 変更後 before → after"] == 'name_en: Akiyoshi-do free entry → =HYPERLINK("x")'
    assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", row["日時（日本時間） time (JST)"])


def test_only_admins_of_the_municipality_read_its_log(client, app, world):
    mid = world["mid"]
    other = client.post("/staff/municipalities", headers=world["staff"], json={"name_ja": "萩市", "name_en": "Hagi"})
    assert other.status_code == 201, other.text
    b = other.json()["id"]
    b_admin = staff_headers(client, app, "hagi-admin", municipality_id=b, role="admin")
    viewer = staff_headers(client, app, "mine-viewer", municipality_id=mid, role="viewer")
    editor = staff_headers(client, app, "mine-editor", municipality_id=mid, role="staff")
    for headers in (b_admin, viewer, editor):
        assert_error(client.get(f"/staff/municipalities/{mid}/audit", headers=headers), 403, "role_required")
        assert_error(client.get(f"/staff/municipalities/{mid}/audit.csv", headers=headers), 403, "role_required")
        assert_error(client.get("/staff/audit", headers=headers), 403, "audit_all_superuser")
    # B's admin reads B's log, which has none of A's events (B's own creation is the superuser's, scoped to B)
    own = client.get(f"/staff/municipalities/{b}/audit", headers=b_admin).json()["events"]
    assert {e["municipality_id"] for e in own} == {b}
    assert {e["object_type"] for e in own} <= {"municipalities", "staff_roles", "staff_accounts"}
    # the superuser sees every municipality's events, and those of none
    everything = client.get("/staff/audit", headers=world["staff"], params={"limit": 200}).json()["events"]
    assert {mid, b} <= {e["municipality_id"] for e in everything}


def test_pages_go_back_in_time_without_overlap(client, world):
    for n in range(5):
        client.patch(f"/staff/perks/{world['perk']}", headers=world["staff"], json={"limit_count": 10 + n})
    first = audit(client, world, object_type="perks", limit=2)
    second = audit(client, world, object_type="perks", limit=2, before_id=first["next_before_id"])
    ids = [e["id"] for e in first["events"] + second["events"]]
    assert len(set(ids)) == 4 and ids == sorted(ids, reverse=True)
    assert first["events"][0]["changes"]["limit_count"] == [13, 14]
    assert_error(client.get(f"/staff/municipalities/{world['mid']}/audit", headers=world["staff"],
                            params={"since": "2026-12-02T00:00", "until": "2026-12-01T00:00"}), 422,
                 "audit_range_invalid")


def test_the_database_refuses_to_change_or_remove_an_event(client, app, world):
    client.patch(f"/staff/perks/{world['perk']}", headers=world["staff"], json={"limit_count": 4})
    engine = app.state.services.engine
    for statement in ("UPDATE audit_events SET actor_name = 'someone else'", "DELETE FROM audit_events"):
        with engine.connect() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM audit_events WHERE actor_name = 'auditor'")) > 0


def test_odd_filters_are_4xx_never_5xx(client, app):
    staff = staff_headers(client, app)
    for params in ({"since": "0001-01-01T00:00:00"}, {"until": "9999-12-31T23:59:59+14:00"}, {"since": "x"},
                   {"before_id": "9223372036854775807"}, {"before_id": "0"}, {"actor_id": "-1"},
                   {"route": "%_\\"}, {"object_id": "\u0000"}, {"action": "drop"}, {"limit": "201"},
                   {"since": "2026-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}):
        for path in ("/staff/municipalities/1/audit", "/staff/municipalities/1/audit.csv", "/staff/audit",
                     "/staff/municipalities/999999/audit", "/staff/municipalities/-1/audit.csv"):
            r = client.get(path, params=params, headers=staff)
            assert r.status_code < 500, (path, params, r.status_code, r.text)


def test_the_airdrop_workers_transactions_are_the_systems_and_its_job_is_the_staff_members(
        client, world, chain_with_collection):
    from tests.backend.campaign_setup import csv_bytes, wait_for_job

    wallets = [chain_with_collection.new_holder(0).address for _ in range(3)]
    r = client.post(f"/staff/municipalities/{world['mid']}/airdrops", headers=world["staff"],
                    data={"collection": "RESTEST", "batch_size": "2"},
                    files={"file": ("airdrop.csv", csv_bytes("address\n" + "\n".join(wallets) + "\n"), "text/csv")})
    assert r.status_code == 202, r.text
    job = wait_for_job(client, r.json()["id"], world["staff"])
    assert job["status"] == "done", job
    sent = audit(client, world, action="transaction")["events"]
    assert [e["object_id"] for e in sent][::-1] == [b["tx_hash"] for b in job["batches"]]
    assert {(e["actor_kind"], e["actor_name"], e["changes"]["function"]) for e in sent} == {
        ("system", "system", "issueBatch")}
    queued = audit(client, world, object_type="airdrop_jobs", action="create")["events"]
    assert queued[0]["actor_name"] == "auditor" and queued[0]["object_id"] == str(job["id"])
    assert len(queued[0]["changes"]["rows"][1]) == 3  # short lists are kept; long ones summarised (test_recorder)
