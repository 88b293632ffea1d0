"""GET /me/cards: the signed-in holder's cards from the index, with validity and metadata links."""

from tests.backend.access_setup import assert_error, bearer, sign_in


def test_my_cards_lists_what_the_wallet_holds(client, chain_with_collection, sync_index):
    chain = chain_with_collection
    holder = chain.new_holder()
    first = chain.collection.issue(holder.address, tier=1, expires_at=4_102_444_800)  # 2100-01-01
    chain.soulbound_collection.issue(holder.address)
    sync_index()
    token = sign_in(client, holder).json()["token"]
    cards = client.get("/me/cards", headers=bearer(token)).json()
    assert [(c["symbol"], c["token_id"]) for c in cards] == sorted(
        [("RESTEST", first), ("RESSOUL", cards[1]["token_id"] if cards[1]["symbol"] == "RESSOUL" else cards[0]["token_id"])],
        key=lambda pair: [c["symbol"] for c in cards].index(pair[0]))
    tradable = next(c for c in cards if c["symbol"] == "RESTEST")
    assert tradable["tier"] == 1 and tradable["expires_at"] == 4_102_444_800
    assert tradable["soulbound"] is False and tradable["valid_now"] is True and tradable["invalid_reason"] is None
    assert tradable["status"] == "active" and tradable["resident_number"] >= 1
    assert tradable["metadata_url"] == f"http://127.0.0.1:8000/metadata/RESTEST/{first}"
    assert tradable["image"].startswith("http://127.0.0.1:8000/ipfs/b")  # rendered by Services.card_image
    soulbound = next(c for c in cards if c["symbol"] == "RESSOUL")
    assert soulbound["soulbound"] is True and soulbound["locked"] is True


def test_a_transferred_card_leaves_my_cards(client, chain_with_collection, sync_index):
    chain = chain_with_collection
    holder, friend = chain.new_holder(), chain.new_holder()
    token_id = chain.collection.issue(holder.address)
    sync_index()
    token = sign_in(client, holder).json()["token"]
    assert [c["token_id"] for c in client.get("/me/cards", headers=bearer(token)).json()] == [token_id]
    chain.collection.transfer(token_id, friend.address)
    sync_index()
    assert client.get("/me/cards", headers=bearer(token)).json() == []


def test_an_image_resolver_is_used_when_the_app_has_one(app, client, chain_with_collection, sync_index):
    chain = chain_with_collection
    holder = chain.new_holder()
    chain.collection.issue(holder.address)
    sync_index()
    app.state.services.card_image = lambda card: f"ipfs://image-of-{card.symbol}-{card.token_id}"
    token = sign_in(client, holder).json()["token"]
    card = client.get("/me/cards", headers=bearer(token)).json()[0]
    assert card["image"] == f"ipfs://image-of-RESTEST-{card['token_id']}"


def test_my_cards_needs_a_holder_session(client):
    client.cookies.clear()
    assert_error(client.get("/me/cards"), 401, "not_signed_in")
    assert_error(client.get("/me/cards", headers=bearer("not-a-token")), 401, "not_signed_in")


def test_openapi_documents_every_access_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/auth/nonce", "post"), ("/auth/siwe", "post"), ("/auth/logout", "post"),
        ("/me", "get"), ("/me/cards", "get"), ("/staff/login", "post"), ("/staff/logout", "post"),
        ("/staff/me", "get"), ("/staff/municipalities/{municipality_id}/bot-keys", "post"),
        ("/staff/municipalities/{municipality_id}/bot-keys/{key_id}", "delete"),
        ("/staff/municipalities/{municipality_id}/forums", "post"), ("/forum/sso", "get"), ("/bot/check", "get"),
    }
    for path, method in expected:
        operation = paths[path][method]
        assert operation["summary"] and operation.get("description"), (path, method)
