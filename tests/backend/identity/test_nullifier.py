"""The one nullifier scheme: who a person is to this deployment, from (provider, subject) and the secret."""

from __future__ import annotations

import hmac

import pytest

from backend.identity.nullifier import PURPOSE, NullifierError, as_bytes32, nullifier
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


def test_on_chain_it_is_the_same_32_bytes():
    person = nullifier(SECRET, DEV_ISSUER, "xid-0001")
    assert len(person) == 64 and as_bytes32(person).hex() == person
    with pytest.raises(NullifierError, match="64 hex digits"):
        as_bytes32(person[:62])


def test_no_secret_provider_or_subject_no_nullifier():
    for secret, issuer, subject in (("", DEV_ISSUER, "x"), (SECRET, "", "x"), (SECRET, DEV_ISSUER, "")):
        with pytest.raises(NullifierError):
            nullifier(secret, issuer, subject)
