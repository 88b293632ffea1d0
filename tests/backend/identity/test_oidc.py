"""Identity through OpenID Connect against a real provider (oidc-provider, tests/backend/identity/
oidc_provider.mjs): the code flow with PKCE, state and nonce binds the wallet to the person's nullifier (the
same one signed assertions give), and each way an ID token or a login can be wrong is refused by name."""

from __future__ import annotations

import logging
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from eth_account import Account
from joserfc.jwk import KeySet, RSAKey
from pydantic import ValidationError
from sqlalchemy import select, update

from backend.db.models_residency import Identity, IdentityWallet, OidcLogin
from backend.errors import Refusal
from backend.identity.oidc import OidcClient, digest
from backend.settings import OidcProvider, Settings
from tests.backend.access_setup import assert_error, bearer, sign_in
from tests.backend.identity.oidc_setup import (CLIENT_SECRET, CONFIDENTIAL, PUBLIC, PUBLIC_URL, REDIRECT_URI,
                                               claims_for, log_in, provider)  # noqa: F401  (fixture)
from tests.backend.production import production_settings


@pytest.fixture
def settings(db_url, chain_with_collection, anvil, provider):
    return Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                    data_dir=chain_with_collection.data_dir, database_url=db_url, poll_interval=0.05,
                    stale_after=5.0, jobs_enabled=False, public_url=PUBLIC_URL,
                    oidc_providers=provider.settings_entries())


class Holder:
    def __init__(self, client) -> None:
        self.client = client
        self.account = Account.create()
        response = sign_in(client, self.account)
        assert response.status_code == 200, response.text
        self.headers = bearer(response.json()["token"])

    def start(self, provider_id: str = "op"):
        return self.client.post(f"/me/identity/oidc/{provider_id}/start", headers=self.headers)

    def back(self, answer: dict):
        return self.client.post("/me/identity/oidc/callback", json=answer, headers=self.headers)

    def verify(self, subject: str, provider_id: str = "op", birthdate: str | None = "1990-04-01"):
        started = self.start(provider_id)
        assert started.status_code == 200, started.text
        answer = log_in(started.json()["authorization_url"], subject, birthdate)
        return self.back(answer), answer


def rp(provider, client_id: str = CONFIDENTIAL) -> OidcClient:
    secret = CLIENT_SECRET if client_id == CONFIDENTIAL else None
    return OidcClient(OidcProvider(id="t", issuer=provider.issuer, client_id=client_id, client_secret=secret),
                      REDIRECT_URI)


def real_token(provider, client: OidcClient, subject: str = "person-1") -> tuple[dict, str]:
    """(the token endpoint's answer, the nonce) of a real login at the provider."""
    state, nonce, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    answer = log_in(client.authorization_url(state, nonce, verifier), subject)
    assert answer["state"] == state
    return client.exchange(answer["code"], verifier), nonce


def refused(code: str, work) -> None:
    with pytest.raises(Refusal) as caught:
        work()
    assert caught.value.code == code, caught.value


# --- the flow through the API ------------------------------------------------------------------------------
def test_the_configured_providers_are_listed_with_their_labels(client):
    listed = client.get("/identity/providers").json()
    assert listed == [{"id": "op", "label_ja": "テスト事業者", "label_en": "Test provider"},
                      {"id": "op-es", "label_ja": "マイナンバーカード等で本人確認", "label_en": "Verify with an ID provider"}]


