"""Registering with a city issues its basic card and, unless the person opts out, its prefecture's card
(real transactions with the issuer key); one registration per person and municipality; resumable."""

from __future__ import annotations

from sqlalchemy import select

from tests.backend.access_setup import assert_error
from backend.db.models_residency import Registration
from tests.backend.residency_setup import Holder, Staff, ids_of, settings, towns  # noqa: F401


def link_prefecture(client, app, towns) -> tuple[int, int]:
    staff = Staff(client, app)
    mine, _ = ids_of(app, towns.cities[0])
    prefecture, _ = ids_of(app, towns.prefecture)
    staff.programme(prefecture, kind="prefecture")
    staff.link_prefecture(mine, prefecture)
    return mine, prefecture


def balance(collection, address: str) -> int:
    return collection.contract.functions.balanceOf(address).call()


def test_registering_with_a_city_also_issues_the_prefectures_card(client, app, towns, sync_index):
    mine, prefecture = link_prefecture(client, app, towns)
    holder = Holder(client, app, towns.chain)
    assert holder.verify("register-1").status_code == 200
    response = client.post("/me/residency/register", json={"municipality_id": mine}, headers=holder.headers)
    assert response.status_code == 201, response.text
    results = {r["via"]: r for r in response.json()}
    assert results["direct"]["outcome"] == "issued" and results["direct"]["municipality_id"] == mine
    assert results["prefecture_of_city"]["outcome"] == "issued"
    assert results["prefecture_of_city"]["name_ja"] == "山口県"
    assert balance(towns.cities[0], holder.address) == 1 and balance(towns.prefecture, holder.address) == 1
    assert towns.cities[0].card_on_chain(results["direct"]["token_id"])["owner"] == holder.address
    sync_index()
    assert {c["symbol"] for c in client.get("/me/cards", headers=holder.headers).json()} == {"RMINE", "RYAMAGUCHI"}
    with app.state.services.session_factory() as db:
        rows = db.scalars(select(Registration).order_by(Registration.id)).all()
    assert [(r.municipality_id, r.via, r.city_id) for r in rows] == [(mine, "direct", None),
                                                                     (prefecture, "prefecture_of_city", mine)]


def test_opting_out_of_the_prefecture_issues_only_the_city_card_and_can_be_resumed(client, app, towns):
    mine, prefecture = link_prefecture(client, app, towns)
    holder = Holder(client, app, towns.chain)
    assert holder.verify("register-2").status_code == 200
    response = client.post("/me/residency/register", json={"municipality_id": mine, "prefecture_opt_out": True},
                           headers=holder.headers)
    assert response.status_code == 201, response.text
    assert [r["via"] for r in response.json()] == ["direct"]
    assert balance(towns.prefecture, holder.address) == 0
    # Registering with the same city again: refused, as nothing is missing.
    assert_error(client.post("/me/residency/register", json={"municipality_id": mine, "prefecture_opt_out": True},
                             headers=holder.headers), 409, "already_registered")
    # Changing one's mind: only the prefecture's card is issued.
    again = client.post("/me/residency/register", json={"municipality_id": mine}, headers=holder.headers)
    assert again.status_code == 201, again.text
    assert [(r["via"], r["outcome"]) for r in again.json()] == [("direct", "already_registered"),
                                                                ("prefecture_of_city", "issued")]
    assert balance(towns.prefecture, holder.address) == 1 and balance(towns.cities[0], holder.address) == 1


def test_registration_needs_a_verified_identity(client, app, towns):
    mine, _ = link_prefecture(client, app, towns)
    holder = Holder(client, app, towns.chain)
    assert_error(client.post("/me/residency/register", json={"municipality_id": mine}, headers=holder.headers), 403,
                 "identity_required")
    assert balance(towns.cities[0], holder.address) == 0


def test_one_person_registers_once_per_municipality_whatever_the_wallet(client, app, towns):
    kaga, _ = ids_of(app, towns.cities[1])
    first, second = Holder(client, app, towns.chain), Holder(client, app, towns.chain)
    assert first.verify("one-person").status_code == 200 and second.verify("one-person").status_code == 200
    assert client.post("/me/residency/register", json={"municipality_id": kaga},
                       headers=first.headers).status_code == 201
    assert_error(client.post("/me/residency/register", json={"municipality_id": kaga}, headers=second.headers),
                 409, "already_registered")
    assert balance(towns.cities[1], second.address) == 0


