"""The one nullifier scheme: who a person is to this deployment, from (provider, subject) and the secret."""

from __future__ import annotations

import hmac

import pytest

from backend.identity.nullifier import PURPOSE, NullifierError, nullifier, onchain_nullifier
from backend.identity.verifier import DEV_ISSUER, IdentityVerifier
from backend.settings import Settings

SECRET = "dev-only-identity-secret-for-nullifier-tests"


def test_the_nullifier_is_an_hmac_of_provider_and_subject_under_the_identity_secret():
    key = hmac.digest(SECRET.encode(), PURPOSE, "sha256")
    expected = hmac.new(key, b"https://xid.example\x00person-1", "sha256").hexdigest()
    assert nullifier(SECRET, "https://xid.example", "person-1") == expected
    assert nullifier(SECRET, "https://xid.example", "person-1") != nullifier(SECRET, "https://xid.example", "person-2")
    assert nullifier(SECRET, "https://xid.example", "person-1") != nullifier(SECRET, "https://other.example", "person-1")
    assert nullifier(SECRET, "https://xid.example", "person-1") != nullifier(SECRET + "!", "https://xid.example",
                                                                            "person-1")


def test_the_verifier_uses_the_same_scheme():
    settings = Settings(_env_file=None, environment="test", identity_secret=SECRET)
    verifier = IdentityVerifier.from_settings(settings)
    assert verifier.nullifier(DEV_ISSUER, "xid-0001") == nullifier(settings.identity_key, DEV_ISSUER, "xid-0001")


def test_on_chain_a_voucher_carries_a_per_collection_derivation():
    person = nullifier(SECRET, DEV_ISSUER, "xid-0001")
    card_a, card_b = "0x" + "aa" * 20, "0x" + "bb" * 20
    onchain = onchain_nullifier(person, 31337, card_a)
    assert len(onchain) == 32 and onchain.hex() != person  # the database's key never goes on chain
    assert onchain == onchain_nullifier(person, 31337, card_a.upper().replace("0X", "0x"))  # one person, one value
    assert onchain != onchain_nullifier(person, 31337, card_b)  # unlinkable across collections
    assert onchain != onchain_nullifier(person, 81, card_a)  # and across chains
    assert onchain != onchain_nullifier(nullifier(SECRET, DEV_ISSUER, "xid-0002"), 31337, card_a)
    with pytest.raises(NullifierError, match="64 hex digits"):
        onchain_nullifier(person[:62], 31337, card_a)
    with pytest.raises(NullifierError, match="64 hex digits"):
        onchain_nullifier("zz" * 32, 31337, card_a)


def test_no_secret_provider_or_subject_no_nullifier():
    for secret, issuer, subject in (("", DEV_ISSUER, "x"), (SECRET, "", "x"), (SECRET, DEV_ISSUER, "")):
        with pytest.raises(NullifierError):
            nullifier(secret, issuer, subject)
