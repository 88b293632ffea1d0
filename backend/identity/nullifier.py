"""The one nullifier of a person: who they are to this deployment, without saying who they are.

    nullifier = HMAC-SHA256(HMAC-SHA256(identity secret, PURPOSE), issuer NUL subject), 64 hex digits

`issuer` is the identity provider that verified the person and `subject` their id there. Every flow that
needs "the same person" uses this value and no other: the residency identity and wallet bindings,
registrations and the premium cap, per-person polls, and vouchers.

On chain a voucher carries `onchain_nullifier(person, chain id, card)`: derived from the person's
nullifier for that one collection, so the minter's "one card per person" is the same person the cap
counts, while a public observer cannot link one person's cards across collections or towns (nor find
the value the database keys them by).

The identity secret is `Settings.identity_key` (RESIDENT_IDENTITY_SECRET): one per deployment and never
rotated, since a new secret makes every person look new. Without it nobody can test a guessed subject id
against the nullifiers in the database or on chain.
"""

from __future__ import annotations

import hmac

PURPOSE = b"resident/identity-nullifier/v1"
ONCHAIN_PURPOSE = "resident/voucher-nullifier/v1"
HEX_DIGITS = 64


class NullifierError(ValueError):
    """Raised for an identity that cannot have a nullifier (no secret, no issuer or no subject)."""


def nullifier(identity_secret: str, issuer: str, subject: str) -> str:
    """The person's nullifier (64 lowercase hex digits) for `subject` as verified by `issuer`."""
    if not identity_secret:
        raise NullifierError("the identity secret is not set (RESIDENT_IDENTITY_SECRET)")
    if not issuer or not subject:
        raise NullifierError("a nullifier needs the provider (issuer) and the person's subject id there")
    key = hmac.digest(identity_secret.encode(), PURPOSE, "sha256")
    return hmac.new(key, f"{issuer}\x00{subject}".encode(), "sha256").hexdigest()


def onchain_nullifier(person: str, chain_id: int, card: str) -> bytes:
    """The bytes32 a voucher of collection `card` on `chain_id` carries for the person `person`."""
    try:
        key = bytes.fromhex(person)
    except ValueError:
        key = b""
    if len(key) != HEX_DIGITS // 2:
        raise NullifierError(f"a nullifier is {HEX_DIGITS} hex digits, not {person!r}")
    return hmac.digest(key, f"{ONCHAIN_PURPOSE}:{chain_id}:{card.lower()}".encode(), "sha256")
