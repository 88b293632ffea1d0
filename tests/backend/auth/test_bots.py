"""GET /bot/check for Discord/Telegram bots: a municipality's key, answers from the index."""

import pytest
from eth_account import Account
from sqlalchemy import select

from backend.auth.bots import create_bot_key
from backend.db.models_access import BotKey
from backend.db.models_chain import Collection, Municipality
from backend.db.session import begin_immediate
from tests.backend.access_setup import assert_error


@pytest.fixture
def keyed(app, client, chain_with_collection, sync_index):
    """(chain, key for the test collection's municipality, key for another municipality)."""
    sync_index()
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        collection = db.scalar(select(Collection).where(Collection.address == chain_with_collection.collection.address))
        other = Municipality(slug="elsewhere", name_ja="他市", name_en="Elsewhere")
        db.add(other)
        db.flush()
        _, key = create_bot_key(db, collection.municipality_id, "discord")
        _, other_key = create_bot_key(db, other.id, "telegram")
        db.commit()
    return chain_with_collection, key, other_key


def check(client, key, collection, address):
    return client.get("/bot/check", params={"collection": collection, "address": address}, headers={"X-Bot-Key": key})


def test_a_holder_is_confirmed_with_tier_and_a_stranger_is_not(client, keyed, sync_index, app):
    chain, key, _ = keyed
    holder = Account.create().address
    chain.collection.issue(holder, tier=1)
    chain.collection.issue(holder, tier=0)
    sync_index()
    body = check(client, key, chain.collection.address, holder.lower()).json()
    assert (body["holder"], body["tier"], body["valid_cards"], body["address"]) == (True, 1, 2, holder)
    assert body["indexed_block"] >= 1 and body["index_staleness_seconds"] is not None
    by_symbol = check(client, key, "restest", holder).json()
    assert by_symbol["holder"] is True and by_symbol["symbol"] == "RESTEST"
    stranger = check(client, key, chain.collection.address, Account.create().address).json()
    assert (stranger["holder"], stranger["tier"], stranger["valid_cards"]) == (False, None, 0)
    with app.state.services.session_factory() as db:
        assert all(row.last_used_at for row in db.scalars(select(BotKey)) if row.name == "discord")


def test_a_revoked_card_stops_counting_at_once(client, keyed, sync_index):
    chain, key, _ = keyed
    holder = Account.create().address
    token_id = chain.collection.issue(holder, tier=1)
    sync_index()
    assert check(client, key, chain.collection.address, holder).json()["holder"] is True
    chain.collection.revoke(token_id)
    sync_index()
    assert check(client, key, chain.collection.address, holder).json()["holder"] is False


def test_keys_are_required_and_limited_to_their_municipality(client, keyed):
    chain, key, other_key = keyed
    holder = Account.create().address
    assert_error(client.get("/bot/check", params={"collection": "RESTEST", "address": holder}), 401, "bot_key_invalid")
    assert_error(check(client, "rbk_made_up", "RESTEST", holder), 401, "bot_key_invalid")
    assert_error(check(client, other_key, "RESTEST", holder), 404, "not_found")
    ok = client.get("/bot/check", params={"collection": "RESTEST", "address": holder},
                    headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200


def test_bad_input_is_a_4xx_with_a_message(client, keyed):
    chain, key, _ = keyed
    assert_error(check(client, key, "RESTEST", "0x1234"), 422, "bad_address")
    assert_error(check(client, key, "NOSUCH", Account.create().address), 404, "not_found")
    assert client.get("/bot/check", params={"collection": "RESTEST"}, headers={"X-Bot-Key": key}).status_code == 422


def test_a_revoked_key_stops_working(client, app, keyed):
    chain, key, _ = keyed
    from backend.auth.secrets import token_digest

    with app.state.services.session_factory() as db:
        begin_immediate(db)
        db.scalar(select(BotKey).where(BotKey.key_digest == token_digest(key))).revoked = True
        db.commit()
    assert_error(check(client, key, "RESTEST", Account.create().address), 401, "bot_key_invalid")
