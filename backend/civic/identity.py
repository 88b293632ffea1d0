"""The one question civic features ask about identity: which verified person is this wallet?

"One vote per verified person" needs a stable key per person that is not the wallet (a person may hold
cards in several wallets). backend/identity keeps the person's nullifier (backend/identity/nullifier.py,
the same one registrations, the premium cap and vouchers carry); this module only defines the shape of the
lookup, so polls do not depend on how identity is stored:

    nullifier_of(session, address) -> str | None     # None: this wallet is not verified

The app's services keep the lookup (`Services.nullifier_of`, backend/services.py): `verified_nullifier`, the
residency identity records. With `no_identity` nobody is verified and per-person polls refuse every vote
with a clear "verify your identity first".
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session


class NullifierLookup(Protocol):
    def __call__(self, session: Session, address: str) -> str | None: ...


def no_identity(session: Session, address: str) -> str | None:
    """The default lookup: no identity provider is connected, so no wallet is verified."""
    return None


def verified_nullifier(session: Session, address: str) -> str | None:
    """The identity module's answer: the nullifier of the person verified with this wallet."""
    from backend.identity.verifier import identity_of

    identity = identity_of(session, address)
    return identity.nullifier if identity is not None else None
