"""A real OpenID provider for the tests (the certified `oidc-provider` npm package, oidc_provider.mjs) and a
browser-like HTTP client that signs a person in there.

The test makes the provider's signing keys (RSA for RS256, P-256 for ES256), so it can also sign ID tokens with
the provider's own key where a claim must be wrong (issuer, expiry) and with a key the provider never published.

    from tests.backend.identity.oidc_setup import *  # noqa: F401,F403  (fixture `provider`, helpers)
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).resolve().parent / "oidc_provider.mjs"
PUBLIC_URL = "http://127.0.0.1:8000"  # what the sign-in messages of tests/backend/access_setup.py name
REDIRECT_URI = f"{PUBLIC_URL}/identity/oidc/callback"
CONFIDENTIAL = "resident-rs256"  # client_secret_basic, RS256 ID tokens
PUBLIC = "resident-es256"  # a public client (PKCE only), ES256 ID tokens
CLIENT_SECRET = "resident-tests-client-secret-0000000000"


@dataclass
class Provider:
    issuer: str
    rsa: RSAKey
    ec: ECKey
    process: subprocess.Popen

    def settings_entries(self) -> list[dict]:
        """RESIDENT_OIDC_PROVIDERS for this provider: one entry per client."""
        return [{"id": "op", "issuer": self.issuer, "client_id": CONFIDENTIAL, "client_secret": CLIENT_SECRET,
                 "label_ja": "テスト事業者", "label_en": "Test provider"},
                {"id": "op-es", "issuer": self.issuer, "client_id": PUBLIC}]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def sign(self, claims: dict, key=None, alg: str = "RS256") -> str:
        """An ID token signed with the provider's key (or `key`)."""
        key = key or (self.rsa if alg == "RS256" else self.ec)
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


def start_provider(directory: Path, redirect_uri: str = REDIRECT_URI) -> Provider:
    """oidc_provider.mjs on a free port, with fresh keys and our two clients sending people to `redirect_uri`."""
    rsa, ec = RSAKey.generate_key(2048, auto_kid=True), ECKey.generate_key("P-256", auto_kid=True)
    config = directory / "provider.json"
    config.write_text(json.dumps({
        "jwks": KeySet([rsa, ec]).as_dict(private=True),
        "redirect_uris": [redirect_uri],
        "clients": [
            {"client_id": CONFIDENTIAL, "client_secret": CLIENT_SECRET,
             "token_endpoint_auth_method": "client_secret_basic", "id_token_signed_response_alg": "RS256"},
            {"client_id": PUBLIC, "token_endpoint_auth_method": "none", "id_token_signed_response_alg": "ES256"},
        ],
    }))
    process = subprocess.Popen(["node", str(SCRIPT), str(config)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env={**os.environ, "NODE_ENV": "test"})
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError(f"{SCRIPT.name} did not start (node and node_modules/oidc-provider are needed)")
    return Provider(json.loads(line)["issuer"], rsa, ec, process)


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    running = start_provider(tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


def log_in(authorization_url: str, subject: str, birthdate: str | None = "1990-04-01") -> dict:
    """Plays the person's browser at the provider: follows its redirects, signs `subject` in at the login
    prompt, lets the provider's consent be granted, and returns the query it sends to our redirect URI."""
    with httpx.Client(timeout=10) as browser:
        response = browser.get(authorization_url)
        for _ in range(20):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(REDIRECT_URI):
                    return {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
                response = browser.get(target)
            elif response.status_code == 200 and response.json().get("prompt") == "login":
                base = f"{urlsplit(str(response.url)).scheme}://{urlsplit(str(response.url)).netloc}"
                response = browser.post(f"{base}/interaction/{response.json()['uid']}/login",
                                        json={"sub": subject, "birthdate": birthdate})
            else:
                raise AssertionError(f"the provider answered {response.status_code}: {response.text[:300]}")
    raise AssertionError("the provider never sent the browser back")


def claims_for(provider: Provider, client_id: str, nonce: str, subject: str = "person-1", **overrides) -> dict:
    now = int(time.time())
    return {"iss": provider.issuer, "sub": subject, "aud": client_id, "iat": now, "exp": now + 300,
            "nonce": nonce, **overrides}
