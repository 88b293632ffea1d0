"""Passkey resident accounts over HTTP: the WebAuthn ceremonies (the real `webauthn` library), the account
address predicted by the real ResidentAccountFactory on anvil, and every refusal with its catalogue code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from backend.app import create_app
from backend.auth import passkey_signing
from backend.auth.passkey_accounts import ensure_deployed
from backend.chain import signatures
from backend.civic import ballots
from backend.settings import Settings
from tests.backend.auth.softkey import SoftKey, b64url
from tests.backend.conftest import SAME_ORIGIN
from tests.backend.localchain import ANVIL_KEYS

BUILD = Path(__file__).resolve().parents[3] / "build" / "contracts" / "ResidentAccountFactory.json"


@pytest.fixture(scope="session")
def factory_address(anvil):
    build = json.loads(BUILD.read_text())  # `brownie compile` makes it
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    contract = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(contract.constructor().transact({"from": w3.eth.accounts[0]}))
    return receipt.contractAddress


@pytest.fixture
def settings(db_url, chain_with_collection, anvil, factory_address):
    return Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                    data_dir=chain_with_collection.data_dir, database_url=db_url, poll_interval=0.05,
                    stale_after=5.0, jobs_enabled=False, public_url="http://testserver",
                    account_factory_address=factory_address, issuer_key=ANVIL_KEYS[1])


def options(client, step: str) -> dict:
    answer = client.post(f"/passkeys/{step}/options")
    assert answer.status_code == 200, answer.text
    return answer.json()["options"]


def refused(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


def register(client, key: SoftKey, **kwargs):
    return client.post("/passkeys/register", json={"credential": key.register(options(client, "register"), **kwargs)})


def test_options_name_the_public_url(client):
    creation = options(client, "register")
    assert creation["rp"]["id"] == "testserver"
    assert creation["authenticatorSelection"]["userVerification"] == "required"
    assert creation["pubKeyCredParams"] == [{"type": "public-key", "alg": -7}]
    assert options(client, "register")["challenge"] != creation["challenge"]


def test_register_signs_in_as_the_predicted_account(client, app, factory_address):
    key = SoftKey()
    answer = register(client, key)
    assert answer.status_code == 200, answer.text
    account = answer.json()["address"]
    chain = app.state.services.chain
    factory = chain.web3.eth.contract(address=factory_address, abi=[{
        "type": "function", "name": "predictAddress", "stateMutability": "view",
        "inputs": [{"name": "qx", "type": "bytes32"}, {"name": "qy", "type": "bytes32"}],
        "outputs": [{"name": "", "type": "address"}]}])
    assert account == factory.functions.predictAddress(*key.xy).call()
    me = client.get("/me/cards", headers={"Authorization": f"Bearer {answer.json()['token']}"})
    assert me.status_code == 200, me.text


def test_stores_only_public_data(client, app):
    key = SoftKey()
    assert register(client, key).status_code == 200
    from backend.db.models_access import PasskeyCredential
    with app.state.services.session_factory() as db:
        row = db.query(PasskeyCredential).one()
        assert (row.public_x, row.public_y) == tuple("0x" + part.hex() for part in key.xy)
        assert row.sign_count == 0


def test_replayed_registration_refused(client):
    key = SoftKey()
    credential = key.register(options(client, "register"))
    assert client.post("/passkeys/register", json={"credential": credential}).status_code == 200
    refused(client.post("/passkeys/register", json={"credential": credential}), 401, "passkey_challenge_invalid")


def test_unknown_challenge_refused(client):
    refused(register_with(client, SoftKey(), {"challenge": "d2ViYXV0aG46bm90LWlzc3VlZA"}), 401,
            "passkey_challenge_invalid")


def register_with(client, key, fake_options):
    return client.post("/passkeys/register", json={"credential": key.register(fake_options)})


def test_siwe_nonce_is_not_a_challenge(client):
    nonce = client.post("/auth/nonce").json()["nonce"]
    from backend.auth.passkeys import b64url
    refused(register_with(client, SoftKey(), {"challenge": b64url(nonce.encode())}), 401, "passkey_challenge_invalid")


def test_wrong_origin_refused(client):
    refused(register(client, SoftKey(), origin="https://evil.example"), 401, "passkey_wrong_origin")


def test_wrong_rp_id_refused(client):
    refused(register(client, SoftKey(), rp_id="evil.example"), 401, "passkey_wrong_rp_id")


def test_refused_challenge_is_spent(client):
    key = SoftKey()
    creation = options(client, "register")
    refused(client.post("/passkeys/register", json={"credential": key.register(creation, rp_id="evil.example")}),
            401, "passkey_wrong_rp_id")
    refused(client.post("/passkeys/register", json={"credential": key.register(creation)}), 401,
            "passkey_challenge_invalid")


def test_malformed_refused(client):
    refused(client.post("/passkeys/register", json={"credential": {"response": {"clientDataJSON": "!!"}}}), 400,
            "passkey_malformed")


def test_same_credential_twice_refused(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    refused(register(client, key), 409, "passkey_already_registered")


def signin_options(client, key: SoftKey) -> dict:
    answer = client.post("/passkeys/signin/options", json={"credential_id": b64url(key.credential_id)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def sign_in(client, key: SoftKey, **kwargs):
    """What the page does: the account's sign-in message, its ERC-7739 hash signed as the challenge."""
    offered = signin_options(client, key)
    return client.post("/passkeys/signin", json={"credential": key.assert_(offered["options"], **kwargs),
                                                 "message": offered["message"]})


