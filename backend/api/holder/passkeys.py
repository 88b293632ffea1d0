"""Passkey resident accounts: make one with this phone's passkey (WebAuthn registration), sign in with it.

Both ceremonies end in a holder session for the passkey account's address, as wallet sign-in does.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.auth import holders, passkeys
from backend.auth.errors import PasskeysUnavailable
from backend.auth.passkey_accounts import predict_account
from backend.auth.sessions import set_session_cookie
from backend.db.session import begin_immediate

router = APIRouter(tags=["holder"])


class PasskeyOptionsOut(BaseModel):
    options: dict[str, Any] = Field(description="WebAuthn options (binary fields base64url), for "
                                                "navigator.credentials.create or .get after decoding")


class PasskeyCredentialIn(BaseModel):
    credential: dict[str, Any] = Field(description="The PublicKeyCredential as JSON (binary fields base64url)")


class PasskeySessionOut(BaseModel):
    token: str
    expires_at: int
    address: str = Field(description="The passkey account's address (deployed when it first has to exist)")
    contract_wallet: bool = True


def _relying_party(settings) -> passkeys.RelyingParty:
    if not settings.account_factory_address:
        raise PasskeysUnavailable()
    return passkeys.RelyingParty.of(settings.public_url)


def _signed_in(response: Response, db, settings, account: str, now: int) -> PasskeySessionOut:
    token, expires_at = holders.open_passkey_session(db, account, now=now)
    db.commit()
    set_session_cookie(response, "holder", token, expires_at, settings.public_url)
    return PasskeySessionOut(token=token, expires_at=expires_at, address=account)


@router.post("/passkeys/register/options", response_model=PasskeyOptionsOut,
             summary="Options to make a passkey resident account")
def register_options(db: SessionDep, settings: SettingsDep) -> PasskeyOptionsOut:
    """Creation options with a fresh single-use challenge (5 minutes), RP id = the public URL's host."""
    options = passkeys.registration_options(db, _relying_party(settings))
    db.commit()
    return PasskeyOptionsOut(options=json.loads(options))


@router.post("/passkeys/register", response_model=PasskeySessionOut,
             summary="Make a passkey resident account and sign in")
def register(body: PasskeyCredentialIn, response: Response, db: SessionDep, chain: ChainDep,
             settings: SettingsDep) -> PasskeySessionOut:
    """Verify the registration (challenge, origin, RP id, user verification), keep the public key and the
    account address the factory predicts for it, and open a holder session for that account."""
    rp = _relying_party(settings)
    now = int(time.time())
    if not db.in_transaction():
        begin_immediate(db)
    try:
        registered = passkeys.verify_registration(db, rp, body.credential, now=now)
    except Exception:
        db.commit()  # the challenge stays consumed: a refused answer cannot be retried with it
        raise
    account = predict_account(chain, settings.account_factory_address, registered.public_x, registered.public_y)
    passkeys.store(db, registered, account, now=now)
    return _signed_in(response, db, settings, account, now)


@router.post("/passkeys/signin/options", response_model=PasskeyOptionsOut,
             summary="Options to sign in with a passkey")
def signin_options(db: SessionDep, settings: SettingsDep) -> PasskeyOptionsOut:
    options = passkeys.authentication_options(db, _relying_party(settings))
    db.commit()
    return PasskeyOptionsOut(options=json.loads(options))


@router.post("/passkeys/signin", response_model=PasskeySessionOut, summary="Sign in with a passkey")
def signin(body: PasskeyCredentialIn, response: Response, db: SessionDep, settings: SettingsDep) -> PasskeySessionOut:
    """Verify an assertion of a registered passkey (stored key, sign counter) and open a holder session for
    its account. TODO(issue 14): the account-domain ERC-7739 sign-in through backend/chain/signatures.py."""
    rp = _relying_party(settings)
    now = int(time.time())
    if not db.in_transaction():
        begin_immediate(db)
    try:
        row = passkeys.verify_authentication(db, rp, body.credential, now=now)
    except Exception:
        db.commit()  # the challenge stays consumed: a refused answer cannot be retried with it
        raise
    return _signed_in(response, db, settings, row.account, now)
