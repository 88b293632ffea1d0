"""End to end over HTTP on a real chain and index: staff define a perk and a venue, a holder signs in with a
wallet and gets a pass, the venue redeems it once; transfers and revocations after the pass are refused."""

import time

import pytest

from tests.backend.access_setup import assert_error, bearer, sign_in
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers, venue_headers


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    """The tradable test collection's town with a cave perk at one venue and a coworking perk at another."""
    chain = chain_with_collection
    col = chain.collection
    sync_index()
    mid, cid = municipality_id_of(app, col), collection_id_of(app, col)
    staff = staff_headers(client, app)
    cave = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "秋芳洞", "name_en": "Akiyoshi-do Cave"},
                       headers=staff).json()
    cowork = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "コワーキング", "name_en": "Coworking"},
                         headers=staff).json()
    perk = client.post(f"/staff/municipalities/{mid}/perks", headers=staff, json={
        "collection_id": cid, "name_ja": "秋芳洞 入場無料", "name_en": "Akiyoshi-do free entry", "kind": "venue_entry",
        "limit_count": 5, "limit_period": "day", "venue_ids": [cave["id"]]})
    assert perk.status_code == 201, perk.text
    forum = client.post(f"/staff/municipalities/{mid}/perks", headers=staff, json={
        "collection_id": cid, "name_ja": "フォーラム", "name_en": "Forum", "kind": "online_access",
        "limit_period": "unlimited", "limit_count": None})
    assert forum.status_code == 201, forum.text
    for venue, login in ((cave, "cave-desk"), (cowork, "cowork-desk")):
        r = client.post(f"/staff/venues/{venue['id']}/accounts", headers=staff,
                        json={"login": login, "password": "venue-password-123"})
        assert r.status_code == 201, r.text
    holder = chain.new_holder()
    token_id = col.issue(holder.address, tier=1)
    sync_index()
    signed = sign_in(client, holder)
    assert signed.status_code == 200, signed.text
    return {"chain": chain, "col": col, "cid": cid, "perk": perk.json()["id"], "forum": forum.json()["id"],
            "holder": holder, "token_id": token_id, "holder_headers": bearer(signed.json()["token"]),
            "cave": venue_headers(client, "cave-desk"), "cowork": venue_headers(client, "cowork-desk")}


def get_pass(client, town) -> str:
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": town["col"].address, "token_id": town["token_id"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expires_at"] > time.time() and len(body["pass"]) < 200
    return body["pass"]


def test_holder_gets_a_pass_and_the_venue_redeems_it_exactly_once(client, town):
    perks = client.get("/me/perks", headers=town["holder_headers"]).json()
    mine = {p["perk"]["id"]: p for p in perks}
    assert mine[town["perk"]]["usable_now"] and mine[town["perk"]]["needs_pass"]
    assert mine[town["perk"]]["perk"]["venues"][0]["name_en"] == "Akiyoshi-do Cave"
    assert mine[town["forum"]]["needs_pass"] is False

    text = get_pass(client, town)
    first = client.post("/venue/redeem", json={"pass": text}, headers=town["cave"])
    assert first.status_code == 200
    body = first.json()
    assert body["ok"] is True and body["reason_code"] == "ok"
    assert body["perk"]["name_ja"] == "秋芳洞 入場無料" and body["card"]["tier"] == 1
    assert body["card"]["token_id"] == town["token_id"] and body["card"]["resident_number"] > 0
    assert body["index"]["stale"] is False

    again = client.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()
    assert again["ok"] is False and again["reason_code"] == "pass_used"

    today = client.get("/venue/redemptions", headers=town["cave"]).json()
    assert today["count"] == 1 and today["redemptions"][0]["token_id"] == town["token_id"]
    assert client.get("/venue/redemptions", headers=town["cowork"]).json()["count"] == 0


def test_another_venue_cannot_redeem_the_perk(client, town):
    r = client.post("/venue/redeem", json={"pass": get_pass(client, town)}, headers=town["cowork"]).json()
    assert r["ok"] is False and r["reason_code"] == "wrong_venue" and r["message_ja"]


def test_a_card_transferred_after_the_pass_was_made_is_refused(client, town, sync_index):
    text = get_pass(client, town)
    town["col"].transfer(town["token_id"], town["chain"].new_holder().address)
    sync_index()
    r = client.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()
    assert r["ok"] is False and r["reason_code"] == "card_transferred"


