"""Secrets at rest: tokens are stored as digests, passwords as salted scrypt hashes; secrets_equal compares
any text a client sends without raising."""

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.auth.secrets import hash_secret, random_token, secrets_equal, token_digest, verify_secret

pytestmark = pytest.mark.production_hashing  # the other tests hash at a test cost (tests/backend/conftest.py)


def test_random_tokens_are_long_and_distinct():
    tokens = {random_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 43 for t in tokens)  # 32 bytes of entropy in base64url


def test_token_digest_is_sha256_hex():
    assert token_digest("abc") == hashlib.sha256(b"abc").hexdigest()


def test_password_hash_verifies_only_the_same_password():
    stored = hash_secret("correct horse 電池")
    assert stored.startswith("scrypt$16384$8$1$")
    assert "correct horse" not in stored
    assert verify_secret("correct horse 電池", stored)
    assert not verify_secret("correct horse 電地", stored)
    assert not verify_secret("", stored)


def test_same_password_hashes_differently_each_time():
    assert hash_secret("pw") != hash_secret("pw")


def test_unreadable_hash_is_a_mismatch_not_an_error():
    for stored in ["", "scrypt$x", "bcrypt$1$2$3$4$5", "scrypt$16384$8$1$!!!$AAAA", "scrypt$0$8$1$AAAA$AAAA"]:
        assert not verify_secret("pw", stored)


def test_secrets_equal_compares_text_and_bytes():
    assert secrets_equal("a1b2c3", "a1b2c3")
    assert not secrets_equal("a1b2c3", "a1b2c4")
    assert not secrets_equal("a1b2c3", "a1b2c")
    assert secrets_equal(b"\x00\xff", b"\x00\xff")
    assert not secrets_equal(b"\x00\xff", b"\x00\xfe")
    assert secrets_equal("配信停止", "配信停止")  # the same non-ASCII text is equal
    assert secrets_equal("ü", "ü".encode())  # text is compared as its UTF-8 bytes


def test_secrets_equal_never_raises_on_odd_input():
    # hmac.compare_digest raises TypeError for each of these: a str with non-ASCII characters, None, a
    # number; a lone surrogate (which JSON may carry) cannot even be encoded as plain UTF-8.
    for given_value in ("ﾃｽﾄ", "0123456789ü", "\ud800", "\udfff\ud800", None, 12, ["a1b2c3"], "", "\x00"):
        assert secrets_equal("a1b2c3", given_value) is False
    assert secrets_equal("\ud800", "\ud800") and not secrets_equal("\ud800", "\ud801")


@settings(max_examples=300, deadline=None)
@given(expected=st.text(), given_value=st.text() | st.binary() | st.none())
def test_secrets_equal_is_equality(expected, given_value):
    assert secrets_equal(expected, given_value) is (given_value == expected or given_value == expected.encode())


def test_secrets_equal_is_the_only_constant_time_comparison():
    # A raw hmac.compare_digest on a client's text is a 500 waiting for a non-ASCII character.
    root = Path(__file__).resolve().parents[3]
    users = sorted(str(path.relative_to(root)) for folder in ("backend", "metadata")
                   for path in (root / folder).rglob("*.py") if "compare_digest" in path.read_text(encoding="utf-8"))
    assert users == ["backend/auth/secrets.py"]
