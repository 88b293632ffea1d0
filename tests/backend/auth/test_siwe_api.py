"""Wallet sign-in over HTTP (EIP-4361): nonce -> signed message -> session (cookie and bearer), on a real
chain (ERC-1271 contract wallets deployed on anvil) and both databases."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account

from tests.backend.access_setup import (
    assert_error,
    bearer,
    deploy_wallet,
    new_nonce,
    personal_sign,
    sign_in,
    siwe_text,
)
from backend.auth import holders
from backend.auth.errors import SiweNonceInvalid
from backend.auth.nonces import issue_nonce
from backend.chain.client import Chain
from backend.db.models_access import AuthSession, Holder
from backend.auth.secrets import token_digest


@pytest.fixture
def db_sessions_of_app(app, client):
    """Sessions on the app's own database (the client has started it and run the migrations)."""
    return app.state.services.session_factory


def test_nonce_is_alphanumeric_single_use_and_short_lived(client):
    body = client.post("/auth/nonce").json()
    assert body["nonce"].isalnum() and len(body["nonce"]) >= 8
    assert body["domain"] == "127.0.0.1:8000"
    assert body["uri"] == "http://127.0.0.1:8000"
    assert body["chain_id"] == 31337
    assert 0 < body["expires_at"] - time.time() <= 300
    assert client.post("/auth/nonce").json()["nonce"] != body["nonce"]


def test_an_eoa_signs_in_with_cookie_and_bearer(client, db_sessions_of_app):
    account = Account.create()
    response = sign_in(client, account)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address"] == account.address
    assert body["contract_wallet"] is False
    cookie = response.headers["set-cookie"]
    assert "resident_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # the test site is http; Secure is set for https sites
    # The cookie alone works (browsers) ...
    assert client.get("/me").json()["address"] == account.address
    # ... and the bearer token alone works (API clients).
    client.cookies.clear()
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers=bearer(body["token"])).json()["address"] == account.address
    # Only the token's digest is stored.
    with db_sessions_of_app() as db:
        stored = db.query(AuthSession).one()
        assert stored.token_digest == token_digest(body["token"]) and body["token"] not in stored.token_digest
        assert stored.subject == account.address
        assert db.get(Holder, account.address).sign_in_count == 1


def test_a_replayed_sign_in_is_refused(client):
    account = Account.create()
    text = siwe_text(account.address, new_nonce(client))
    payload = {"message": text, "signature": personal_sign(account, text)}
    assert client.post("/auth/siwe", json=payload).status_code == 200
    assert_error(client.post("/auth/siwe", json=payload), 401, "siwe_nonce_invalid")


def test_a_nonce_the_server_never_issued_is_refused(client):
    account = Account.create()
    text = siwe_text(account.address, "madeUpNonce123")
    assert_error(client.post("/auth/siwe", json={"message": text, "signature": personal_sign(account, text)}),
                 401, "siwe_nonce_invalid")


def test_an_expired_nonce_is_refused(client, db_sessions_of_app):
    account = Account.create()
    with db_sessions_of_app() as db:
        nonce, _ = issue_nonce(db, now=int(datetime.now(timezone.utc).timestamp()) - 301)
        db.commit()
    text = siwe_text(account.address, nonce)
    assert_error(client.post("/auth/siwe", json={"message": text, "signature": personal_sign(account, text)}),
                 401, "siwe_nonce_invalid")


def test_a_bad_signature_does_not_burn_the_nonce(client):
    account, thief = Account.create(), Account.create()
    text = siwe_text(account.address, new_nonce(client))
    assert_error(client.post("/auth/siwe", json={"message": text, "signature": personal_sign(thief, text)}),
                 401, "siwe_bad_signature")
    assert client.post("/auth/siwe", json={"message": text, "signature": personal_sign(account, text)}).status_code == 200


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"domain": "evil.example"}, 400, "siwe_domain_mismatch"),
        ({"uri": "https://evil.example/login"}, 400, "siwe_domain_mismatch"),
        ({"chain_id": 1}, 400, "siwe_chain_mismatch"),
        ({"issued_at": datetime.now(timezone.utc) + timedelta(hours=1)}, 400, "siwe_not_in_time"),
        ({"expiration_time": datetime.now(timezone.utc) - timedelta(seconds=5)}, 400, "siwe_not_in_time"),
        ({"not_before": datetime.now(timezone.utc) + timedelta(hours=1)}, 400, "siwe_not_in_time"),
    ],
)
def test_messages_for_another_site_chain_or_time_are_refused(client, overrides, status, code):
    assert_error(sign_in(client, Account.create(), **overrides), status, code)