def test_a_redeem_right_after_a_transfer_the_index_has_not_seen_says_stale(client, app, town):
    """The index is a moment behind (its thread stopped here, as between two polls): the answer still comes
    from it, but says so, because the head read after the scan arrived is ahead of the indexed block."""
    text = get_pass(client, town)
    app.state.services.indexer.stop()
    town["col"].transfer(town["token_id"], town["chain"].new_holder().address)
    head = town["chain"].web3.eth.block_number
    body = client.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()
    assert body["ok"] is True  # the index still shows the old holder...
    assert body["index"]["stale"] is True  # ...and the answer does not pass for fresh
    assert body["index"]["indexed_block"] < head and body["index"]["head_block"] == head
    assert body["index"]["lag_seconds"] < 5  # the time-based rule alone would have said fresh


def test_a_redeem_whose_chain_head_cannot_be_read_says_stale(client, app, town, settings):
    """A second backend whose RPC node is unreachable: the index is current (the first backend's indexer
    keeps it so), but nothing proves it, so the answer is stale."""
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from tests.backend.localchain import free_port

    text = get_pass(client, town)
    down = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}", "stale_after": 3600,
                                       "indexer_enabled": False})
    with TestClient(create_app(down)) as other:
        body = other.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()
    assert body["ok"] is True and body["index"]["lag_seconds"] < 3600
    assert body["index"]["stale"] is True and body["index"]["head_block"] is None


def test_a_card_revoked_after_the_pass_was_made_is_refused(client, town, sync_index):
    text = get_pass(client, town)
    town["col"].revoke(town["token_id"])
    sync_index()
    r = client.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()
    assert r["ok"] is False and r["reason_code"] in ("card_revoked", "card_burned")
    # and the holder no longer gets a pass for it
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": town["cid"], "token_id": town["token_id"]})
    assert r.status_code in (403, 409), r.text


def test_an_expired_card_gets_no_pass_and_says_why(client, app, town):
    """Expiry is judged by wall time against the indexed expiry (the indexer's expiry tracking is tested in
    test_indexer.py); here the index row says the card expired a minute ago."""
    from sqlalchemy import update

    from backend.db.models_chain import Card

    with app.state.services.session_factory() as db:
        db.execute(update(Card).where(Card.collection_id == town["cid"], Card.token_id == town["token_id"])
                   .values(expires_at=int(time.time()) - 60))
        db.commit()
    perks = {p["perk"]["id"]: p for p in client.get("/me/perks", headers=town["holder_headers"]).json()}
    entry = perks[town["perk"]]
    assert entry["usable_now"] is False
    assert entry["reason_code"] == "card_expired" and "有効期限" in entry["message_ja"]
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": town["cid"], "token_id": town["token_id"]})
    assert_error(r, 409, "card_expired")


def test_a_pass_for_a_card_one_does_not_hold_is_refused(client, town, chain_with_collection):
    other = chain_with_collection.collection.issue(chain_with_collection.new_holder().address)
    time.sleep(0.5)
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": town["cid"], "token_id": other})
    assert r.status_code in (403, 404)


def test_an_online_perk_needs_no_pass(client, town):
    r = client.post(f"/me/perks/{town['forum']}/pass", headers=town["holder_headers"],
                    json={"collection": town["cid"], "token_id": town["token_id"]})
    assert_error(r, 409, "perk_used_online")


def test_the_venue_api_needs_a_venue_session(client, town):
    client.cookies.clear()  # the sign-ins above left cookies in the test client
    assert_error(client.post("/venue/redeem", json={"pass": "rp1.x"}), 401, "venue_sign_in_required")
    # a holder's session does not open the venue API
    assert_error(client.post("/venue/redeem", json={"pass": "rp1.x"}, headers=town["holder_headers"]), 401,
                 "venue_sign_in_required")
    assert_error(client.post("/venue/login", json={"login": "cave-desk", "password": "wrong-password-1"}), 401,
                 "bad_credentials")
    assert_error(client.post("/venue/login", json={"login": "nobody", "password": "wrong-password-1"}), 401,
                 "bad_credentials")
    # the desk's browser signs in once and then scans with its cookie alone
    assert client.post("/venue/login", json={"login": "cave-desk", "password": "venue-password-123"}
                       ).status_code == 200
    r = client.post("/venue/redeem", json={"pass": get_pass(client, town)})
    assert r.status_code == 200 and r.json()["ok"] is True


