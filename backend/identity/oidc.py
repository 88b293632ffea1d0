"""The relying party of one OpenID Connect provider (xID, the My Number card's identity services).

Discovery (<issuer>/.well-known/openid-configuration, whose `issuer` must be the configured one), the
provider's JWKS (cached; fetched again once when an ID token names a key id we do not have, which is how a
provider's key rotation reaches us), the authorization code flow with PKCE (S256), `state` and `nonce`
(Authlib's OAuth 2 client on requests), and the ID token (joserfc: RS256 or ES256 with the provider's published key; then
iss, aud = our client_id, azp when present or when aud names several clients, exp and iat within
CLOCK_SKEW_SECONDS, the login's nonce, sub). The birthdate comes from the ID token or, as most providers
send it, from the userinfo endpoint, whose `sub` must be the ID token's.

Nothing here touches the database or logs a token, code or secret: backend/identity/oidc_logins.py keeps the
logins under way and binds the person's nullifier.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from backend.auth.secrets import secrets_equal
from backend.errors import Refusal
from backend.settings import OidcProvider

ALGORITHMS = ("RS256", "ES256")
CLOCK_SKEW_SECONDS = 60
MAX_AGE_SECONDS = 10 * 60  # an ID token we just fetched was issued moments ago
DISCOVERY_TTL_SECONDS = 60 * 60
HTTP_TIMEOUT_SECONDS = 10.0
MAX_TOKEN_CHARS = 16_384


def digest(value: str) -> str:
    """What we keep of a state or nonce: we only ever compare them."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OidcPerson:
    """Who the provider says signed in: `subject` is never stored (only the nullifier made from it)."""

    issuer: str
    subject: str
    birthdate: str | None


