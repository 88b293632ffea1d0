"""Staff API over HTTP: roles per municipality, perk rules at creation, venues and accounts, KPI/CSV exports."""

import csv
import io

import pytest

from tests.backend.access_setup import assert_error
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    sync_index()
    col = chain_with_collection.soulbound_collection
    return {"mid": municipality_id_of(app, col), "cid": collection_id_of(app, col),
            "other_mid": municipality_id_of(app, chain_with_collection.collection)}


def perk_body(cid, **kw):
    body = {"collection_id": cid, "name_ja": "秋芳洞 入場無料", "name_en": "Akiyoshi-do free entry",
            "kind": "venue_entry", "limit_count": 1, "limit_period": "day"}
    body.update(kw)
    return body


def test_staff_need_a_session_and_a_role_in_the_municipality(client, app, town):
    client.cookies.clear()
    assert_error(client.get(f"/staff/municipalities/{town['mid']}/perks"), 401, "not_signed_in")
    viewer = staff_headers(client, app, "viewer1", town["mid"], "viewer")
    client.cookies.clear()
    assert client.get(f"/staff/municipalities/{town['mid']}/perks", headers=viewer).status_code == 200
    r = client.post(f"/staff/municipalities/{town['mid']}/perks", json=perk_body(town["cid"]), headers=viewer)
    assert r.status_code == 403
    assert client.get(f"/staff/municipalities/{town['other_mid']}/kpis", headers=viewer).status_code == 403
    editor = staff_headers(client, app, "editor1", town["mid"], "staff")
    client.cookies.clear()
    assert client.post(f"/staff/municipalities/{town['mid']}/perks", json=perk_body(town["cid"]),
                       headers=editor).status_code == 201
    # staff may not register collections (admin) nor add municipalities (superuser)
    assert client.post(f"/staff/municipalities/{town['mid']}/collections", json={"symbol": "RESSOUL"},
                       headers=editor).status_code == 403
    assert_error(client.post("/staff/municipalities", json={"name_ja": "西川町", "name_en": "Nishikawa"},
                             headers=editor), 403, "superuser_required")
    listed = client.get("/staff/municipalities", headers=editor).json()
    assert [m["id"] for m in listed] == [town["mid"]]


def test_goods_shipped_to_the_holder_are_refused_with_the_rule_named(client, app, town):
    admin = staff_headers(client, app)
    r = client.post(f"/staff/municipalities/{town['mid']}/perks", json=perk_body(town["cid"], kind="shipping"),
                    headers=admin)
    body = assert_error(r, 422, "perk_invalid")
    assert "never goods shipped" in body["message_en"] and "返礼品" in body["message_ja"]
    bad = perk_body(town["cid"], limit_period="week", min_tier=-1)
    assert len(assert_error(client.post(f"/staff/municipalities/{town['mid']}/perks", json=bad, headers=admin),
                            422, "perk_invalid")["problems"]) == 2


