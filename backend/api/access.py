"""Routes of access: wallet sign-in (EIP-4361), holder session and cards, staff login, forum SSO
(DiscourseConnect) and the bot check. Thin handlers; the logic lives in backend/auth/* and backend/forum.py.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from eth_utils import is_hex_address, to_checksum_address
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.auth import bots, holders, staff
from backend.auth.deps import CurrentHolder, CurrentStaff, OptionalHolder, require_staff, write_transaction
from backend.auth.errors import BadAddress, BadCredentials, NotFound, NotSignedIn
from backend.auth.nonces import issue_nonce
from backend.auth.sessions import (
    clear_session_cookie,
    create_session,
    end_session,
    set_session_cookie,
    token_from_request,
)
from backend.auth.signin import build_message, origin_of
from backend.auth.staff import StaffMember
from backend.cards import CardView, cards_of_owner, index_state
from backend.db.models_access import Forum
from backend.db.models_chain import Collection, Municipality
from backend.errors import ApiError
from backend.forum import login_redirect, parse_request, register_forum, sign_in_redirect

# What holders read in their wallet when signing in: one line of printable ASCII (the EIP-4361 grammar
# allows no other characters in the statement, so no Japanese here; the page around it is bilingual).
SIGN_IN_STATEMENT = "Sign in as a digital resident (no transaction, no gas)."

router = APIRouter()


# --- wallet sign-in -------------------------------------------------------------------------------------
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


class SessionOut(BaseModel):
    token: str = Field(description="Bearer token for API clients (browsers also get an HTTP-only cookie)")
    token_type: str = "bearer"
    expires_at: int


class HolderSessionOut(SessionOut):
    address: str
    contract_wallet: bool


class SignedOut(BaseModel):
    signed_out: bool


@router.post("/auth/nonce", response_model=NonceOut, tags=["auth"], summary="Get a sign-in nonce (EIP-4361)")
def create_nonce(db: SessionDep, settings: SettingsDep, body: NonceIn | None = None) -> NonceOut:
    """A fresh single-use nonce (valid 5 minutes) and the values the message must contain; with an address,
    also the whole message (wallet front ends without an EIP-4361 library just sign it)."""
    if body is not None and body.address is not None and not is_hex_address(body.address):
        raise BadAddress(f"Got {body.address[:60]!r}.", f"（{body.address[:60]!r}）")
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


@router.post("/auth/siwe", response_model=HolderSessionOut, tags=["auth"], summary="Sign in with Ethereum")
def sign_in_with_ethereum(body: SiweIn, response: Response, db: SessionDep, chain: ChainDep,
                          settings: SettingsDep) -> HolderSessionOut:
    """Check the signed EIP-4361 message (domain, URI, chain, times, nonce, EOA or ERC-1271 signature) and
    open a holder session: HTTP-only cookie plus bearer token."""
    result = holders.sign_in(db, chain, settings, body.message, body.signature)
    db.commit()
    set_session_cookie(response, "holder", result.token, result.expires_at, settings.public_url)
    return HolderSessionOut(token=result.token, expires_at=result.expires_at, address=result.address,
                            contract_wallet=result.contract_wallet)


@router.post("/auth/logout", response_model=SignedOut, tags=["auth"], summary="Sign out (holder)")
def sign_out(request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> SignedOut:
    """End the holder session of this cookie or bearer token."""
    ended = end_session(db, "holder", token_from_request(request, "holder"))
    db.commit()
    clear_session_cookie(response, "holder", settings.public_url)
    return SignedOut(signed_out=ended)


# --- the signed-in holder --------------------------------------------------------------------------------
class MeOut(BaseModel):
    address: str
    session_expires_at: int


class ForumLink(BaseModel):
    name: str
    url: str


class MyCard(BaseModel):
    collection_id: int
    chain_id: int
    contract: str
    symbol: str
    token_id: int
    resident_number: int
    tier: int
    issued_at: int
    expires_at: int = Field(description="Unix seconds; 0 = never expires")
    soulbound: bool
    locked: bool
    status: str = Field(description="active | revoked | opted_out | reissued | burned | orphaned")
    valid_now: bool
    invalid_reason: str | None = Field(description="Why not valid now (e.g. 'expired'); null when valid")
    image: str | None = Field(description="Card image URI (ipfs://...) when metadata has been rendered")
    metadata_url: str
    collection_name_ja: str = ""
    collection_name_en: str = ""
    municipality_name_ja: str = ""
    municipality_name_en: str = ""
    forums: list[ForumLink] = Field(default=[], description="Community forums open to this collection's holders")


@router.get("/me", response_model=MeOut, tags=["holder"], summary="The signed-in holder")
def read_me(holder: CurrentHolder) -> MeOut:
    """The wallet address of this session."""
    return MeOut(address=holder.address, session_expires_at=holder.session.expires_at)


@router.get("/me/cards", response_model=list[MyCard], tags=["holder"], summary="My resident cards")
def read_my_cards(holder: CurrentHolder, db: SessionDep, settings: SettingsDep, request: Request) -> list[MyCard]:
    """Every card the signed-in wallet holds (from the index), with whether it is valid now and why not."""
    now = time.time()
    resolve_image = getattr(request.app.state, "card_image", None)  # set by the metadata package when present
    base = settings.public_url.rstrip("/")
    cards = cards_of_owner(db, holder.address)
    names = _collection_names(db, {card.collection_id for card in cards})
    return [_my_card(card, now, base, resolve_image).model_copy(update=names[card.collection_id]) for card in cards]


def _collection_names(db, collection_ids: set[int]) -> dict[int, dict]:
    """Each collection's and its municipality's names, and its forums: what the holder page shows."""
    if not collection_ids:
        return {}
    names = {collection.id: dict(collection_name_ja=collection.name_ja, collection_name_en=collection.name_en,
                                 municipality_name_ja=municipality.name_ja, municipality_name_en=municipality.name_en,
                                 forums=[])
             for collection, municipality in db.execute(
                 select(Collection, Municipality).join(Municipality, Collection.municipality_id == Municipality.id)
                 .where(Collection.id.in_(collection_ids)))}
    for forum in db.scalars(select(Forum).where(Forum.collection_id.in_(collection_ids)).order_by(Forum.id)):
        names[forum.collection_id]["forums"].append(ForumLink(name=forum.name, url=forum.url))
    return names


def _my_card(card: CardView, now: float, base: str, resolve_image) -> MyCard:
    image = None
    if resolve_image is not None:
        try:
            image = resolve_image(card)
        except Exception:  # noqa: BLE001 - an image that cannot be found must not hide the card
            image = None
    return MyCard(collection_id=card.collection_id, chain_id=card.chain_id, contract=card.contract,
                  symbol=card.symbol, token_id=card.token_id, resident_number=card.resident_number, tier=card.tier,
                  issued_at=card.issued_at, expires_at=card.expires_at, soulbound=card.soulbound, locked=card.locked,
                  status=card.status, valid_now=card.valid_now(now), invalid_reason=card.invalid_reason(now),
                  image=image, metadata_url=f"{base}/metadata/{quote(card.symbol)}/{card.token_id}")


# --- staff ------------------------------------------------------------------------------------------------
class StaffLoginIn(BaseModel):
    login: str = Field(max_length=254, description="Username or email")
    password: str = Field(max_length=1024)


class RoleOut(BaseModel):
    municipality_id: int
    role: str


class StaffOut(BaseModel):
    id: int
    username: str
    display_name: str
    superuser: bool
    roles: list[RoleOut]


class StaffSessionOut(SessionOut):
    staff: StaffOut


def _staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(id=member.id, username=member.username, display_name=member.display_name,
                    superuser=member.superuser,
                    roles=[RoleOut(municipality_id=m, role=r) for m, r in sorted(member.roles.items())])


@router.post("/staff/login", response_model=StaffSessionOut, tags=["staff auth"], summary="Staff sign-in")
def staff_login(body: StaffLoginIn, response: Response, db: SessionDep, settings: SettingsDep) -> StaffSessionOut:
    """Username (or email) and password; opens a staff session (its own cookie, separate from holders)."""
    write_transaction(db)
    try:
        account = staff.authenticate(db, body.login, body.password)
    except BadCredentials:
        db.commit()  # keep the failure count
        raise
    token, expires_at = create_session(db, "staff", account.id)
    db.commit()
    set_session_cookie(response, "staff", token, expires_at, settings.public_url)
    member = staff.member(db, account.id)
    return StaffSessionOut(token=token, expires_at=expires_at, staff=_staff_out(member))


@router.post("/staff/logout", response_model=SignedOut, tags=["staff auth"], summary="Staff sign-out")
def staff_logout(request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> SignedOut:
    """End the staff session of this cookie or bearer token."""
    ended = end_session(db, "staff", token_from_request(request, "staff"))
    db.commit()
    clear_session_cookie(response, "staff", settings.public_url)
    return SignedOut(signed_out=ended)


@router.get("/staff/me", response_model=StaffOut, tags=["staff auth"], summary="The signed-in staff member")
def read_staff_me(member: CurrentStaff) -> StaffOut:
    """Who is signed in, and their role in each municipality."""
    return _staff_out(member)


class BotKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="e.g. 'Discord #residents bot'")


class BotKeyOut(BaseModel):
    id: int
    name: str
    key: str = Field(description="Shown once: only its SHA-256 digest is stored")


@router.post("/staff/municipalities/{municipality_id}/bot-keys", response_model=BotKeyOut, tags=["staff auth"],
             summary="Create a bot API key")
def create_bot_key(municipality_id: int, body: BotKeyIn, db: SessionDep,
                   _: Annotated[StaffMember, Depends(require_staff("admin"))]) -> BotKeyOut:
    """A key for a Discord/Telegram bot to call GET /bot/check on this municipality's collections (admin)."""
    write_transaction(db)
    row, key = bots.create_bot_key(db, municipality_id, body.name)
    db.commit()
    return BotKeyOut(id=row.id, name=row.name, key=key)


