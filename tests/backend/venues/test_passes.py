"""Venue passes: signed, compact, bound to card and perk; forgery, tampering and expiry refused."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.venues.passes import PREFIX, PassError, PassSigner

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
NOW = 1_800_000_000


@pytest.fixture
def signer():
    return PassSigner("test-pass-secret", chain_id=31337, ttl=90)


def issue(signer, **kw):
    args = dict(contract=CONTRACT, token_id=7, owner=OWNER, perk_id=3, now=NOW)
    args.update(kw)
    return signer.issue(**args)


def test_a_pass_round_trips_with_everything_it_binds(signer):
    text, made = issue(signer)
    got = signer.verify(text, now=NOW + 10)
    assert got == made
    assert got.token_id == 7 and got.perk_id == 3 and got.chain_id == 31337
    assert "0x" + got.contract.hex() == CONTRACT.lower() and "0x" + got.owner.hex() == OWNER.lower()
    assert got.expires_at == NOW + 90


def test_a_pass_is_compact_enough_for_a_qr_code(signer):
    text, _ = issue(signer, token_id=2**64 - 1)
    assert len(text) < 200
    assert text.startswith(PREFIX) and all(c.isalnum() or c in "-_." for c in text)


def test_every_pass_has_its_own_random_id(signer):
    ids = {issue(signer)[1].pass_id for _ in range(100)}
    assert len(ids) == 100


def test_an_expired_pass_is_refused_at_its_expiry_second(signer):
    text, _ = issue(signer)
    signer.verify(text, now=NOW + 89)
    with pytest.raises(PassError) as e:
        signer.verify(text, now=NOW + 90)
    assert e.value.code == "pass_expired" and e.value.message_ja


def test_a_pass_signed_with_another_secret_is_forged(signer):
    text, _ = issue(PassSigner("someone-else", chain_id=31337))
    with pytest.raises(PassError) as e:
        signer.verify(text, now=NOW)
    assert e.value.code == "pass_forged"


def test_a_pass_for_another_chain_is_refused(signer):
    text, _ = issue(PassSigner("test-pass-secret", chain_id=1))
    with pytest.raises(PassError) as e:
        signer.verify(text, now=NOW)
    assert e.value.code == "pass_wrong_chain"


@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_flipping_any_bit_is_detected(position, bit):
    signer = PassSigner("test-pass-secret", chain_id=31337)
    text, _ = signer.issue(contract=CONTRACT, token_id=7, owner=OWNER, perk_id=3, now=NOW)
    body = text[len(PREFIX):]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position % len(raw)] ^= 1 << bit
    tampered = PREFIX + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(PassError) as e:
        signer.verify(tampered, now=NOW)
    assert e.value.code == "pass_forged"


def test_a_pass_cannot_be_moved_to_another_card_or_perk(signer):
    """Re-encoding the fields with a changed token id but the old signature fails."""
    text, _ = issue(signer)
    other, _ = issue(signer, token_id=8)
    # splice: payload of one, signature of the other
    a = base64.urlsafe_b64decode(text[4:] + "==")
    b = base64.urlsafe_b64decode(other[4:] + "==")
    spliced = PREFIX + base64.urlsafe_b64encode(b[:-32] + a[-32:]).rstrip(b"=").decode()
    with pytest.raises(PassError) as e:
        signer.verify(spliced, now=NOW)
    assert e.value.code == "pass_forged"


@pytest.mark.parametrize("text", ["", "hello", "rp1.", "rp1.!!!!", "rp1." + "A" * 40, "rp2." + "A" * 150,
                                  "rp1." + "A" * 300, None, 12])
def test_garbage_is_malformed_not_a_crash(signer, text):
    with pytest.raises(PassError) as e:
        signer.verify(text, now=NOW)
    assert e.value.code in ("pass_malformed", "pass_forged")


def test_signature_is_checked_before_any_field_is_trusted(signer):
    """A payload with an impossible version but a bad MAC reports forged, not malformed."""
    raw = bytes([9]) + bytes(120)
    with pytest.raises(PassError) as e:
        signer.verify(PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), now=NOW)
    assert e.value.code == "pass_forged"


def test_ttl_is_bounded():
    with pytest.raises(ValueError):
        PassSigner("s", chain_id=1, ttl=3600)
