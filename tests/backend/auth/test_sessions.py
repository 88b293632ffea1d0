"""The session store every kind of user shares (holders, staff, venue accounts)."""

import pytest

from backend.auth.sessions import create_session, end_session, end_sessions_of, purge_expired, resolve
from backend.db.models_access import AuthSession


def test_a_session_resolves_to_its_kind_and_subject(db_sessions):
    with db_sessions() as db:
        token, expires_at = create_session(db, "venue", 42, now=1_000)
        db.commit()
        info = resolve(db, "venue", token, now=1_001)
        assert (info.kind, info.subject, info.expires_at) == ("venue", "42", 1_000 + 14 * 3600)


def test_a_token_of_one_kind_does_not_open_another(db_sessions):
    with db_sessions() as db:
        token, _ = create_session(db, "holder", "0x" + "ab" * 20)
        db.commit()
        assert resolve(db, "holder", token) is not None
        assert resolve(db, "staff", token) is None
        assert resolve(db, "venue", token) is None


def test_expired_unknown_and_empty_tokens_resolve_to_nothing(db_sessions):
    with db_sessions() as db:
        token, expires_at = create_session(db, "staff", 1, ttl=60, now=1_000)
        db.commit()
        assert resolve(db, "staff", token, now=1_059) is not None
        assert resolve(db, "staff", token, now=1_060) is None
        assert resolve(db, "staff", token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert resolve(db, "staff", "") is None
        assert resolve(db, "staff", None) is None
        assert resolve(db, "staff", "x" * 10_000) is None


def test_not_after_caps_the_expiry(db_sessions):
    with db_sessions() as db:
        _, expires_at = create_session(db, "holder", "0x" + "cd" * 20, now=1_000, not_after=1_500)
        assert expires_at == 1_500


def test_ending_sessions(db_sessions):
    with db_sessions() as db:
        first, _ = create_session(db, "venue", 7)
        second, _ = create_session(db, "venue", 7)
        other, _ = create_session(db, "venue", 8)
        db.commit()
        assert end_session(db, "venue", first) is True
        assert end_session(db, "venue", first) is False
        assert end_session(db, "staff", second) is False  # wrong kind: nothing ended
        assert end_sessions_of(db, "venue", 7) == 1
        db.commit()
        assert resolve(db, "venue", second) is None
        assert resolve(db, "venue", other) is not None


def test_purge_removes_only_expired_sessions(db_sessions):
    with db_sessions() as db:
        create_session(db, "staff", 1, ttl=10, now=1_000)
        live, _ = create_session(db, "staff", 2, ttl=10_000_000_000)
        assert purge_expired(db, now=2_000) == 1
        db.commit()
        assert db.query(AuthSession).count() == 1


def test_unknown_kind_is_a_programming_error(db_sessions):
    with db_sessions() as db, pytest.raises(ValueError, match="kind"):
        create_session(db, "admin", 1)


def test_the_cookie_is_http_only_lax_and_secure_on_https_sites():
    from fastapi import Response

    from backend.auth.sessions import set_session_cookie

    for public_url, secure in (("https://resident.city.example.jp", True), ("http://127.0.0.1:8000", False)):
        response = Response()
        set_session_cookie(response, "holder", "tok", 2_000_000_000, public_url)
        header = response.headers["set-cookie"]
        assert header.startswith("resident_session=tok;")
        assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header
        assert ("Secure" in header) is secure