@router.delete("/staff/municipalities/{municipality_id}/bot-keys/{key_id}", response_model=SignedOut,
               tags=["staff auth"], summary="Revoke a bot API key")
def revoke_bot_key(municipality_id: int, key_id: int, db: SessionDep,
                   _: Annotated[StaffMember, Depends(require_staff("admin"))]) -> SignedOut:
    """The key stops working at once (admin)."""
    write_transaction(db)
    bots.revoke_bot_key(db, municipality_id, key_id)
    db.commit()
    return SignedOut(signed_out=True)


class ForumIn(BaseModel):
    collection_id: int
    url: str = Field(max_length=500, description="The forum's base URL, e.g. https://forum.city.example.jp")
    name: str = Field(default="", max_length=200)
    group_prefix: str | None = Field(default=None, description="Discourse group prefix; default: the symbol")
    max_tier: int = Field(default=1, ge=0, le=127)


class ForumOut(BaseModel):
    id: int
    collection_id: int
    url: str
    name: str
    group_prefix: str
    max_tier: int
    sso_url: str = Field(description="Set Discourse's discourse_connect_url to this")


def _forum_out(forum: Forum, settings) -> ForumOut:
    return ForumOut(id=forum.id, collection_id=forum.collection_id, url=forum.url, name=forum.name,
                    group_prefix=forum.group_prefix, max_tier=forum.max_tier,
                    sso_url=f"{settings.public_url.rstrip('/')}/forum/sso")


