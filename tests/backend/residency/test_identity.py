"""Identity verification: a provider's ES256K assertion binds the wallet to a nullifier; bad signatures,
other audiences, replayed nonces, stale or foreign assertions are refused; guardian consent for minors."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.backend.access_setup import assert_error
from backend.app import create_app
from backend.db.models_residency import Identity, IdentityWallet
from backend.identity.verifier import DevelopmentProvider, IdentityVerifier
from tests.backend.production import production_settings
from tests.backend.residency_setup import Holder, settings, towns  # noqa: F401  (fixtures)


def test_verified_identity_keeps_only_a_nullifier_and_the_level(client, app, towns):
    holder = Holder(client, app, towns.chain)
    response = holder.verify("xid-subject-0001")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] and body["level"] == "mynumber_card" and body["is_minor"] is False
    with app.state.services.session_factory() as db:
        identity = db.scalar(select(Identity))
        wallet = db.get(IdentityWallet, holder.address)
    assert wallet.nullifier == identity.nullifier
    assert len(identity.nullifier) == 64 and "xid-subject-0001" not in repr(identity.__dict__)
    assert identity.nullifier == app.state.services.identity_verifier.nullifier("resident-dev-identity", "xid-subject-0001")
    assert holder.client.get("/me/identity", headers=holder.headers).json()["verified"] is True


def test_the_same_person_on_two_wallets_has_one_nullifier(client, app, towns):
    first, second = Holder(client, app, towns.chain), Holder(client, app, towns.chain)
    assert first.verify("same-person").status_code == 200
    assert second.verify("same-person").status_code == 200
    with app.state.services.session_factory() as db:
        assert len(db.scalars(select(Identity)).all()) == 1
        assert len(db.scalars(select(IdentityWallet)).all()) == 2


def test_a_bad_signature_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    token = holder.assertion("subject-bad-sig")
    head, body, sig = token.split(".")
    forged = ".".join((head, body, ("A" if sig[0] != "A" else "B") + sig[1:]))
    assert_error(client.post("/me/identity", json={"assertion": forged}, headers=holder.headers), 403,
                 "identity_bad_signature")


def test_an_assertion_signed_by_another_key_under_the_same_name_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    impostor = DevelopmentProvider("another-secret-that-is-not-ours-000000")
    token = impostor.assert_identity(subject="x", audience=app.state.services.identity_verifier.audience,
                                     nonce=holder.nonce()["nonce"], birthdate="1990-01-01")
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=holder.headers), 403,
                 "identity_bad_signature")


def test_an_unknown_provider_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    other = DevelopmentProvider("another-secret-that-is-not-ours-000000", issuer="https://idp.example")
    token = other.assert_identity(subject="x", audience=app.state.services.identity_verifier.audience,
                                  nonce=holder.nonce()["nonce"], birthdate="1990-01-01")
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=holder.headers), 403,
                 "identity_untrusted_provider")


def test_an_assertion_for_another_audience_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    token = app.state.services.identity_verifier.dev_provider.assert_identity(
        subject="x", audience="https://other-town.example", nonce=holder.nonce()["nonce"], birthdate="1990-01-01")
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=holder.headers), 403,
                 "identity_wrong_audience")


def test_a_replayed_nonce_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    nonce = holder.nonce()["nonce"]
    first = holder.assertion("replay-subject", nonce=nonce)
    assert client.post("/me/identity", json={"assertion": first}, headers=holder.headers).status_code == 200
    again = holder.assertion("replay-subject", nonce=nonce)  # freshly signed, same nonce
    assert_error(client.post("/me/identity", json={"assertion": again}, headers=holder.headers), 403,
                 "identity_nonce_invalid")


def test_a_nonce_given_to_another_wallet_is_refused(client, app, towns):
    alice, mallory = Holder(client, app, towns.chain), Holder(client, app, towns.chain)
    token = alice.assertion("alice", nonce=alice.nonce()["nonce"])
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=mallory.headers), 403,
                 "identity_nonce_invalid")


def test_a_stale_assertion_is_refused(client, app, towns):
    holder = Holder(client, app, towns.chain)
    token = app.state.services.identity_verifier.dev_provider.assert_identity(
        subject="x", audience=app.state.services.identity_verifier.audience, nonce=holder.nonce()["nonce"],
        birthdate="1990-01-01", now=int(time.time()) - 3600)
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=holder.headers), 403,
                 "identity_stale")


def test_garbage_is_a_clear_400(client, app, towns):
    holder = Holder(client, app, towns.chain)
    assert_error(client.post("/me/identity", json={"assertion": "not.a.jws!"}, headers=holder.headers), 400,
                 "identity_malformed")


def test_a_consent_assertion_cannot_stand_for_an_identity(client, app, towns):
    holder = Holder(client, app, towns.chain)
    token = app.state.services.identity_verifier.dev_provider.assert_consent(
        subject="kid", guardian_subject="parent", audience=app.state.services.identity_verifier.audience,
        nonce=holder.nonce()["nonce"])
    assert_error(client.post("/me/identity", json={"assertion": token}, headers=holder.headers), 400,
                 "identity_wrong_purpose")


def test_a_minor_is_recorded_as_such_and_needs_a_guardians_consent(client, app, towns):
    holder = Holder(client, app, towns.chain)
    ten_years_ago = time.strftime("%Y-01-01", time.gmtime(time.time() - 10 * 365 * 86400))
    body = holder.verify("kid-subject", birthdate=ten_years_ago).json()
    assert body["is_minor"] is True and body["guardian_consent"] is False
    assert_error(holder.consent("someone-else", guardian="parent"), 403, "consent_other_person")
    assert_error(holder.consent("kid-subject", guardian="kid-subject"), 403, "consent_self")
    response = holder.consent("kid-subject", guardian="parent-subject")
    assert response.status_code == 200, response.text
    assert response.json()["guardian_consent"] is True
    with app.state.services.session_factory() as db:
        identity = db.scalar(select(Identity))
    assert identity.consent_guardian == app.state.services.identity_verifier.nullifier("resident-dev-identity", "parent-subject")
    assert len(identity.consent_digest) == 64 and identity.consent_at


def test_an_adult_needs_no_consent(client, app, towns):
    holder = Holder(client, app, towns.chain)
    assert holder.verify("adult-subject").status_code == 200
    assert_error(holder.consent("adult-subject", guardian="parent"), 409, "consent_not_needed")


def test_production_has_no_development_provider(tmp_path):
    prod = production_settings(tmp_path)
    verifier = IdentityVerifier.from_settings(prod)
    assert verifier.dev_provider is None
    dev_token = DevelopmentProvider(prod.identity_key).assert_identity(
        subject="x", audience=verifier.audience, nonce="n", birthdate="1990-01-01")
    try:
        verifier.verify(dev_token, "identity")
        raise AssertionError("a development assertion was accepted in production")
    except Exception as exc:  # noqa: BLE001
        assert getattr(exc, "code", None) == "identity_untrusted_provider"
    client = TestClient(create_app(prod))  # no lifespan: no migration or indexer needed for this refusal
    assert_error(client.post("/dev/identity/assertion", json={"nonce": "n", "subject": "x", "is_minor": False}),
                 404, "not_found")


def test_production_refuses_a_weak_or_missing_identity_secret(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="RESIDENT_IDENTITY_SECRET"):
        production_settings(tmp_path, identity_secret="dev-only-" + "x" * 40)
    with pytest.raises(ValueError, match="RESIDENT_IDENTITY_SECRET"):  # never made up: a lost one renames everyone
        production_settings(tmp_path, identity_secret=None)


def test_a_configured_provider_is_trusted_in_production(tmp_path):
    from backend.identity.verifier import public_key_hex

    provider = DevelopmentProvider("the-provider's-own-key-material-000000", issuer="https://xid.example")
    prod = production_settings(tmp_path, public_url="https://resident.example",
                               identity_providers={"https://xid.example": public_key_hex(provider.public_key)})
    verifier = IdentityVerifier.from_settings(prod)
    token = provider.assert_identity(subject="person", audience="https://resident.example", nonce="n",
                                     birthdate="1990-01-01")
    verified = verifier.verify(token, "identity")
    assert (verified.issuer, verified.subject, verified.is_minor) == ("https://xid.example", "person", False)
    assert verifier.nullifier("https://xid.example", "person") != verifier.nullifier("https://xid.example", "persoN")
