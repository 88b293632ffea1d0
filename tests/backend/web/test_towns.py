"""A municipality's landing page data (GET /towns/{slug}, no sign-in): names, card art, active perks with
their venues, open campaigns; and the page /town/{slug} that draws it."""

from backend.db.models_chain import Municipality

from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers


def _slug(app, mid: int) -> str:
    with app.state.services.session_factory() as db:
        return db.get(Municipality, mid).slug


def test_a_town_shows_its_card_art_and_active_perks_to_anyone(client, app, chain_with_collection, sync_index):
    chain = chain_with_collection
    sync_index()
    mid, cid = municipality_id_of(app, chain.collection), collection_id_of(app, chain.collection)
    staff = staff_headers(client, app)
    venue = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "道の駅", "name_en": "Roadside station"},
                        headers=staff).json()
    for name, active in (("Entry", True), ("Old entry", False)):
        made = client.post(f"/staff/municipalities/{mid}/perks", headers=staff, json={
            "collection_id": cid, "name_ja": name, "name_en": name, "kind": "venue_entry", "min_tier": 1,
            "venue_ids": [venue["id"]], "active": active})
        assert made.status_code == 201, made.text
    client.cookies.clear()
    town = client.get(f"/towns/{_slug(app, mid)}")
    assert town.status_code == 200, town.text
    town = town.json()
    assert town["id"] == mid and town["name_en"]
    assert [perk["name_en"] for perk in town["perks"]] == ["Entry"]
    assert town["perks"][0]["min_tier"] == 1
    assert town["perks"][0]["venues"] == [{"name_ja": "道の駅", "name_en": "Roadside station"}]
    assert town["campaigns"] == []  # none open; the chain was asked
    (collection,) = [c for c in town["collections"] if c["id"] == cid]
    assert collection["image"].startswith("/ipfs/")
    image = client.get(collection["image"])
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    # The same art on the next visit the same day: rendered once, stored by its content.
    assert client.get(f"/towns/{_slug(app, mid)}").json()["collections"] == town["collections"]


def test_an_unknown_town_is_a_404_in_both_languages(client):
    answer = client.get("/towns/no-such-town")
    assert answer.status_code == 404
    assert answer.json()["code"] == "municipality_not_found"
    assert "no-such-town" in answer.json()["message_en"] and answer.json()["message_ja"]


def test_the_town_page_is_public_and_loads_its_own_script(client):
    page = client.get("/town/any-town")
    assert page.status_code == 200 and '<script type="module" src="/static/js/town.js">' in page.text
    assert 'href="/static/css/town.css"' in page.text