def test_a_login_at_the_provider_binds_the_wallet_to_the_persons_nullifier(client, app, provider):
    holder = Holder(client)
    started = holder.start()
    assert started.status_code == 200, started.text
    query = parse_qs(urlsplit(started.json()["authorization_url"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CONFIDENTIAL]
    assert query["redirect_uri"] == [REDIRECT_URI] and query["nonce"][0] and query["state"][0]
    answer = log_in(started.json()["authorization_url"], "xid-person-0001")
    response = holder.back(answer)
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True and response.json()["level"] == "mynumber_card"
    assert response.json()["is_minor"] is False
    with app.state.services.session_factory() as db:
        identity = db.scalar(select(Identity))
        wallet = db.get(IdentityWallet, holder.account.address)
        login = db.scalar(select(OidcLogin))
    assert identity.nullifier == app.state.services.identity_verifier.nullifier(provider.issuer, "xid-person-0001")
    assert wallet.nullifier == identity.nullifier and identity.provider == provider.issuer
    assert "xid-person-0001" not in repr(identity.__dict__) + repr(login.__dict__)
    # the state and nonce are kept as digests only, the PKCE verifier sealed
    assert login.state_digest == digest(query["state"][0]) and login.nonce_digest == digest(query["nonce"][0])
    assert login.code_verifier.startswith("v1.") and login.used_at is not None


def test_no_secret_code_or_subject_reaches_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    response, answer = Holder(client).verify("xid-person-logged")
    assert response.status_code == 200, response.text
    # httpx is the tests' browser and TestClient; the backend talks to the provider through requests
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert "/token" in logged  # the backend's own requests are in the log
    for secret in (CLIENT_SECRET, answer["code"], answer["state"], "xid-person-logged"):
        assert secret not in logged


def test_the_same_person_through_the_es256_public_client_is_one_person(client, app, provider):
    first, second = Holder(client), Holder(client)
    assert first.verify("same-person")[0].status_code == 200
    response, _ = second.verify("same-person", provider_id="op-es")
    assert response.status_code == 200, response.text
    with app.state.services.session_factory() as db:
        assert len(db.scalars(select(Identity)).all()) == 1
        assert len(db.scalars(select(IdentityWallet)).all()) == 2


def test_a_minor_by_the_providers_birthdate_is_recorded_as_a_minor(client):
    born = time.gmtime(time.time() - 10 * 365 * 86_400)
    response, _ = Holder(client).verify("child-1", birthdate=time.strftime("%Y-%m-%d", born))
    assert response.status_code == 200, response.text
    assert response.json()["is_minor"] is True


def minor_birthdate() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - 10 * 365 * 86_400))


def start_consent(holder: Holder, provider_id: str = "op"):
    return holder.client.post(f"/me/identity/oidc/{provider_id}/start", json={"purpose": "guardian_consent"},
                              headers=holder.headers)


def verified_minor(client, subject: str) -> Holder:
    child = Holder(client)
    response, _ = child.verify(subject, birthdate=minor_birthdate())
    assert response.status_code == 200 and response.json()["is_minor"] is True, response.text
    assert response.json()["guardian_consent"] is False
    return child


def test_a_guardian_signs_in_at_the_provider_and_so_consents_for_the_minor(client, app, provider):
    child = verified_minor(client, "child-consent")
    started = start_consent(child)
    assert started.status_code == 200, started.text
    assert parse_qs(urlsplit(started.json()["authorization_url"]).query)["prompt"] == ["login"]
    answer = log_in(started.json()["authorization_url"], "parent-consent", "1980-05-05")
    response = child.back(answer)
    assert response.status_code == 200, response.text
    assert response.json()["guardian_consent"] is True and response.json()["is_minor"] is True
    verifier = app.state.services.identity_verifier
    with app.state.services.session_factory() as db:
        identity = db.scalar(select(Identity))
        logins = db.scalars(select(OidcLogin).order_by(OidcLogin.id)).all()
    assert identity.nullifier == verifier.nullifier(provider.issuer, "child-consent")  # still the child's
    assert identity.consent_guardian == verifier.nullifier(provider.issuer, "parent-consent")
    assert identity.consent_at is not None and len(identity.consent_digest) == 64
    assert [login.purpose for login in logins] == ["identity", "guardian_consent"]
    assert "parent-consent" not in repr(identity.__dict__) + repr(logins[1].__dict__)
    assert_error(child.back(answer), 403, "oidc_state_invalid")  # the consent's login is single use too


@pytest.mark.parametrize(("guardian", "birthdate", "code"), [
    ("another-child", "minor", "consent_guardian_minor"),  # a guardian is an adult
    ("child-self", "1980-05-05", "consent_self"),  # the minor themself, giving an adult's birthdate
])
def test_a_consent_by_a_minor_or_by_the_child_is_refused(client, app, guardian, birthdate, code):
    child = verified_minor(client, "child-self")
    started = start_consent(child)
    answer = log_in(started.json()["authorization_url"], guardian,
                    minor_birthdate() if birthdate == "minor" else birthdate)
    assert_error(child.back(answer), 403, code)
    with app.state.services.session_factory() as db:
        assert db.scalar(select(Identity)).consent_at is None


def test_consent_is_refused_before_the_provider_when_it_cannot_be_given(client):
    nobody = Holder(client)
    assert_error(start_consent(nobody), 403, "identity_required")
    adult = Holder(client)
    assert adult.verify("adult-no-consent")[0].status_code == 200
    assert_error(start_consent(adult), 409, "consent_not_needed")
    assert client.post("/me/identity/oidc/op/start", json={"purpose": "other"},
                       headers=adult.headers).status_code == 422


def test_a_person_whose_birthdate_the_provider_does_not_share_is_refused(client, app):
    response, _ = Holder(client).verify("person-no-birthdate", birthdate=None)
    assert_error(response, 403, "oidc_birthdate_missing")
    with app.state.services.session_factory() as db:
        assert db.scalar(select(Identity)) is None


