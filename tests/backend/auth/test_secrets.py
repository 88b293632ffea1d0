"""Secrets at rest: tokens are stored as digests, passwords as salted scrypt hashes."""

import hashlib

from backend.auth.secrets import hash_secret, random_token, token_digest, verify_secret


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
