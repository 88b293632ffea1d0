"""Secrets at rest: random tokens, their SHA-256 digests, and scrypt password hashes; and the one
constant-time comparison of a secret with what a client sent (`secrets_equal`).

Two kinds of secret, two treatments:
- random tokens (sessions, bot keys) have 256 bits of entropy, so a plain SHA-256 digest is enough to
  make a stolen table useless, and it can be looked up by equality;
- passwords are chosen by people and guessable, so they get a salted, memory-hard scrypt hash
  (stdlib `hashlib.scrypt`, no extra dependency) whose parameters are stored with it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets as _random

TOKEN_BYTES = 32

# scrypt cost: N=2**14, r=8 needs 16 MiB and ~50 ms on this class of machine (OWASP's minimum is N=2**17
# for interactive logins on servers; raise SCRYPT_N in production if logins are rare enough to afford it).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
SALT_BYTES = 16
_PREFIX = "scrypt"


def random_token(nbytes: int = TOKEN_BYTES) -> str:
    """A URL-safe random token (cookies, bearer headers, bot keys)."""
    return _random.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a random token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * r * n * 2)


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of a password, self-describing: `scrypt$N$r$p$salt$hash` (base64 parts)."""
    if not secret:
        raise ValueError("an empty secret cannot be hashed")
    salt = _random.token_bytes(SALT_BYTES)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN)
    return "$".join((_PREFIX, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def verify_secret(secret: str, stored: str) -> bool:
    """True when `secret` matches the stored hash; False for a wrong secret or an unreadable hash."""
    try:
        prefix, n, r, p, salt, digest = stored.split("$")
        if prefix != _PREFIX:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _scrypt(secret, base64.b64decode(salt, validate=True), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return secrets_equal(expected, actual)


def _comparable(value: str | bytes) -> bytes:
    # surrogatepass: JSON may carry lone surrogates ("\ud800"), which plain UTF-8 refuses to encode; the
    # mapping stays one-to-one, so different texts never compare equal.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def secrets_equal(expected: str | bytes, given: object) -> bool:
    """Whether `given` (untrusted: a query value, a typed code, a MAC) equals the secret `expected`, in time
    that does not depend on where they differ. Never raises: `hmac.compare_digest` refuses `str` with
    non-ASCII characters (TypeError), so both sides are compared as UTF-8 bytes; None or any other type
    is simply not equal."""
    if not isinstance(given, (str, bytes)):
        return False
    return hmac.compare_digest(_comparable(expected), _comparable(given))


@functools.cache
def _dummy_hash() -> str:
    return hash_secret("not-a-real-password")


def dummy_verify(secret: str) -> None:
    """Spend the time a real verification takes, so an unknown login is not faster than a wrong password."""
    verify_secret(secret, _dummy_hash())
