"""A passkey account's signatures through the one verifier (backend/chain/signatures.py), before and after
its deployment: the real ResidentAccountFactory and ResidentAccount (OpenZeppelin SignerWebAuthn + ERC7739)
on anvil decide, by eth_call of the ERC-6492 universal validator. The passkey is a software authenticator
(a `cryptography` P-256 key building authenticatorData and clientDataJSON per the WebAuthn spec): a signer,
not a verifier. Sign-in messages go through ERC-7739 PersonalSign, ballots and claim requests through
TypedDataSign."""

from __future__ import annotations

import pytest

from backend.auth import passkey_signing
from backend.auth.passkey_accounts import ensure_deployed, predict_account
from backend.campaigns import claim_requests
from backend.chain import signatures
from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.civic import ballots
from tests.backend.auth.softkey import SoftKey, b64url
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.viem_setup import deploy

CHAIN_ID = 31337


@pytest.fixture
def chain(anvil):
    return Chain(anvil.url)


@pytest.fixture
def factory(chain_with_collection):
    return deploy(chain_with_collection, "ResidentAccountFactory")


def sign(key: SoftKey, to_sign: passkey_signing.ToSign) -> bytes:
    """What the page does: the account-domain hash as the WebAuthn challenge, then the auth struct."""
    response = key.assert_({"challenge": b64url(to_sign.challenge)})["response"]
    return passkey_signing.from_assertion(response, to_sign)


def ballot(contract: str) -> dict:
    return ballots.typed_data(chain_id=CHAIN_ID, contract=contract, poll_id=4, token_id=7,
                              answers_hash_hex="0x" + "ab" * 32, expires_at=2_000_000_000)


def claim(minter: str, recipient: str) -> dict:
    domain = {"name": "ResidentMinter", "version": "1", "chainId": CHAIN_ID, "verifyingContract": minter}
    return claim_requests.typed_data(domain, claim_requests.ClaimRequest(
        recipient=recipient, campaign_id=1, quantity=1, nonce=0, deadline=2_000_000_000))


def test_before_and_after_deployment(chain, chain_with_collection, factory):
    key = SoftKey()
    account = predict_account(chain, factory, *key.xy)
    message = "example.jp wants you to sign in with your Ethereum account"
    hash_ = signatures.message_hash(message)
    raw = sign(key, passkey_signing.personal_sign(hash_, CHAIN_ID, account))
    wrapped = passkey_signing.wrap_6492(raw, factory, *key.xy)
    data = ballot(chain_with_collection.collection.address)
    typed = passkey_signing.typed_data_sign(data, CHAIN_ID, account)
    vote = sign(key, typed)

    assert chain.web3.eth.get_code(account) == b""
    assert signatures.verify_hash(chain, account, hash_, wrapped) == signatures.Verdict(True, kind="erc6492")
    assert signatures.verify_typed_data(chain, account, data, passkey_signing.wrap_6492(vote, factory, *key.xy))
    # Unwrapped, an undeployed account has no code to answer.
    assert signatures.verify_hash(chain, account, hash_, raw).reason == "signature_wrong_signer"

    issuer = Issuer(chain, ANVIL_KEYS[1], CHAIN_ID)
    assert ensure_deployed(chain, issuer, factory, *key.xy) == account
    assert chain.web3.eth.get_code(account) != b""
    assert signatures.verify_hash(chain, account, hash_, raw) == signatures.Verdict(True, kind="erc1271")
    assert signatures.verify_typed_data(chain, account, data, vote).kind == "erc1271"
    # A 6492 wrapper made before deployment stays valid after it (the validator skips the factory call).
    assert signatures.verify_hash(chain, account, hash_, wrapped)
    assert ballots.signed_by(data, vote, account, lambda *args: signatures.verify_hash(chain, *args))


def test_claim_request_typed_data_sign(chain, chain_with_collection, factory):
    key = SoftKey()
    account = predict_account(chain, factory, *key.xy)
    data = claim(chain_with_collection.collection.address, account)
    signature = sign(key, passkey_signing.typed_data_sign(data, CHAIN_ID, account))
    assert signatures.verify_typed_data(chain, account, data, passkey_signing.wrap_6492(signature, factory, *key.xy))
    other = claim(chain_with_collection.collection.address, account)
    other["message"]["quantity"] = 2
    assert not signatures.verify_typed_data(chain, account, other,
                                            passkey_signing.wrap_6492(signature, factory, *key.xy))


def test_refusals(chain, factory):
    key, stranger = SoftKey(), SoftKey()
    account = predict_account(chain, factory, *key.xy)
    other_account = predict_account(chain, factory, *stranger.xy)
    hash_ = signatures.message_hash("sign in")
    # Another passkey's signature for this account; this passkey's signature for another of its accounts'
    # domain (ERC-7739: not replayable across accounts); the raw hash signed without the nesting.
    cases = [
        sign(stranger, passkey_signing.personal_sign(hash_, CHAIN_ID, account)),
        sign(key, passkey_signing.personal_sign(hash_, CHAIN_ID, other_account)),
        sign(key, passkey_signing.ToSign(hash_)),
    ]
    for raw in cases:
        verdict = signatures.verify_hash(chain, account, hash_, passkey_signing.wrap_6492(raw, factory, *key.xy))
        assert not verdict and verdict.reason == "signature_contract_refused"
    # A hash it did not sign.
    raw = sign(key, passkey_signing.personal_sign(hash_, CHAIN_ID, account))
    assert not signatures.verify_hash(chain, account, signatures.message_hash("other"),
                                      passkey_signing.wrap_6492(raw, factory, *key.xy))


def test_high_s_is_made_low(chain, factory):
    """Authenticators give either s; OZ's P256.verify takes only the low one, so the encoder flips it."""
    key = SoftKey()
    account = predict_account(chain, factory, *key.xy)
    hash_ = signatures.message_hash("sign in")
    to_sign = passkey_signing.personal_sign(hash_, CHAIN_ID, account)
    seen = set()
    for _ in range(12):
        raw = sign(key, to_sign)
        s = int.from_bytes(raw[32:64], "big")
        assert s <= passkey_signing.P256_N // 2
        seen.add(raw)
        assert signatures.verify_hash(chain, account, hash_, passkey_signing.wrap_6492(raw, factory, *key.xy))
    assert len(seen) == 12
