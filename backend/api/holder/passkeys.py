"""Passkey resident accounts: make one with this phone's passkey (WebAuthn registration), sign in with it,
sign ballots and claim requests with it.

Registration and sign-in end in a holder session for the passkey account's address. Sign-in is an EIP-4361
message signed by the account (ERC-7739 in the WebAuthn challenge) and checked like any contract wallet's.
The challenges these options carry are also computed by the page from the message or document it signs
(static/js/erc7739.js, passkey.js), which refuses options naming another hash: the server cannot make the
passkey sign a hash the page did not build. Nothing here trusts the page either: every check recomputes.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.auth import holders, passkey_accounts, passkey_signing, passkeys
from backend.auth.errors import PasskeyMalformed, PasskeysUnavailable, SiweBadSignature
from backend.auth.nonces import issue_nonce
from backend.auth.passkey_accounts import predict_account
from backend.auth.sessions import set_session_cookie
from backend.auth.signin import build_message, eip191_hash
from backend.db.session import begin_immediate, write_transaction
from backend.origins import origin_of

SIGN_IN_STATEMENT = "Sign in to your digital resident card."

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


class PasskeyNamedIn(BaseModel):
    credential_id: str | None = Field(default=None, max_length=1400, pattern=r"^[A-Za-z0-9_-]*$",
                                      description="The passkey (credential id, base64url) this browser remembers; "
                                                  "without it the options only ask which passkey it is")


class PasskeySignInOptionsOut(PasskeyOptionsOut):
    message: str | None = Field(default=None, description="The sign-in message (EIP-4361) the passkey account "
                                                          "signs; its ERC-7739 hash is the challenge")
    account: str | None = None


class PasskeySignInIn(PasskeyCredentialIn):
    message: str = Field(max_length=4096, description="The sign-in message of /passkeys/signin/options")


class TypedDataIn(BaseModel):
    credential_id: str = Field(max_length=1400, pattern=r"^[A-Za-z0-9_-]+$")
    typed_data: dict[str, Any] = Field(description="The EIP-712 document to sign (a ballot, a claim request)")


class PasskeyTypedSignatureIn(PasskeyCredentialIn):
    typed_data: dict[str, Any]


class PasskeySignatureOut(BaseModel):
    signature: str = Field(description="The passkey account's signature (0x-hex): ERC-1271 bytes, or their "
                                       "ERC-6492 wrapper while the account is not deployed")
    account: str


def _sign_in_message(settings, account: str, nonce: str, now: int) -> str:
    return build_message(domain=settings.siwe_domain, address=account, uri=origin_of(settings.public_url),
                         chain_id=settings.chain_id, nonce=nonce, statement=SIGN_IN_STATEMENT,
                         issued_at=datetime.fromtimestamp(now, timezone.utc))


def _typed(typed_data: dict, settings, account: str) -> passkey_signing.ToSign:
    try:
        return passkey_signing.typed_data_sign(typed_data, settings.chain_id, account)
    except Exception:  # noqa: BLE001 - eth-account raises many kinds for a document that is not EIP-712
        raise PasskeyMalformed() from None


@router.post("/passkeys/signin/options", response_model=PasskeySignInOptionsOut,
             summary="Options to sign in with a passkey")
def signin_options(db: SessionDep, settings: SettingsDep, body: PasskeyNamedIn | None = None) -> PasskeySignInOptionsOut:
    """With the passkey's credential id: a fresh sign-in message for its account and, as the WebAuthn
    challenge, that message's ERC-7739 PersonalSign hash under the account's domain (the account checks it).
    Without: options for any passkey of this site, whose answer only names the passkey."""
    rp = _relying_party(settings)
    write_transaction(db)  # reads the passkey, then writes a nonce: SQLite's indexer thread may write between
    if body is None or not body.credential_id:
        options = passkeys.authentication_options(db, rp)
        db.commit()
        return PasskeySignInOptionsOut(options=json.loads(options))
    row = passkeys.credential_of(db, body.credential_id)
    now = int(time.time())
    nonce, _ = issue_nonce(db, now=now)
    message = _sign_in_message(settings, row.account, nonce, now)
    to_sign = passkey_signing.personal_sign(eip191_hash(message), settings.chain_id, row.account)
    db.commit()
    return PasskeySignInOptionsOut(options=passkeys.assertion_options(rp, row, to_sign.challenge), message=message,
                                   account=row.account)


@router.post("/passkeys/signin", response_model=PasskeySessionOut, summary="Sign in with a passkey")
def signin(body: PasskeySignInIn, response: Response, db: SessionDep, chain: ChainDep,
           settings: SettingsDep) -> PasskeySessionOut:
    """The passkey account signs the sign-in message (ERC-7739 PersonalSign in the WebAuthn challenge); the
    one verifier asks the account (ERC-1271, or ERC-6492 before deployment), as for any contract wallet.
    Origin, RP id and the sign counter are checked here too (passkeys.check_assertion)."""
    rp = _relying_party(settings)
    write_transaction(db)
    row = passkeys.credential_of(db, body.credential.get("id"))
    response_part = body.credential.get("response")
    if not isinstance(response_part, dict):
        raise PasskeyMalformed()
    counter = passkeys.check_assertion(rp, row, response_part)
    to_sign = passkey_signing.personal_sign(eip191_hash(body.message), settings.chain_id, row.account)
    signature = passkey_accounts.signature_for(chain, settings.account_factory_address, row, response_part, to_sign)
    signed = holders.sign_in(db, chain, settings, body.message, "0x" + signature.hex())
    if signed.address != row.account:
        raise SiweBadSignature("signature_wrong_signer")  # a valid message of another account: not this passkey's
    row.sign_count, row.last_used_at = counter, int(time.time())
    db.commit()
    set_session_cookie(response, "holder", signed.token, signed.expires_at, settings.public_url)
    return PasskeySessionOut(token=signed.token, expires_at=signed.expires_at, address=signed.address)


@router.post("/passkeys/sign/options", response_model=PasskeySignInOptionsOut,
             summary="Options for the passkey to sign typed data (a ballot, a claim request)")
def sign_options(body: TypedDataIn, db: SessionDep, settings: SettingsDep) -> PasskeySignInOptionsOut:
    """The WebAuthn challenge is the ERC-7739 TypedDataSign hash of the document under the account's domain."""
    rp = _relying_party(settings)
    row = passkeys.credential_of(db, body.credential_id)
    to_sign = _typed(body.typed_data, settings, row.account)
    return PasskeySignInOptionsOut(options=passkeys.assertion_options(rp, row, to_sign.challenge), account=row.account)


@router.post("/passkeys/sign", response_model=PasskeySignatureOut,
             summary="The passkey account's signature of typed data, from the passkey's answer")
def sign(body: PasskeyTypedSignatureIn, db: SessionDep, chain: ChainDep, settings: SettingsDep) -> PasskeySignatureOut:
    """Only builds the bytes the account's isValidSignature takes (nothing is stored or trusted here): the
    route that receives the signature (ballot, claim request) checks it through backend/chain/signatures.py."""
    rp = _relying_party(settings)
    row = passkeys.credential_of(db, body.credential.get("id"))
    response_part = body.credential.get("response")
    if not isinstance(response_part, dict):
        raise PasskeyMalformed()
    passkeys.check_assertion(rp, row, response_part)
    to_sign = _typed(body.typed_data, settings, row.account)
    signature = passkey_accounts.signature_for(chain, settings.account_factory_address, row, response_part, to_sign)
    return PasskeySignatureOut(signature="0x" + signature.hex(), account=row.account)