def test_bad_input_is_a_4xx_never_a_500(client, town):
    h = town["cave"]
    assert client.post("/venue/redeem", json={}, headers=h).status_code == 422
    assert client.post("/venue/redeem", content=b"{not json", headers={**h, "content-type": "application/json"}
                       ).status_code == 422
    assert_error(client.post("/venue/redeem", json={"pass": "x" * 2000}, headers=h), 422, "invalid_request")
    assert_error(client.post("/venue/redeem", json={"pass": "x" * 5000}, headers=h), 413, "body_too_large")
    assert_error(client.post("/venue/redeem", json=["rp1.x"], headers=h), 422, "invalid_request")
    assert client.post("/venue/redeem", content=b"x" * 2_000_000, headers={**h, "content-type": "application/json"}
                       ).status_code == 413
    r = client.post("/venue/redeem", json={"pass": "rp1.AAAA"}, headers=h)
    assert r.status_code == 200 and r.json()["reason_code"] in ("pass_malformed", "pass_forged")
    assert client.get("/venue/redemptions?day=yesterday", headers=h).status_code == 422
    hh = town["holder_headers"]
    assert client.post("/me/perks/999999/pass", json={"collection": town["cid"], "token_id": 1},
                       headers=hh).status_code == 404
    assert client.post(f"/me/perks/{town['perk']}/pass", json={"collection": "0xnothex", "token_id": 1},
                       headers=hh).status_code == 422
    assert client.post(f"/me/perks/{town['perk']}/pass", json={"collection": town["cid"], "token_id": -1},
                       headers=hh).status_code == 422


def test_venue_checks_keep_answering_from_the_index_when_the_rpc_is_down(client, app, town, settings):
    """A second backend on the same database whose RPC node is unreachable still redeems, and says how stale
    its index is."""
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from tests.backend.localchain import free_port

    text = get_pass(client, town)
    app.state.services.indexer.stop()  # the first backend's indexer would keep the shared index current
    down = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}", "stale_after": 0.5})
    time.sleep(0.6)
    with TestClient(create_app(down)) as other:
        r = other.post("/venue/redeem", json={"pass": text}, headers=town["cave"])
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["ok"] is True
        assert body["index"]["as_of"] is not None and body["index"]["lag_seconds"] > 0
        assert body["index"]["stale"] is True
        assert other.get("/venue/redemptions", headers=town["cave"]).json()["count"] == 1


def test_the_documented_route_answers_like_the_fast_path(client, app, town, settings):
    """The route behind RedeemFastPath (what OpenAPI documents) gives the same answers when the fast path is
    not installed."""
    from fastapi.testclient import TestClient

    from backend.api.venue import RedeemFastPath
    from backend.app import create_app

    assert any(m.cls is RedeemFastPath for m in app.user_middleware)
    text = get_pass(client, town)
    plain = create_app(settings.model_copy(update={"indexer_enabled": False}))
    plain.user_middleware = [m for m in plain.user_middleware if m.cls is not RedeemFastPath]
    with TestClient(plain) as other:
        first = other.post("/venue/redeem", json={"pass": text}, headers=town["cave"])
        assert first.status_code == 200 and first.json()["ok"] is True
        assert set(first.json()) == {"ok", "reason_code", "message_ja", "message_en", "perk", "card", "redeemed_at",
                                     "index"}
        assert other.post("/venue/redeem", json={"pass": text}, headers=town["cave"]).json()["reason_code"] \
            == "pass_used"
        assert_error(other.post("/venue/redeem", json={"pass": text}), 401, "venue_sign_in_required")
        assert_error(other.post("/venue/redeem", json={"pass": "x" * 5000}, headers=town["cave"]), 413,
                     "body_too_large")
        assert_error(other.post("/venue/redeem", json={"nope": 1}, headers=town["cave"]), 422, "invalid_request")


def test_openapi_documents_the_perk_venue_and_staff_endpoints(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/me/perks", "/me/perks/{perk_id}/pass", "/venue/login", "/venue/redeem", "/venue/redemptions",
                 "/staff/municipalities/{municipality_id}/perks", "/staff/municipalities/{municipality_id}/kpis.csv",
                 "/staff/venues/{venue_id}/accounts"):
        assert path in paths, path
    redeem = paths["/venue/redeem"]["post"]
    assert "pass" in str(redeem["requestBody"]) and redeem["description"]
    assert "200" in redeem["responses"]


def test_a_pass_for_an_unknown_collection_is_a_clear_404(client, town):
    # Found by the fuzzing: a collection id that does not exist (0) reached a message with the wrong values.
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": 0, "token_id": 0})
    assert_error(r, 404, "collection_not_found")
