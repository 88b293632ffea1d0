"""A sponsored claim by a passkey account that is not deployed yet: the resident's passkey (a software
authenticator, tests/backend/auth/softkey.py) signs the claim request through the account (ERC-7739
TypedDataSign, ERC-6492-wrapped); the minter's check (OpenZeppelin SignatureChecker, ERC-1271 only) needs
the account's code, so the relayer deploys it first (the municipality pays), and takes the 6492 wrapper
off. Real anvil, real factory, minter and card."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from backend.db.models_audit import AuditEvent
from tests.backend.auth.softkey import SoftKey, b64url
from tests.backend.campaigns.test_sponsored import RELAYER, create, minters, post, set_policy, town  # noqa: F401
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.viem_setup import deploy


@pytest.fixture(scope="module")
def factory_address(chain_with_collection):
    return deploy(chain_with_collection, "ResidentAccountFactory")


@pytest.fixture
def settings(settings, minters, factory_address):  # noqa: F811
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])
    settings.relayer_key = SecretStr(ANVIL_KEYS[1])
    settings.account_factory_address = factory_address
    settings.public_url = "http://testserver"  # the RP the software authenticator answers for
    return settings


def passkey_resident(client) -> tuple[SoftKey, str, dict]:
    key = SoftKey()
    client.cookies.clear()
    options = client.post("/passkeys/register/options").json()["options"]
    answer = client.post("/passkeys/register", json={"credential": key.register(options)})
    assert answer.status_code == 200, answer.text
    return key, answer.json()["address"], {"Authorization": f"Bearer {answer.json()['token']}"}


def passkey_signed(client, key: SoftKey, headers: dict, campaign_id: int) -> dict:
    typed = client.get(f"/me/campaigns/{campaign_id}/sponsored-claim", headers=headers).json()
    named = {"credential_id": b64url(key.credential_id), "typed_data": typed}
    offered = client.post("/passkeys/sign/options", json=named)
    assert offered.status_code == 200, offered.text
    signed = client.post("/passkeys/sign", json={"credential": key.assert_(offered.json()["options"]),
                                                 "typed_data": typed})
    assert signed.status_code == 200, signed.text
    return {"request": {k: (str(v) if isinstance(v, int) else v) for k, v in typed["message"].items()},
            "signature": signed.json()["signature"]}


def deployments(app, account_factory: str) -> list[AuditEvent]:
    with app.state.services.session_factory() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "transaction")).all()
        return [e for e in events if (e.changes or {}).get("to", "").lower() == account_factory.lower()]


def test_the_relayer_deploys_the_passkey_account_then_sends_its_claim(client, app, town, chain_with_collection,
                                                                        factory_address):
    chain = chain_with_collection
    campaign = create(client, town, chain)
    set_policy(client, town)
    key, account, headers = passkey_resident(client)
    body = passkey_signed(client, key, headers, campaign["id"])
    assert body["signature"].endswith("6492" * 16) and chain.web3.eth.get_code(account) == b""

    response = post(client, campaign["id"], headers, body)
    assert response.status_code == 201, response.text
    assert chain.web3.eth.get_code(account) != b""
    card = chain.soulbound_collection.contract
    assert card.functions.ownerOf(response.json()["first_token_id"]).call() == account
    made = deployments(app, factory_address)
    assert len(made) == 1 and made[0].changes["from"].lower() == RELAYER.address.lower()
    assert made[0].changes["function"] == "createAccount"


def test_a_refused_claim_deploys_nothing(client, app, town, chain_with_collection, factory_address):
    chain = chain_with_collection
    campaign = create(client, town, chain)
    set_policy(client, town, enabled=False)  # the town does not pay for this one: refused before any cost
    key, account, headers = passkey_resident(client)
    response = post(client, campaign["id"], headers, passkey_signed(client, key, headers, campaign["id"]))
    assert response.status_code >= 400, response.text
    assert chain.web3.eth.get_code(account) == b"" and deployments(app, factory_address) == []
