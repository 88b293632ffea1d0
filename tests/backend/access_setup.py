"""Helpers for access tests: sign a holder in the way a wallet front end does, deploy contract wallets."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from eth_account.messages import encode_defunct
from eth_utils import encode_hex

from backend.auth.signin import build_message
from tests.backend.localchain import ROOT

DOMAIN = "127.0.0.1:8000"
URI = "http://127.0.0.1:8000/signin"
CHAIN_ID = 31337


def siwe_text(address: str, nonce: str, **overrides) -> str:
    fields = dict(domain=DOMAIN, address=address, uri=URI, chain_id=CHAIN_ID, nonce=nonce,
                  issued_at=datetime.now(timezone.utc) - timedelta(seconds=1),
                  statement="Sign in to your digital resident card.")
    fields.update(overrides)
    return build_message(**fields)


def personal_sign(account, text: str) -> str:
    return encode_hex(account.sign_message(encode_defunct(text=text)).signature)


def new_nonce(client) -> str:
    response = client.post("/auth/nonce")
    assert response.status_code == 200, response.text
    return response.json()["nonce"]


def sign_in(client, account, *, address: str | None = None, **overrides):
    """POST /auth/siwe for `account` (or for the contract wallet `address` it owns); returns the response."""
    text = siwe_text(address or account.address, new_nonce(client), **overrides)
    return client.post("/auth/siwe", json={"message": text, "signature": personal_sign(account, text)})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def deploy_wallet(chain, owner: str, contract: str = "ERC1271Wallet") -> str:
    """Deploy a test contract wallet (build/contracts/<contract>.json) owned by `owner`; returns its address."""
    path = ROOT / "build" / "contracts" / f"{contract}.json"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `brownie compile` (or `make compile`) first")
    art = json.loads(path.read_text())
    factory = chain.web3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx = factory.constructor(owner).transact({"from": chain.admin})
    return chain.web3.eth.wait_for_transaction_receipt(tx)["contractAddress"]


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert body["message_en"] and body["message_ja"]
    return body