def test_sign_in_through_the_account_before_and_after_deployment(client, app, factory_address):
    key = SoftKey()
    account = register(client, key).json()["address"]
    offered = signin_options(client, key)
    assert offered["account"] == account and account in offered["message"]
    challenge = _unb64(offered["options"]["challenge"])
    assert challenge == passkey_signing.personal_sign(signatures.message_hash(offered["message"]), 31337,
                                                      account).challenge
    assert offered["options"]["allowCredentials"] == [{"type": "public-key", "id": b64url(key.credential_id)}]
    answer = client.post("/passkeys/signin", json={"credential": key.assert_(offered["options"]),
                                                   "message": offered["message"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["address"] == account
    services = app.state.services
    assert services.chain.web3.eth.get_code(account) == b""  # signed in through ERC-6492: nothing deployed
    ensure_deployed(services.chain, services.issuer, factory_address, *key.xy)
    again = sign_in(client, key)
    assert again.status_code == 200, again.text  # through ERC-1271 now
    assert again.json()["address"] == account
    me = client.get("/me/cards", headers={"Authorization": f"Bearer {again.json()['token']}"})
    assert me.status_code == 200, me.text


def test_replayed_assertion_refused(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    offered = signin_options(client, key)
    body = {"credential": key.assert_(offered["options"]), "message": offered["message"]}
    assert client.post("/passkeys/signin", json=body).status_code == 200
    key.counter += 1
    refused(client.post("/passkeys/signin", json=body), 401, "passkey_counter_backwards")
    body["credential"] = key.assert_(offered["options"])  # the same message (its nonce is spent) signed anew
    refused(client.post("/passkeys/signin", json=body), 401, "siwe_nonce_invalid")


def test_counter_backwards_refused(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    assert sign_in(client, key, counter=5).status_code == 200
    refused(sign_in(client, key, counter=3), 401, "passkey_counter_backwards")


def test_unknown_passkey_refused(client):
    stranger = SoftKey()
    refused(client.post("/passkeys/signin/options", json={"credential_id": b64url(stranger.credential_id)}), 401,
            "passkey_unknown")
    refused(client.post("/passkeys/signin", json={"credential": stranger.assert_(options(client, "signin")),
                                                  "message": "x"}), 401, "passkey_unknown")


def test_wrong_key_for_credential_refused(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    impostor = SoftKey()
    impostor.credential_id = key.credential_id
    answer = sign_in(client, impostor)
    refused(answer, 401, "siwe_bad_signature")


def test_another_message_than_the_signed_one_refused(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    first, second = signin_options(client, key), signin_options(client, key)
    answer = client.post("/passkeys/signin", json={"credential": key.assert_(first["options"]),
                                                   "message": second["message"]})
    refused(answer, 401, "siwe_bad_signature")


def test_sign_in_origin_and_rp_id_checked(client):
    key = SoftKey()
    assert register(client, key).status_code == 200
    refused(sign_in(client, key, origin="https://evil.example"), 401, "passkey_wrong_origin")
    refused(sign_in(client, key, rp_id="evil.example"), 401, "passkey_wrong_rp_id")


def test_typed_data_signed_by_the_passkey_account(client, app, factory_address, chain_with_collection):
    key = SoftKey()
    account = register(client, key).json()["address"]
    data = ballots.typed_data(chain_id=31337, contract=chain_with_collection.collection.address, poll_id=1,
                              token_id=2, answers_hash_hex="0x" + "cd" * 32, expires_at=2_000_000_000)
    chain = app.state.services.chain

    def signed() -> str:
        named = {"credential_id": b64url(key.credential_id), "typed_data": data}
        offered = client.post("/passkeys/sign/options", json=named)
        assert offered.status_code == 200, offered.text
        answer = client.post("/passkeys/sign", json={"credential": key.assert_(offered.json()["options"]),
                                                     "typed_data": data})
        assert answer.status_code == 200, answer.text
        return answer.json()["signature"]

    assert signatures.verify_typed_data(chain, account, data, signed()).kind == "erc6492"
    ensure_deployed(chain, app.state.services.issuer, factory_address, *key.xy)
    assert signatures.verify_typed_data(chain, account, data, signed()).kind == "erc1271"
    refused(client.post("/passkeys/sign/options", json={"credential_id": b64url(key.credential_id),
                                                        "typed_data": {"types": 1}}), 400, "passkey_malformed")


def _unb64(text: str) -> bytes:
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_cross_origin_refused(app):
    with TestClient(app, headers={"Origin": "https://evil.example"}) as other:
        refused(other.post("/passkeys/register/options"), 403, "cross_origin_refused")
        refused(other.post("/passkeys/register", json={"credential": {}}), 403, "cross_origin_refused")
        refused(other.post("/passkeys/signin", json={"credential": {}, "message": ""}), 403, "cross_origin_refused")
        refused(other.post("/passkeys/signin/options", json={}), 403, "cross_origin_refused")
        refused(other.post("/passkeys/sign/options", json={"credential_id": "a", "typed_data": {}}), 403,
                "cross_origin_refused")
        refused(other.post("/passkeys/sign", json={"credential": {}, "typed_data": {}}), 403,
                "cross_origin_refused")


def test_unavailable_without_factory(db_url, chain_with_collection, anvil):
    settings = Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                        data_dir=chain_with_collection.data_dir, database_url=db_url, jobs_enabled=False,
                        public_url="http://testserver")
    with TestClient(create_app(settings), headers=SAME_ORIGIN) as client:
        refused(client.post("/passkeys/register/options"), 503, "passkeys_unavailable")


def test_deployed_when_first_needed(client, app, factory_address):
    key = SoftKey()
    account = register(client, key).json()["address"]
    services = app.state.services
    assert services.chain.web3.eth.get_code(account) == b""
    assert ensure_deployed(services.chain, services.issuer, factory_address, *key.xy) == account
    assert services.chain.web3.eth.get_code(account) != b""
    assert ensure_deployed(services.chain, services.issuer, factory_address, *key.xy) == account


def test_in_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/passkeys/register/options", "/passkeys/register", "/passkeys/signin/options", "/passkeys/signin",
                 "/passkeys/sign/options", "/passkeys/sign"):
        assert "post" in paths[path]


def test_factory_address_setting_checked():
    with pytest.raises(ValueError):
        Settings(_env_file=None, environment="test", account_factory_address="0x1234")
