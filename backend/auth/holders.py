"""Holder sign-in: a checked EIP-4361 message + a fresh nonce -> a holder session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from eth_typing import ChecksumAddress
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.errors import ChainUnavailable, SiweNonceInvalid
from backend.auth.nonces import consume_nonce
from backend.auth.sessions import create_session, purge_expired
from backend.auth.signin import ContractCheck, expectations_for, verify_sign_in
from backend.chain import signatures
from backend.chain.client import Chain
from backend.civic.inactivity import record_activity
from backend.db.models_access import Holder
from backend.db.session import begin_immediate
from backend.errors import ChainError
from backend.settings import Settings


@dataclass(frozen=True)
class HolderSignIn:
    address: ChecksumAddress
    token: str
    expires_at: int
    contract_wallet: bool


def erc1271_check(chain: Chain) -> ContractCheck:
    """Contract accounts (ERC-1271, ERC-6492 undeployed, EIP-7702) through the one verifier,
    backend/chain/signatures.py; a chain that does not answer is a 503, not a bad signature."""

    def check(address: ChecksumAddress, digest: bytes, signature: bytes) -> signatures.Verdict:
        try:
            return signatures.verify_hash(chain, address, digest, signature)
        except ChainError:
            raise ChainUnavailable() from None

    return check


def sign_in(
    db: Session, chain: Chain, settings: Settings, message: str, signature: str, *, now: datetime | None = None
) -> HolderSignIn:
    """Verify a signed sign-in message, consume its nonce and open a holder session. The caller commits."""
    now = now or datetime.now(timezone.utc)
    expected = expectations_for(settings.public_url, settings.siwe_domain, settings.chain_id)
    checked = verify_sign_in(message, signature, expected, now, erc1271_check(chain))
    unix_now = int(now.timestamp())
    if not db.in_transaction():
        begin_immediate(db)  # SQLite: take the write lock first, so concurrent sign-ins queue, never fail
    if not consume_nonce(db, checked.nonce, now=unix_now):
        raise SiweNonceInvalid()
    _record_holder(db, checked.address, checked.contract_wallet, unix_now)
    record_activity(db, checked.address, unix_now, "sign_in")  # a sign-in answers an inactivity notice
    purge_expired(db, now=unix_now)
    not_after = int(checked.expires_at.timestamp()) if checked.expires_at else None
    token, expires_at = create_session(db, "holder", checked.address, not_after=not_after, now=unix_now)
    return HolderSignIn(checked.address, token, expires_at, checked.contract_wallet)


def _record_holder(db: Session, address: str, contract_wallet: bool, now: int) -> None:
    updated = db.execute(
        update(Holder).where(Holder.address == address)
        .values(last_sign_in_at=now, sign_in_count=Holder.sign_in_count + 1, contract_wallet=contract_wallet)
        .execution_options(synchronize_session=False)
    ).rowcount
    if updated:
        return
    try:
        with db.begin_nested():
            db.add(Holder(address=address, first_sign_in_at=now, last_sign_in_at=now, sign_in_count=1,
                          contract_wallet=contract_wallet))
    except IntegrityError:  # a concurrent first sign-in of the same wallet inserted it
        db.execute(update(Holder).where(Holder.address == address)
                   .values(last_sign_in_at=now, sign_in_count=Holder.sign_in_count + 1))


def open_passkey_session(db: Session, account: ChecksumAddress, *, now: int) -> tuple[str, int]:
    """A holder session for a passkey account (a contract wallet), once its WebAuthn ceremony passed."""
    _record_holder(db, account, True, now)
    record_activity(db, account, now, "sign_in")
    purge_expired(db, now=now)
    return create_session(db, "holder", account, now=now)
