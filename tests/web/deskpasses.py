"""Passes for the desk tests, made the way a holder's phone makes them: SIWE sign-in with the holder's
key (anvil's public development keys; eth-account signs, as a wallet would), then POST /me/perks/{id}/pass.

Only the API is used (httpx against the running stack): the desk page under test is the one part
driven through the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct

# anvil's development keys (public, test only) for the demo holders (scripts/demo.py):
# account 1 holds card 1 (premium), accounts 2 and 3 hold cards 2 and 3 (basic).
HOLDER_KEYS = {
    1: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    2: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    3: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
}
CAVE_PERK = "Akiyoshi-do Cave: free entry"  # once a day, at the cave (backend/demo.py)
COWORK_PERK = "Coworking space: day pass"  # 12 a year, at the coworking space
CAVE_DESK = ("cave-desk", "demo-cave-password")
COWORK_DESK = ("cowork-desk", "demo-cowork-password")


@dataclass
class Holder:
    """A signed-in demo holder: an httpx client with the holder's session."""

    client: httpx.Client
    address: str

    def card(self) -> dict:
        response = self.client.get("/me/cards")
        assert response.status_code == 200, response.text
        cards = response.json()
        assert cards, f"{self.address} holds no card"
        return cards[0]

    def perk_id(self, name_en: str) -> int:
        response = self.client.get("/me/perks")
        assert response.status_code == 200, response.text
        for item in response.json():
            if item["perk"]["name_en"] == name_en:
                return item["perk"]["id"]
        raise AssertionError(f"{self.address} has no perk {name_en!r}: {response.text}")

    def pass_for(self, perk_name_en: str) -> dict:
        """A fresh pass (the answer of POST /me/perks/{id}/pass: pass, expires_at, resident_number...)."""
        card = self.card()
        response = self.client.post(f"/me/perks/{self.perk_id(perk_name_en)}/pass",
                                    json={"collection": card["collection_id"], "token_id": card["token_id"]})
        assert response.status_code == 200, response.text
        return response.json()


def sign_in_holder(base_url: str, number: int) -> Holder:
    """Demo holder `number` (1-3) signed in through SIWE: the message the backend builds, personal_sign."""
    account = Account.from_key(HOLDER_KEYS[number])
    client = httpx.Client(base_url=base_url, timeout=15)
    nonce = client.post("/auth/nonce", json={"address": account.address})
    assert nonce.status_code == 200, nonce.text
    message = nonce.json()["message"]
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    if not signature.startswith("0x"):
        signature = "0x" + signature
    response = client.post("/auth/siwe", json={"message": message, "signature": signature})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return Holder(client, account.address)