def test_tampered_and_malformed_input_are_4xx_with_messages(client):
    account = Account.create()
    text = siwe_text(account.address, new_nonce(client))
    signature = personal_sign(account, text)
    assert_error(client.post("/auth/siwe", json={"message": text.replace("your digital", "my digital"),
                                                 "signature": signature}), 401, "siwe_bad_signature")
    assert_error(client.post("/auth/siwe", json={"message": "hello", "signature": signature}), 400, "siwe_malformed")
    assert_error(client.post("/auth/siwe", json={"message": text, "signature": "0xnothex"}), 401, "siwe_bad_signature")
    assert client.post("/auth/siwe", json={"message": text}).status_code == 422
    assert client.post("/auth/siwe", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422


def test_session_expiry_follows_the_messages_expiration_time(client):
    expires = datetime.now(timezone.utc) + timedelta(minutes=3)
    body = sign_in(client, Account.create(), expiration_time=expires).json()
    assert abs(body["expires_at"] - expires.timestamp()) <= 1


def test_logout_ends_the_session(client):
    token = sign_in(client, Account.create()).json()["token"]
    assert client.post("/auth/logout").json() == {"signed_out": True}
    assert client.get("/me", headers=bearer(token)).status_code == 401
    assert_error(client.get("/me"), 401, "not_signed_in")


def test_a_contract_wallet_signs_in_through_erc1271(client, chain_with_collection):
    owner = Account.create()
    wallet = deploy_wallet(chain_with_collection, owner.address)
    response = sign_in(client, owner, address=wallet)
    assert response.status_code == 200, response.text
    assert response.json() == {**response.json(), "address": wallet, "contract_wallet": True}
    assert client.get("/me").json()["address"] == wallet


def test_a_contract_wallet_refuses_a_stranger(client, chain_with_collection):
    wallet = deploy_wallet(chain_with_collection, Account.create().address)
    assert_error(sign_in(client, Account.create(), address=wallet), 401, "siwe_bad_signature")


def test_a_wallet_answering_a_wrong_magic_value_is_refused(client, chain_with_collection):
    owner = Account.create()
    wallet = deploy_wallet(chain_with_collection, owner.address, "ERC1271WrongMagicWallet")
    assert_error(sign_in(client, owner, address=wallet), 401, "siwe_bad_signature")


def test_a_contract_wallet_with_the_rpc_down_is_503_not_500(settings, chain_with_collection):
    from fastapi.testclient import TestClient

    from backend.app import create_app

    owner = Account.create()
    wallet = deploy_wallet(chain_with_collection, owner.address)
    down = settings.model_copy(update={"rpc_url": "http://127.0.0.1:9", "indexer_enabled": False})
    with TestClient(create_app(down)) as offline:
        assert_error(sign_in(offline, owner, address=wallet), 503, "chain_unavailable")
        assert sign_in(offline, owner).status_code == 200  # EOAs need no chain


def test_concurrent_replays_of_one_message_open_exactly_one_session(db_sessions, settings):
    """The nonce is consumed by one conditional UPDATE: racing sign-ins with the same message, each in its
    own connection, let exactly one in (real threads on the real database)."""
    account = Account.create()
    with db_sessions() as db:
        nonce, _ = issue_nonce(db)
        db.commit()
    text = siwe_text(account.address, nonce)
    signature = personal_sign(account, text)
    chain = Chain(settings.rpc_url)

    def attempt(_):
        with db_sessions() as db:
            try:
                holders.sign_in(db, chain, settings, text, signature)
                db.commit()
                return "ok"
            except SiweNonceInvalid:
                db.rollback()
                return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sorted(outcomes) == ["ok"] + ["refused"] * 7
    with db_sessions() as db:
        assert db.query(AuthSession).count() == 1


def test_the_server_writes_the_message_for_an_address_and_it_signs_in(client):
    """The sign-in page's flow: ask for the message, sign it as it is, post it back."""
    account = Account.create()
    body = client.post("/auth/nonce", json={"address": account.address.lower()}).json()
    message = body["message"]
    assert message.startswith("127.0.0.1:8000 wants you to sign in with your Ethereum account:\n" + account.address)
    assert f"Nonce: {body['nonce']}" in message and "Chain ID: 31337" in message
    assert "Expiration Time: " not in message  # it would cap the session at the nonce's 5 minutes
    response = client.post("/auth/siwe", json={"message": message, "signature": personal_sign(account, message)})
    assert response.status_code == 200, response.text
    assert response.json()["expires_at"] > time.time() + 6 * 24 * 3600  # a holder session: a week


def test_a_message_for_a_malformed_address_is_refused(client):
    assert_error(client.post("/auth/nonce", json={"address": "0x123"}), 422, "bad_address")
