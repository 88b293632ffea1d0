"""Whatever arrives, the sign-in and forum parsers answer with their own 4xx error, never an exception
that would become a 500."""

import base64
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.api.handlers import status_of
from backend.auth.errors import AccessError, SsoBadRequest
from backend.auth.signin import expectations_for, verify_sign_in
from backend.forum import parse_request, sign

EXPECTED = expectations_for("http://127.0.0.1:8000", "127.0.0.1:8000", 31337)
NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)
TEMPLATE = (
    "127.0.0.1:8000 wants you to sign in with your Ethereum account:\n"
    "0x71C7656EC7ab88b098defB751B7401B5f6d8976F\n\nSign in.\n\nURI: http://127.0.0.1:8000\nVersion: 1\n"
    "Chain ID: 31337\nNonce: abcdefgh12\nIssued At: 2026-11-24T00:00:00.000Z"
)


def never_a_contract(address, digest, signature):
    return False


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600), signature=st.text(max_size=200))
def test_arbitrary_messages_and_signatures_fail_cleanly(text, signature):
    try:
        verify_sign_in(text, signature, EXPECTED, NOW, never_a_contract)
    except AccessError as exc:
        assert 400 <= status_of(exc) < 500 and exc.message_ja and exc.message_en


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(TEMPLATE) - 1), replacement=st.characters())
def test_one_character_changes_to_a_message_fail_cleanly(position, replacement):
    text = TEMPLATE[:position] + replacement + TEMPLATE[position + 1:]
    try:
        verify_sign_in(text, "0x" + "11" * 65, EXPECTED, NOW, never_a_contract)
    except AccessError as exc:
        assert 400 <= status_of(exc) < 500


@settings(max_examples=300, deadline=None)
@given(payload=st.text(max_size=300) | st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()))
def test_signed_garbage_payloads_fail_cleanly(payload):
    # Signed with the right secret, so the parser gets past the HMAC and must cope with the content.
    try:
        request = parse_request(payload, sign(payload, "secret"), "secret")
    except SsoBadRequest:
        return
    assert request.nonce and request.return_sso_url.startswith(("http://", "https://"))
