"""EIP-4361 message checks and EOA signatures, without a chain (ERC-1271 is tested on anvil elsewhere)."""

from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from backend.auth.errors import (
    SiweBadSignature,
    SiweChainMismatch,
    SiweDomainMismatch,
    SiweMalformed,
    SiweNotInTime,
)
from backend.auth.signin import (
    build_message,
    eip191_hash,
    expectations_for,
    parse_message,
    recover_signer,
    verify_sign_in,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
EXPECTED = expectations_for("http://127.0.0.1:8000", "127.0.0.1:8000", 31337)
ACCOUNT = Account.from_key("0x" + "11" * 32)
OTHER = Account.from_key("0x" + "22" * 32)


def no_contract(address, digest, signature):
    """The chain's answer for an address without code."""
    return False


def message(**overrides):
    fields = dict(
        domain="127.0.0.1:8000",
        address=ACCOUNT.address,
        uri="http://127.0.0.1:8000/login",
        chain_id=31337,
        nonce="abcDEF123456",
        issued_at=NOW - timedelta(seconds=5),
        statement="Sign in to Mine City digital residents.",
    )
    fields.update(overrides)
    return build_message(**fields)


def sign(text, account=ACCOUNT):
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


def verify(text, signature=None, now=NOW):
    return verify_sign_in(text, sign(text) if signature is None else signature, EXPECTED, now, no_contract)


def test_a_correct_message_signs_in_its_address():
    text = message()
    result = verify(text)
    assert result.address == ACCOUNT.address
    assert result.nonce == "abcDEF123456"
    assert result.chain_id == 31337
    assert result.expires_at is None
    assert not result.contract_wallet


def test_message_expiry_is_reported_to_cap_the_session():
    result = verify(message(expiration_time=NOW + timedelta(minutes=10)))
    assert result.expires_at == NOW + timedelta(minutes=10)


def test_signature_of_another_account_is_refused():
    text = message()
    with pytest.raises(SiweBadSignature):
        verify(text, sign(text, OTHER))


def test_tampered_message_is_refused():
    text = message()
    signature = sign(text)
    with pytest.raises(SiweBadSignature):
        verify(text.replace("Mine City", "Mine Town"), signature)


@pytest.mark.parametrize(
    "signature", ["", "abcd", "0x", "0xzz", "0x" + "00" * 65, "0x" + "ff" * 64, "0x" + "01" * 5000]
)
def test_malformed_signatures_are_refused_cleanly(signature):
    with pytest.raises(SiweBadSignature):
        verify(message(), signature)


def test_recover_signer_gives_none_for_garbage():
    assert recover_signer("x", b"\x00" * 65) is None
    assert recover_signer("x", b"\x01" * 10) is None


def test_eip191_hash_is_what_eoas_sign():
    text = message()
    signed = ACCOUNT.sign_message(encode_defunct(text=text))
    assert eip191_hash(text) == bytes(signed.message_hash)


def test_wrong_domain_is_refused():
    with pytest.raises(SiweDomainMismatch, match="evil.example"):
        verify(message(domain="evil.example"))


def test_uri_on_another_origin_is_refused():
    for uri in ["http://127.0.0.1:8001/", "https://127.0.0.1:8000/", "http://localhost:8000/"]:
        with pytest.raises(SiweDomainMismatch):
            verify(message(uri=uri))


def test_uri_path_does_not_matter_but_origin_does():
    assert verify(message(uri="http://127.0.0.1:8000/some/page?x=1")).address == ACCOUNT.address


def test_wrong_chain_is_refused():
    with pytest.raises(SiweChainMismatch, match="31337"):
        verify(message(chain_id=1))


def test_issued_in_the_future_is_refused_beyond_clock_skew():
    assert verify(message(issued_at=NOW + timedelta(seconds=30)))
    with pytest.raises(SiweNotInTime):
        verify(message(issued_at=NOW + timedelta(minutes=5)))


def test_expired_message_is_refused():
    with pytest.raises(SiweNotInTime, match="expired"):
        verify(message(expiration_time=NOW - timedelta(seconds=1)))


def test_not_before_in_the_future_is_refused():
    with pytest.raises(SiweNotInTime, match="Not Before"):
        verify(message(not_before=NOW + timedelta(minutes=5)))
    assert verify(message(not_before=NOW - timedelta(minutes=1)))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "x" * 5000,
        # version 2 does not exist
        None,
    ],
)
def test_non_messages_are_malformed(text):
    if text is None:
        text = message().replace("Version: 1", "Version: 2")
    with pytest.raises(SiweMalformed):
        parse_message(text)


def test_short_nonce_is_malformed():
    text = message().replace("Nonce: abcDEF123456", "Nonce: abc12")
    with pytest.raises(SiweMalformed):
        verify(text)


def test_lower_case_address_is_malformed():
    # EIP-4361 requires the EIP-55 checksummed address.
    text = message().replace(ACCOUNT.address, ACCOUNT.address.lower())
    with pytest.raises(SiweMalformed):
        verify(text)


def test_non_canonical_layout_is_refused():
    with pytest.raises(SiweMalformed):
        verify(message() + "\n")


def test_a_non_ascii_statement_is_malformed_as_the_grammar_says():
    with pytest.raises(SiweMalformed, match="grammar"):
        parse_message(message(statement="デジタル住民としてサインイン"))