def test_a_replayed_state_is_refused(client):
    holder = Holder(client)
    response, answer = holder.verify("person-replay")
    assert response.status_code == 200
    assert_error(holder.back(answer), 403, "oidc_state_invalid")


def test_an_unknown_state_is_refused(client):
    holder = Holder(client)
    holder.start()
    assert_error(holder.back({"state": secrets.token_urlsafe(32), "code": "whatever"}), 403, "oidc_state_invalid")


def test_a_state_started_by_another_wallet_is_refused_and_stays_its_owners(client):
    owner, other = Holder(client), Holder(client)
    started = owner.start()
    answer = log_in(started.json()["authorization_url"], "person-owner")
    assert_error(other.back(answer), 403, "oidc_state_invalid")
    assert owner.back(answer).status_code == 200


def test_an_expired_login_is_refused(client, app):
    holder = Holder(client)
    answer = log_in(holder.start().json()["authorization_url"], "person-late")
    with app.state.services.session_factory() as db:
        db.execute(update(OidcLogin).values(expires_at=int(time.time()) - 1))
        db.commit()
    assert_error(holder.back(answer), 403, "oidc_state_invalid")


def test_the_providers_error_answer_is_refused_and_uses_up_the_login(client):
    holder = Holder(client)
    state = parse_qs(urlsplit(holder.start().json()["authorization_url"]).query)["state"][0]
    assert_error(holder.back({"state": state, "error": "access_denied"}), 403, "oidc_denied")
    assert_error(holder.back({"state": state, "error": "access_denied"}), 403, "oidc_state_invalid")


def test_an_authorization_response_from_another_issuer_is_refused(client):
    holder = Holder(client)
    answer = log_in(holder.start().json()["authorization_url"], "person-mixup")
    assert_error(holder.back({**answer, "iss": "https://other-provider.example"}), 403, "oidc_wrong_issuer")


def test_a_code_the_provider_did_not_issue_is_refused_by_the_provider(client):
    holder = Holder(client)
    answer = log_in(holder.start().json()["authorization_url"], "person-code")
    assert_error(holder.back({**answer, "code": answer["code"][:-2] + "xx"}), 403, "oidc_token_refused")


def test_an_unknown_provider_is_not_found(client):
    assert_error(Holder(client).start("nobody"), 404, "oidc_provider_unknown")


def test_starting_needs_a_signed_in_holder(client):
    assert client.post("/me/identity/oidc/op/start").status_code == 401


def test_cross_origin_start_and_callback_are_refused(client):
    Holder(client)  # its session cookie is in the client
    evil = {"Origin": "http://evil.example"}
    assert_error(client.post("/me/identity/oidc/op/start", headers=evil), 403, "cross_origin_refused")
    assert_error(client.post("/me/identity/oidc/callback", json={"state": "s", "code": "c"}, headers=evil), 403,
                 "cross_origin_refused")


def test_the_callback_page_is_the_holder_page(client):
    page = client.get("/identity/oidc/callback?code=c&state=s")
    assert page.status_code == 200 and "holder" in page.text


# --- the ID token, checked against the real provider's keys ----------------------------------------------
def test_rs256_and_es256_id_tokens_of_the_provider_are_accepted(provider):
    for client_id, alg in ((CONFIDENTIAL, "RS256"), (PUBLIC, "ES256")):
        client = rp(provider, client_id)
        token, nonce = real_token(provider, client, "person-alg")
        from joserfc import jws
        assert jws.extract_compact(token["id_token"].encode()).headers()["alg"] == alg
        person = client.person(token, digest(nonce))
        assert (person.issuer, person.subject, person.birthdate) == (provider.issuer, "person-alg", "1990-04-01")


def test_an_id_token_for_another_client_is_refused(provider):
    token, nonce = real_token(provider, rp(provider, PUBLIC))
    refused("identity_wrong_audience", lambda: rp(provider, CONFIDENTIAL).verify_id_token(token["id_token"],
                                                                                           digest(nonce)))


def test_an_id_token_with_another_logins_nonce_is_refused(provider):
    client = rp(provider)
    token, _nonce = real_token(provider, client)
    refused("oidc_wrong_nonce", lambda: client.verify_id_token(token["id_token"], digest("another-login")))


def test_an_expired_id_token_is_refused(provider):
    client = rp(provider)
    token, nonce = real_token(provider, client)
    later = client.verify_id_token(token["id_token"], digest(nonce))["exp"] + 61
    refused("identity_stale", lambda: client.verify_id_token(token["id_token"], digest(nonce), now=later))
    minted = provider.sign(claims_for(provider, CONFIDENTIAL, nonce, exp=int(time.time()) - 120))
    refused("identity_stale", lambda: client.verify_id_token(minted, digest(nonce)))


