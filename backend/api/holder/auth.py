"""Wallet sign-in (EIP-4361) and sign-out of a holder (the holder page `/` is where a browser signs in)."""

from __future__ import annotations

from datetime import datetime, timezone

from eth_utils import is_hex_address, to_checksum_address
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.api.schemas import SessionOut, SignedOut
from backend.auth import holders
from backend.auth.errors import BadAddress
from backend.auth.nonces import issue_nonce
from backend.auth.sessions import clear_session_cookie, end_session, set_session_cookie, token_from_request
from backend.auth.signin import build_message
from backend.origins import origin_of

router = APIRouter(tags=["holder"])


SIGN_IN_STATEMENT = "Sign in as a digital resident (no transaction, no gas)."


class NonceIn(BaseModel):
    address: str | None = Field(default=None, max_length=64,
                                description="If given, the answer also holds the complete message to sign")


class NonceOut(BaseModel):
    nonce: str = Field(description="Put it in the message's Nonce field; single use, expires at expires_at")
    expires_at: int
    domain: str = Field(description="The message's domain must be exactly this")
    uri: str = Field(description="The message's URI must be on this origin")
    chain_id: int
    version: str = "1"
    message: str | None = Field(default=None, description="The EIP-4361 message for `address`, ready to sign "
                                                          "(usable until the nonce expires); null without an address")


class SiweIn(BaseModel):
    message: str = Field(max_length=4096, description="The EIP-4361 message exactly as signed")
    signature: str = Field(max_length=10_000, description="0x-prefixed hex signature (EOA or ERC-1271 wallet)")


class HolderSessionOut(SessionOut):
    address: str
    contract_wallet: bool


@router.post("/auth/nonce", response_model=NonceOut, summary="Get a sign-in nonce (EIP-4361)")
def create_nonce(db: SessionDep, settings: SettingsDep, body: NonceIn | None = None) -> NonceOut:
    """A fresh single-use nonce (valid 5 minutes) and the values the message must contain; with an address,
    also the whole message (wallet front ends without an EIP-4361 library just sign it)."""
    if body is not None and body.address is not None and not is_hex_address(body.address):
        raise BadAddress("address_given", address=body.address[:60])
    nonce, expires_at = issue_nonce(db)
    db.commit()
    uri = origin_of(settings.public_url)
    message = None
    if body is not None and body.address is not None:
        now = datetime.now(timezone.utc)
        # No Expiration Time: it would cap the session (as in SpruceID's examples); the nonce's 5 minutes
        # already bound how long this message can be used to sign in.
        message = build_message(domain=settings.siwe_domain, address=to_checksum_address(body.address), uri=uri,
                                chain_id=settings.chain_id, nonce=nonce, issued_at=now, statement=SIGN_IN_STATEMENT)
    return NonceOut(nonce=nonce, expires_at=expires_at, domain=settings.siwe_domain, uri=uri,
                    chain_id=settings.chain_id, message=message)


@router.post("/auth/siwe", response_model=HolderSessionOut, summary="Sign in with Ethereum")
def sign_in_with_ethereum(body: SiweIn, response: Response, db: SessionDep, chain: ChainDep,
                          settings: SettingsDep) -> HolderSessionOut:
    """Check the signed EIP-4361 message (domain, URI, chain, times, nonce, EOA or ERC-1271 signature) and
    open a holder session: HTTP-only cookie plus bearer token."""
    result = holders.sign_in(db, chain, settings, body.message, body.signature)
    db.commit()
    set_session_cookie(response, "holder", result.token, result.expires_at, settings.public_url)
    return HolderSessionOut(token=result.token, expires_at=result.expires_at, address=result.address,
                            contract_wallet=result.contract_wallet)


@router.post("/auth/logout", response_model=SignedOut, summary="Sign out (holder)")
def sign_out_holder(request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> SignedOut:
    """End the holder session of this cookie or bearer token."""
    ended = end_session(db, "holder", token_from_request(request, "holder"))
    db.commit()
    clear_session_cookie(response, "holder", settings.public_url)
    return SignedOut(signed_out=ended)
