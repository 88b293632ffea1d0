"""A city's link to its prefecture needs the prefecture's consent: the city's admin asks, the prefecture's admin
(or a superuser) approves, declines or ends it; nobody else decides, and only an approved link makes a
registration issue the prefecture's card (real transactions on anvil)."""

from __future__ import annotations

from tests.backend.access_setup import assert_error
from tests.backend.perks_setup import staff_headers
from tests.backend.residency_setup import Holder, Staff, ids_of, settings, towns  # noqa: F401


def balance(collection, address: str) -> int:
    return collection.contract.functions.balanceOf(address).call()


def register(client, app, towns, subject: str, city: int) -> tuple[Holder, list[dict]]:
    holder = Holder(client, app, towns.chain)
    assert holder.verify(subject).status_code == 200
    response = client.post("/me/residency/register", json={"municipality_id": city}, headers=holder.headers)
    assert response.status_code == 201, response.text
    return holder, response.json()


def kpis(client, headers, municipality_id: int) -> dict:
    response = client.get(f"/staff/municipalities/{municipality_id}/residency/kpis", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["registrations"]


def setup_towns(client, app, towns) -> tuple[Staff, int, int, int]:
    staff = Staff(client, app)
    mine, _ = ids_of(app, towns.cities[0])
    kaga, _ = ids_of(app, towns.cities[1])
    prefecture, _ = ids_of(app, towns.prefecture)
    staff.programme(prefecture, kind="prefecture")
    return staff, mine, kaga, prefecture


def test_a_city_admin_only_asks_and_the_prefecture_admin_decides(client, app, towns):
    staff, mine, kaga, prefecture = setup_towns(client, app, towns)
    city_admin = staff_headers(client, app, "mine-admin", municipality_id=mine, role="admin")
    # The probe: a city admin with no role in 山口県 set prefecture_id and was linked. The field is gone.
    assert client.put(f"/staff/municipalities/{mine}/residency", json={"prefecture_id": prefecture},
                      headers=city_admin).status_code == 422
    city_viewer = staff_headers(client, app, "mine-viewer", municipality_id=mine, role="viewer")
    assert_error(client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": prefecture},
                             headers=city_viewer), 403, "role_required")
    asked = client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": prefecture},
                        headers=city_admin)
    assert asked.status_code == 201, asked.text
    link = asked.json()
    assert (link["status"], link["city_id"], link["prefecture_id"], link["prefecture_ja"]) == (
        "pending", mine, prefecture, "山口県")
    assert client.get(f"/staff/municipalities/{mine}/residency", headers=city_admin).json()["prefecture_id"] is None

    # Pending: registering with the city issues the city's card only.
    holder, results = register(client, app, towns, "link-pending", mine)
    assert [(r["via"], r["outcome"]) for r in results] == [("direct", "issued")]
    assert balance(towns.prefecture, holder.address) == 0
    listed = {m["id"]: m for m in client.get("/residency/municipalities").json()}
    assert listed[mine]["prefecture_id"] is None

    # Nobody but the prefecture's admin (or a superuser) decides.
    kaga_admin = staff_headers(client, app, "kaga-admin", municipality_id=kaga, role="admin")
    prefecture_viewer = staff_headers(client, app, "yamaguchi-viewer", municipality_id=prefecture, role="viewer")
    prefecture_staff = staff_headers(client, app, "yamaguchi-staff", municipality_id=prefecture, role="staff")
    for headers in (city_admin, kaga_admin, prefecture_viewer, prefecture_staff):
        for decision in ("approve", "decline"):
            assert_error(client.post(f"/staff/prefecture-links/{link['id']}/{decision}", headers=headers), 403,
                         "role_required")
    assert_error(client.post(f"/staff/prefecture-links/{link['id']}/cancel", headers=kaga_admin), 403,
                 "role_required")
    assert_error(client.get(f"/staff/municipalities/{mine}/prefecture-links", headers=kaga_admin), 403,
                 "role_required")

    # Both sides see the request.
    seen_by_city = client.get(f"/staff/municipalities/{mine}/prefecture-links", headers=city_admin).json()
    seen_by_prefecture = client.get(f"/staff/municipalities/{prefecture}/prefecture-links",
                                    headers=prefecture_viewer).json()
    assert [(x["id"], x["status"]) for x in seen_by_city] == [(link["id"], "pending")]
    assert (link["id"], "pending") in [(x["id"], x["status"]) for x in seen_by_prefecture]

    prefecture_admin = staff_headers(client, app, "yamaguchi-admin", municipality_id=prefecture, role="admin")
    approved = client.post(f"/staff/prefecture-links/{link['id']}/approve", headers=prefecture_admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_at"] is not None
    assert_error(client.post(f"/staff/prefecture-links/{link['id']}/approve", headers=prefecture_admin), 409,
                 "prefecture_link_status")
    assert client.get(f"/staff/municipalities/{mine}/residency",
                      headers=city_admin).json()["prefecture_id"] == prefecture

    before = kpis(client, staff.headers, prefecture)
    holder, results = register(client, app, towns, "link-approved", mine)
    assert [(r["via"], r["outcome"]) for r in results] == [("direct", "issued"), ("prefecture_of_city", "issued")]
    assert balance(towns.prefecture, holder.address) == 1
    assert kpis(client, staff.headers, prefecture)["via_city"] == before["via_city"] + 1

    for headers in (kaga_admin, prefecture_viewer, city_viewer):
        assert_error(client.post(f"/staff/prefecture-links/{link['id']}/end", headers=headers), 403, "role_required")
    # The prefecture ends the link: registrations stop issuing its card; the cards issued stay.
    ended = client.post(f"/staff/prefecture-links/{link['id']}/end", headers=prefecture_admin)
    assert ended.status_code == 200 and ended.json()["status"] == "ended" and ended.json()["ended_at"]
    later, results = register(client, app, towns, "link-ended", mine)
    assert [r["via"] for r in results] == ["direct"] and balance(towns.prefecture, later.address) == 0
    assert balance(towns.prefecture, holder.address) == 1
    assert kpis(client, staff.headers, prefecture)["via_city"] == before["via_city"] + 1


def test_a_declined_or_withdrawn_request_issues_nothing_and_the_city_may_ask_again(client, app, towns):
    staff, mine, kaga, prefecture = setup_towns(client, app, towns)
    city_admin = staff_headers(client, app, "kaga-admin-2", municipality_id=kaga, role="admin")
    prefecture_admin = staff_headers(client, app, "yamaguchi-admin-2", municipality_id=prefecture, role="admin")
    ask = lambda: client.post(f"/staff/municipalities/{kaga}/prefecture-links",  # noqa: E731
                              json={"prefecture_id": prefecture}, headers=city_admin)
    first = ask().json()
    assert_error(ask(), 409, "prefecture_link_open")  # one open request or link per city
    declined = client.post(f"/staff/prefecture-links/{first['id']}/decline", headers=prefecture_admin)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    holder, results = register(client, app, towns, "link-declined", kaga)
    assert [r["via"] for r in results] == ["direct"] and balance(towns.prefecture, holder.address) == 0

    second = ask().json()
    assert second["status"] == "pending" and second["id"] != first["id"]
    # The prefecture cannot withdraw the city's request; the city can, and then it cannot be approved.
    assert_error(client.post(f"/staff/prefecture-links/{second['id']}/cancel", headers=prefecture_admin), 403,
                 "role_required")
    cancelled = client.post(f"/staff/prefecture-links/{second['id']}/cancel", headers=city_admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(client.post(f"/staff/prefecture-links/{second['id']}/approve", headers=prefecture_admin), 409,
                 "prefecture_link_status")
    history = client.get(f"/staff/municipalities/{kaga}/prefecture-links", headers=city_admin).json()
    assert [(x["id"], x["status"]) for x in history] == [(second["id"], "cancelled"), (first["id"], "declined")]
    assert_error(client.post("/staff/prefecture-links/999999/approve", headers=staff.headers), 404,
                 "prefecture_link_not_found")


def test_kinds_cannot_change_under_an_open_link(client, app, towns):
    staff, mine, kaga, prefecture = setup_towns(client, app, towns)
    asked = client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": prefecture},
                        headers=staff.headers)
    assert asked.status_code == 201, asked.text
    assert_error(client.put(f"/staff/municipalities/{mine}/residency", json={"kind": "prefecture"},
                            headers=staff.headers), 422, "prefecture_has_prefecture")
    assert_error(client.put(f"/staff/municipalities/{prefecture}/residency", json={"kind": "city"},
                            headers=staff.headers), 409, "prefecture_has_cities")
    assert_error(client.post(f"/staff/municipalities/{prefecture}/prefecture-links", json={"prefecture_id": kaga},
                             headers=staff.headers), 422, "prefecture_has_prefecture")