def test_an_id_token_signed_by_a_key_the_provider_does_not_publish_is_refused_after_one_refetch(provider):
    client = rp(provider)
    client.keys()
    fetched = client.key_fetches
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    minted = provider.sign(claims_for(provider, CONFIDENTIAL, "n"), key=stranger)
    refused("oidc_unknown_key", lambda: client.verify_id_token(minted, digest("n")))
    assert client.key_fetches == fetched + 1


def test_a_key_the_provider_published_since_is_fetched_once(provider):
    client = rp(provider)
    token, nonce = real_token(provider, client)
    client._keys = KeySet([])  # as if the keys were fetched before the provider rotated
    fetched = client.key_fetches
    assert client.verify_id_token(token["id_token"], digest(nonce))["sub"] == "person-1"
    assert client.key_fetches == fetched + 1


def test_an_id_token_whose_signature_does_not_match_the_named_key_is_refused(provider):
    stranger = RSAKey.generate_key(2048, parameters={"kid": provider.rsa.kid})
    minted = provider.sign(claims_for(provider, CONFIDENTIAL, "n"), key=stranger)
    refused("oidc_bad_signature", lambda: rp(provider).verify_id_token(minted, digest("n")))


def test_an_id_token_of_another_issuer_is_refused(provider):
    minted = provider.sign(claims_for(provider, CONFIDENTIAL, "n", iss=provider.issuer + "/elsewhere"))
    refused("oidc_wrong_issuer", lambda: rp(provider).verify_id_token(minted, digest("n")))


def test_an_id_token_authorized_for_another_party_is_refused(provider):
    client = rp(provider)
    for extra in ({"azp": "someone-else"}, {"aud": [CONFIDENTIAL, "someone-else"]}):
        minted = provider.sign(claims_for(provider, CONFIDENTIAL, "n", **extra))
        refused("oidc_wrong_party", lambda: client.verify_id_token(minted, digest("n")))
    accepted = provider.sign(claims_for(provider, CONFIDENTIAL, "n", aud=[CONFIDENTIAL, "x"], azp=CONFIDENTIAL))
    assert client.verify_id_token(accepted, digest("n"))["azp"] == CONFIDENTIAL


def test_an_id_token_issued_in_the_future_or_long_ago_is_refused(provider):
    client = rp(provider)
    now = int(time.time())
    for iat in (now + 120, now - 3600):
        minted = provider.sign(claims_for(provider, CONFIDENTIAL, "n", iat=iat, exp=now + 300))
        refused("identity_stale", lambda: client.verify_id_token(minted, digest("n")))
    skewed = provider.sign(claims_for(provider, CONFIDENTIAL, "n", iat=now + 30))  # a clock 30 s ahead is fine
    assert client.verify_id_token(skewed, digest("n"))["sub"] == "person-1"


def test_tokens_that_are_not_rs256_or_es256_jwts_are_refused(provider):
    from joserfc import jwt
    from joserfc.jwk import OctKey

    client = rp(provider)
    shared = OctKey.import_key(CLIENT_SECRET)
    hs256 = jwt.encode({"alg": "HS256"}, claims_for(provider, CONFIDENTIAL, "n"), shared)
    for token in ("not-a-jwt", hs256, "e30.e30."):
        refused("oidc_token_malformed", lambda: client.verify_id_token(token, digest("n")))


def test_a_provider_whose_discovery_names_another_issuer_is_refused(provider):
    client = OidcClient(OidcProvider(id="t", issuer=provider.issuer + "/", client_id=CONFIDENTIAL), REDIRECT_URI)
    refused("oidc_provider_unreachable", client.metadata)


# --- settings -----------------------------------------------------------------------------------------------
def test_production_talks_to_providers_over_https_only(tmp_path):
    entry = {"id": "xid", "issuer": "http://xid.example", "client_id": "c"}
    with pytest.raises(ValidationError, match="https only"):
        production_settings(tmp_path, oidc_providers=[entry])
    assert production_settings(tmp_path, oidc_providers=[{**entry, "issuer": "https://xid.example"}]).oidc_providers


def test_each_provider_needs_its_own_id_and_secrets_stay_out_of_repr():
    entry = {"id": "xid", "issuer": "https://xid.example", "client_id": "c", "client_secret": "s3cr3t-value"}
    with pytest.raises(ValidationError, match="its own id"):
        Settings(_env_file=None, oidc_providers=[entry, entry])
    settings = Settings(_env_file=None, oidc_providers=[entry])
    assert "s3cr3t-value" not in repr(settings) and settings.oidc_providers[0].scopes == ["openid", "profile"]