def test_linking_to_something_that_is_not_a_prefecture_is_refused(client, app, towns):
    staff = Staff(client, app)
    mine, _ = ids_of(app, towns.cities[0])
    kaga, _ = ids_of(app, towns.cities[1])
    assert_error(client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": kaga},
                             headers=staff.headers), 422, "prefecture_invalid")
    assert_error(client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": mine},
                             headers=staff.headers), 422, "prefecture_self")


def test_the_public_list_shows_the_prefecture_link(client, app, towns):
    mine, prefecture = link_prefecture(client, app, towns)
    listed = {m["id"]: m for m in client.get("/residency/municipalities").json()}
    assert listed[mine]["prefecture_id"] == prefecture and listed[prefecture]["kind"] == "prefecture"


def add_town_without_collection(app, slug: str = "hagi-city") -> int:
    from backend.db.models_chain import Municipality

    with app.state.services.session_factory() as db:
        town = Municipality(slug=slug, name_ja="萩市", name_en="Hagi City")
        db.add(town)
        db.commit()
        return town.id


def test_a_city_that_cannot_issue_issues_nothing_at_its_prefecture(client, app, towns):
    # The probe: 409 `no_collection` for the city while the prefecture's card was minted on chain.
    staff = Staff(client, app)
    hagi = add_town_without_collection(app)
    prefecture, prefecture_collection = ids_of(app, towns.prefecture)
    staff.programme(prefecture, kind="prefecture")
    staff.link_prefecture(hagi, prefecture)
    holder = Holder(client, app, towns.chain)
    assert holder.verify("register-no-collection").status_code == 200
    body = assert_error(client.post("/me/residency/register", json={"municipality_id": hagi},
                                    headers=holder.headers), 409, "no_collection")
    assert balance(towns.prefecture, holder.address) == 0
    reported = {r["via"]: r for r in body["registrations"]}
    assert reported["direct"]["outcome"] == "failed" and reported["direct"]["collection_id"] is None
    assert reported["prefecture_of_city"]["outcome"] == "not_attempted"
    assert reported["prefecture_of_city"]["error"]["code"] == "city_card_first"
    assert reported["prefecture_of_city"]["token_id"] is None and reported["prefecture_of_city"]["tx_hash"] is None
    with app.state.services.session_factory() as db:
        assert db.scalars(select(Registration).where(Registration.holder == holder.address)).all() == []
    kpis = client.get(f"/staff/municipalities/{prefecture}/residency/kpis", headers=staff.headers).json()
    assert kpis["registrations"] == {"direct": 0, "via_city": 0}


def test_a_failing_prefecture_card_leaves_the_city_registered_and_is_issued_on_the_next_try(client, app, towns):
    mine, prefecture = link_prefecture(client, app, towns)
    holder = Holder(client, app, towns.chain)
    assert holder.verify("register-prefecture-paused").status_code == 200
    towns.prefecture._send(towns.prefecture.contract.functions.pause())
    try:
        response = client.post("/me/residency/register", json={"municipality_id": mine}, headers=holder.headers)
    finally:
        towns.prefecture._send(towns.prefecture.contract.functions.unpause())
    assert response.status_code == 201, response.text
    city, county = response.json()
    assert (city["via"], city["outcome"]) == ("direct", "issued") and city["tx_hash"].startswith("0x")
    assert towns.cities[0].card_on_chain(city["token_id"])["owner"] == holder.address
    assert (county["via"], county["outcome"]) == ("prefecture_of_city", "failed")
    assert county["token_id"] is None and county["tx_hash"] is None
    assert county["error"]["code"] == "transaction_refused" and "Paused" in county["error"]["message_en"]
    assert balance(towns.prefecture, holder.address) == 0
    again = client.post("/me/residency/register", json={"municipality_id": mine}, headers=holder.headers)
    assert again.status_code == 201, again.text
    assert [(r["via"], r["outcome"]) for r in again.json()] == [("direct", "already_registered"),
                                                                ("prefecture_of_city", "issued")]
    assert balance(towns.prefecture, holder.address) == 1 and balance(towns.cities[0], holder.address) == 1