def test_perks_venues_and_accounts_round_trip(client, app, town):
    admin = staff_headers(client, app)
    mid = town["mid"]
    venue = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "秋芳洞", "name_en": "Cave"},
                        headers=admin)
    assert venue.status_code == 201
    vid = venue.json()["id"]
    assert_error(client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "秋芳洞", "name_en": "Cave"},
                             headers=admin), 409, "venue_exists")
    other_venue = client.post(f"/staff/municipalities/{town['other_mid']}/venues",
                              json={"name_ja": "他", "name_en": "Elsewhere"}, headers=admin).json()["id"]
    assert_error(client.post(f"/staff/municipalities/{mid}/perks", headers=admin,
                             json=perk_body(town["cid"], venue_ids=[other_venue])), 422, "venue_unknown")
    assert_error(client.post(f"/staff/municipalities/{mid}/perks", headers=admin,
                             json=perk_body(town["cid"], kind="online_access", venue_ids=[vid])), 422,
                 "perk_venue_kind")
    perk = client.post(f"/staff/municipalities/{mid}/perks", headers=admin,
                       json=perk_body(town["cid"], venue_ids=[vid])).json()
    assert perk["venues"] == [{"id": vid, "name_ja": "秋芳洞", "name_en": "Cave"}]
    changed = client.patch(f"/staff/perks/{perk['id']}", headers=admin,
                           json={"limit_period": "unlimited", "min_tier": 1}).json()
    assert changed["limit_period"] == "unlimited" and changed["limit_count"] is None and changed["min_tier"] == 1
    assert_error(client.patch(f"/staff/perks/{perk['id']}", headers=admin, json={"kind": "gift"}), 422,
                 "perk_invalid")
    # an online perk has no desk: turning a venue perk online must drop its venues in the same change
    assert_error(client.patch(f"/staff/perks/{perk['id']}", headers=admin, json={"kind": "online_access"}), 422,
                 "perk_venue_kind")
    online = client.patch(f"/staff/perks/{perk['id']}", headers=admin, json={"kind": "online_access", "venue_ids": []})
    assert online.status_code == 200 and online.json()["venues"] == []
    client.patch(f"/staff/perks/{perk['id']}", headers=admin, json={"kind": "venue_entry", "venue_ids": [vid]})
    assert client.get(f"/staff/municipalities/{mid}/perks", headers=admin).json()[0]["min_tier"] == 1

    account = client.post(f"/staff/venues/{vid}/accounts", headers=admin,
                          json={"login": "cave-desk-2", "password": "venue-password-123"})
    assert account.status_code == 201 and "password" not in account.text
    assert_error(client.post(f"/staff/venues/{vid}/accounts", headers=admin,
                             json={"login": "cave-desk-2", "password": "venue-password-123"}), 409, "login_taken")
    login = client.post("/venue/login", json={"login": "cave-desk-2", "password": "venue-password-123"})
    assert login.status_code == 200
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    client.cookies.clear()
    assert client.get("/venue/redemptions", headers=token).status_code == 200
    # disabling the account ends its sessions at once
    client.patch(f"/staff/venue-accounts/{account.json()['id']}", headers=admin, json={"active": False})
    client.cookies.clear()
    assert client.get("/venue/redemptions", headers=token).status_code == 401
    assert client.post("/venue/login", json={"login": "cave-desk-2", "password": "venue-password-123"}
                       ).status_code == 401


def test_registering_a_collection_by_its_record(client, app, town):
    admin = staff_headers(client, app)
    ok = client.post(f"/staff/municipalities/{town['mid']}/collections", json={"symbol": "RESSOUL"}, headers=admin)
    assert ok.status_code == 201 and ok.json()["id"] == town["cid"]  # already registered: the same collection
    assert_error(client.post(f"/staff/municipalities/{town['mid']}/collections", json={"symbol": "NOPE"},
                             headers=admin), 422, "record_unusable")
    assert_error(client.post(f"/staff/municipalities/{town['mid']}/collections", json={"symbol": "RESTEST"},
                             headers=admin), 422, "record_other_municipality")


def test_kpis_and_csv_exports_over_http(client, app, town):
    admin = staff_headers(client, app)
    k = client.get(f"/staff/municipalities/{town['mid']}/kpis", headers=admin)
    assert k.status_code == 200
    body = k.json()
    assert body["cards_issued"] >= 0 and "gini" in body["concentration"]
    csv_response = client.get(f"/staff/municipalities/{town['mid']}/kpis.csv", headers=admin)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    assert csv_response.content.startswith(b"\xef\xbb\xbf\xe6\x8c\x87\xe6\xa8\x99,")  # BOM + 指標,
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"), newline="")))
    assert {r[2] for r in rows[1:]} >= {"cards_issued", "unique_holders", "top10_share", "hhi", "gini"}
    red = client.get(f"/staff/municipalities/{town['mid']}/redemptions.csv?from=2026-01-01&to=2026-12-31",
                     headers=admin)
    assert red.status_code == 200 and red.content.startswith(b"\xef\xbb\xbf") and red.content.endswith(b"\r\n")
    assert_error(client.get(f"/staff/municipalities/{town['mid']}/redemptions.csv?from=yesterday", headers=admin),
                 422, "day_invalid")


def test_out_of_range_ids_and_null_fields_are_4xx(client, app, town):
    # Both found by schemathesis against the OpenAPI (they were 500s).
    admin = staff_headers(client, app)
    huge = 2**70
    for path in (f"/staff/municipalities/{huge}/perks", f"/staff/venues/{huge}/accounts",
                 f"/staff/municipalities/{huge}/kpis"):
        r = client.get(path, headers=admin)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        assert r.json()["message_ja"] and r.json()["message_en"]
    perk = client.post(f"/staff/municipalities/{town['mid']}/perks", json=perk_body(town["cid"]), headers=admin)
    body = assert_error(client.patch(f"/staff/perks/{perk.json()['id']}", json={"active": None}, headers=admin),
                        422, "null_value")
    assert "active" in body["message_en"]
    assert client.patch(f"/staff/perks/{perk.json()['id']}", json={"active": False}, headers=admin).json()["active"] \
        is False