@router.post("/staff/municipalities/{municipality_id}/forums", response_model=ForumOut, tags=["staff auth"],
             summary="Register a Discourse forum")
def create_forum(municipality_id: int, body: ForumIn, db: SessionDep, settings: SettingsDep,
                 _: Annotated[StaffMember, Depends(require_staff("admin"))]) -> ForumOut:
    """Let holders of a valid card of `collection_id` into the Discourse forum at `url` (admin)."""
    write_transaction(db)
    collection = db.get(Collection, body.collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise NotFound(f"No collection {body.collection_id} in municipality {municipality_id}.",
                       f"（自治体 {municipality_id} にコレクション {body.collection_id} はありません）")
    try:
        forum = register_forum(db, body.collection_id, body.url, name=body.name, group_prefix=body.group_prefix,
                               max_tier=body.max_tier)
    except ValueError as exc:
        raise ApiError(422, "invalid_forum", f"The forum is not valid: {exc}.", f"フォーラムの設定が正しくありません: {exc}")
    db.commit()
    return _forum_out(forum, settings)


# --- forum SSO and bots -------------------------------------------------------------------------------------
@router.get("/forum/sso", tags=["forum"], summary="DiscourseConnect provider endpoint",
            responses={302: {"description": "Back to the forum with sso and sig (or to the sign-in page)"}})
def forum_sso(request: Request, db: SessionDep, settings: SettingsDep, holder: OptionalHolder,
              sso: Annotated[str, Query(max_length=4096)] = "", sig: Annotated[str, Query(max_length=128)] = ""):
    """Discourse sends holders here. Signed-in holders with a valid card go back logged in (groups by tier);
    others are sent to sign in (browsers) or get 401/403 JSON (API clients)."""
    sso_request = parse_request(sso, sig, settings.discourse_sso_secret)
    if holder is None:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(sign_in_redirect(sso, sig), status_code=302)
        raise NotSignedIn()
    target = login_redirect(db, sso_request, holder.address, settings, time.time())
    return RedirectResponse(target, status_code=302)


class BotCheckOut(BaseModel):
    collection_id: int
    symbol: str
    address: str
    holder: bool = Field(description="Holds at least one valid card now")
    tier: int | None = Field(description="Highest tier among the valid cards")
    valid_cards: int
    indexed_block: int | None
    index_staleness_seconds: float | None = Field(description="Seconds since the index last caught up")


@router.get("/bot/check", response_model=BotCheckOut, tags=["forum"], summary="Does this wallet hold a valid card?")
def bot_check(db: SessionDep, settings: SettingsDep,
              collection: Annotated[str, Query(max_length=64, description="Contract address or symbol")],
              address: Annotated[str, Query(max_length=64)],
              x_bot_key: Annotated[str | None, Header(description="The bot's API key")] = None,
              authorization: Annotated[str | None, Header()] = None) -> BotCheckOut:
    """For Discord/Telegram bots: whether `address` holds a valid card of `collection`, and its tier. Answered
    from the index, which says how current it is. Needs a bot key (X-Bot-Key or Authorization: Bearer)."""
    key_text = x_bot_key
    if not key_text and authorization and authorization.lower().startswith("bearer "):
        key_text = authorization[7:].strip()
    key = bots.authenticate_bot(db, key_text)
    result = bots.check_holder(db, key, settings.chain_id, collection, address, time.time())
    state = index_state(db, settings.chain_id)
    db.commit()  # the key's last use
    staleness = state.staleness()
    return BotCheckOut(collection_id=result.collection_id, symbol=result.symbol, address=result.address,
                       holder=result.holder, tier=result.tier, valid_cards=result.valid_cards,
                       indexed_block=state.indexed_block,
                       index_staleness_seconds=round(staleness, 3) if staleness is not None else None)


def include(app: FastAPI) -> None:
    app.include_router(router)