class OidcClient:
    """One configured provider: its metadata and keys (cached per process) and our client there."""

    def __init__(self, config: OidcProvider, redirect_uri: str) -> None:
        self.config = config
        self.redirect_uri = redirect_uri
        self._metadata: dict | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self.key_fetches = 0  # how often the JWKS was fetched (the tests read it)

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def issuer(self) -> str:
        return self.config.issuer

    # --- the provider's documents ------------------------------------------------------------------------
    def _get_json(self, url: str, step: str, **kwargs) -> dict:
        try:
            response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False, **kwargs)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError):
            raise Refusal("oidc_provider_unreachable", step=step) from None
        if not isinstance(body, dict):
            raise Refusal("oidc_provider_unreachable", step=step)
        return body

    def metadata(self) -> dict:
        """The provider's discovery document (OpenID Connect Discovery 1.0 §4), checked and cached."""
        if self._metadata is None or time.monotonic() - self._metadata_at > DISCOVERY_TTL_SECONDS:
            found = self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery")
            # §4.3: the issuer the document names must be exactly the one we asked, or its keys are not its own.
            if found.get("issuer") != self.issuer or not all(
                    isinstance(found.get(k), str) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
                raise Refusal("oidc_provider_unreachable", step="discovery")
            self._metadata, self._metadata_at = found, time.monotonic()
        return self._metadata

    def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = self._get_json(self.metadata()["jwks_uri"], "jwks")
            self.key_fetches += 1
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, TypeError, KeyError):
                raise Refusal("oidc_provider_unreachable", step="jwks") from None
        return self._keys

    def forget_keys(self) -> None:
        self._keys = None

    # --- the code flow -------------------------------------------------------------------------------------
    def _oauth(self) -> OAuth2Session:
        secret = self.config.client_secret.get_secret_value() if self.config.client_secret else None
        method = "none"
        if secret:
            offered = self.metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            method = "client_secret_post" if "client_secret_basic" not in offered and \
                "client_secret_post" in offered else "client_secret_basic"
        return OAuth2Session(client_id=self.config.client_id, client_secret=secret, scope=" ".join(self.config.scopes),
                             redirect_uri=self.redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method=method)

    def authorization_url(self, state: str, nonce: str, code_verifier: str, prompt: str | None = None) -> str:
        """`prompt="login"` (OIDC Core §3.1.2.1): the provider asks who signs in even if it has a session, as
        when a guardian signs in on the phone the minor just used."""
        extra = {"prompt": prompt} if prompt else {}
        with self._oauth() as oauth:
            url, _state = oauth.create_authorization_url(self.metadata()["authorization_endpoint"], state=state,
                                                         nonce=nonce, code_verifier=code_verifier, **extra)
        return url

    def exchange(self, code: str, code_verifier: str) -> dict:
        """The token endpoint's answer for `code` (id_token, access_token, …)."""
        with self._oauth() as oauth:
            try:
                token = oauth.fetch_token(self.metadata()["token_endpoint"], grant_type="authorization_code",
                                          code=code, code_verifier=code_verifier, timeout=HTTP_TIMEOUT_SECONDS)
            except OAuthError as error:
                raise Refusal("oidc_token_refused", error=str(error.error or "error")[:60]) from None
            except (requests.RequestException, ValueError):
                raise Refusal("oidc_provider_unreachable", step="token") from None
        if not isinstance(token.get("id_token"), str):
            raise Refusal("oidc_token_malformed")
        return dict(token)

    def userinfo(self, access_token: str) -> dict:
        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        return self._get_json(endpoint, "userinfo", headers={"Authorization": f"Bearer {access_token}"})

    # --- the ID token ---------------------------------------------------------------------------------------
    def _key_for(self, kid: str | None):
        for refresh in (False, True):
            try:
                return self.keys(refresh=refresh).get_by_kid(kid)
            except InvalidKeyIdError:
                continue  # ID tokens come from the token endpoint, never from the browser: a refetch is ours to do
        raise Refusal("oidc_unknown_key")

    def verify_id_token(self, id_token: str, nonce_digest: str, now: int | None = None) -> dict:
        """The ID token's claims once its signature, issuer, audience, times and nonce hold; a Refusal otherwise."""
        now = int(time.time()) if now is None else now
        if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN_CHARS:
            raise Refusal("oidc_token_malformed")
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            raise Refusal("oidc_token_malformed") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Refusal("oidc_token_malformed")
        key = self._key_for(header.get("kid") if isinstance(header.get("kid"), str) else None)
        try:
            claims = jwt.decode(id_token, key, algorithms=[alg]).claims
        except BadSignatureError:
            raise Refusal("oidc_bad_signature") from None
        except (JoseError, ValueError, TypeError):
            raise Refusal("oidc_token_malformed") from None
        self._check_claims(claims, nonce_digest, now)
        return claims

    def _check_claims(self, claims: dict, nonce_digest: str, now: int) -> None:
        if claims.get("iss") != self.issuer:
            raise Refusal("oidc_wrong_issuer")
        aud, client = claims.get("aud"), self.config.client_id
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if client not in audiences:
            raise Refusal("identity_wrong_audience")
        azp = claims.get("azp")
        if (azp is not None and azp != client) or (len(audiences) > 1 and azp is None):  # OIDC Core §3.1.3.7
            raise Refusal("oidc_wrong_party")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise Refusal("oidc_token_malformed")
        if exp + CLOCK_SKEW_SECONDS <= now or iat > now + CLOCK_SKEW_SECONDS or now - iat > MAX_AGE_SECONDS:
            raise Refusal("identity_stale")
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not secrets_equal(nonce_digest, digest(nonce)):
            raise Refusal("oidc_wrong_nonce")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Refusal("oidc_token_malformed")

    def person(self, token: dict, nonce_digest: str, now: int | None = None) -> OidcPerson:
        """Who signed in, from the token endpoint's answer: the verified ID token, then userinfo if needed."""
        claims = self.verify_id_token(token["id_token"], nonce_digest, now)
        birthdate = claims.get("birthdate")
        if not isinstance(birthdate, str) and isinstance(token.get("access_token"), str):
            info = self.userinfo(token["access_token"])
            if info and info.get("sub") != claims["sub"]:  # OIDC Core §5.3.2
                raise Refusal("oidc_other_person")
            birthdate = info.get("birthdate")
        return OidcPerson(self.issuer, claims["sub"], birthdate if isinstance(birthdate, str) else None)
