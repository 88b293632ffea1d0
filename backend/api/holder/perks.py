"""The holder's perks (usable now, or why not) and passes for the venue desk."""

from __future__ import annotations

import time

from eth_utils import is_hex_address, to_checksum_address
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.api.deps import CurrentHolder, DeskCodesDep, PassSignerDep, SessionDep, SettingsDep
from backend.api.schemas import PerkOut, perk_out
from backend.cards import card_by_token, cards_of_owner
from backend.db.models_chain import Collection
from backend.db.models_perks import Perk, Venue
from backend.errors import Refusal
from backend.messages.entry import CONFLICT
from backend.perks.rules import VENUE_KINDS, evaluate
from backend.perks.store import card_state, perks_for_cards, terms_of, uses_in_period
from backend.venues.desk_codes import shown
from backend.web.qr import qr_svg

router = APIRouter(tags=["holder"])


class MyPerk(BaseModel):
    perk: PerkOut
    collection_id: int
    token_id: int
    resident_number: int
    usable_now: bool
    reason_code: str
    message_ja: str
    message_en: str
    needs_pass: bool = Field(description="True for perks used at a venue desk (show a pass); False for online ones")


@router.get("/me/perks", response_model=list[MyPerk], summary="My perks: usable now, or why not")
def read_my_perks(holder: CurrentHolder, session: SessionDep) -> list[MyPerk]:
    """Every perk of every card the signed-in wallet holds, with whether it can be used now and why not."""
    now = time.time()
    entries = perks_for_cards(session, cards_of_owner(session, holder.address), now)
    venue_ids = {v for e in entries for v in e.venue_ids}
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(venue_ids)))} if venue_ids else {}
    return [MyPerk(perk=perk_out(e.perk, [venues[v] for v in e.venue_ids]), collection_id=e.card.collection_id,
                   token_id=e.card.token_id, resident_number=e.card.resident_number, usable_now=e.verdict.ok,
                   reason_code=e.verdict.reason_code, message_ja=e.verdict.message_ja,
                   message_en=e.verdict.message_en, needs_pass=e.perk.kind in VENUE_KINDS) for e in entries]


class PassRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection: int | str = Field(description="The collection's id, or its contract address")
    token_id: int = Field(ge=0, lt=2**63)


class PassOut(BaseModel):
    pass_: str = Field(alias="pass", description="Show this text as a QR code at the venue desk")
    expires_at: int
    perk_id: int
    collection_id: int
    token_id: int
    resident_number: int
    valid_for: int = Field(description="Seconds until it expires, by the server's clock (count down from this: "
                                       "a phone's clock may be off)")
    qr_svg: str = Field(description="The pass as a QR code: a standalone SVG document (black on white)")
    desk_code: str = Field(description="The same pass as six characters a desk can type (shown as 'ABC-DEF'), "
                                       "single-use and expiring with it")


def _collection_id(session, settings_chain_id: int, collection: int | str) -> int:
    if isinstance(collection, int) or (isinstance(collection, str) and collection.isdigit()):
        found = session.get(Collection, int(collection))
    elif is_hex_address(collection):
        found = session.scalar(select(Collection).where(Collection.chain_id == settings_chain_id,
                                                        Collection.address == to_checksum_address(collection)))
    else:
        raise Refusal("collection_invalid")
    if found is None:
        raise Refusal("collection_not_found", collection_id=str(collection)[:60])
    return found.id


@router.post("/me/perks/{perk_id}/pass", response_model=PassOut, response_model_by_alias=True,
             summary="Get a pass (QR payload) to use a perk at a venue")
def create_pass(perk_id: int, body: PassRequest, holder: CurrentHolder, session: SessionDep,
                settings: SettingsDep, signer: PassSignerDep, desk_codes: DeskCodesDep) -> PassOut:
    """A short-lived, single-use signed pass for one card and one perk, if the card may use the perk now.

    Refused with 403 if the wallet does not hold the card, 404 for an unknown perk or card, and 409 with the
    reason (in Japanese and English) when the perk cannot be used now.
    """
    collection_id = _collection_id(session, settings.chain_id, body.collection)
    perk = session.get(Perk, perk_id)
    if perk is None or perk.collection_id != collection_id:
        raise Refusal("perk_not_found", detail="not_for_this_card", perk_id=perk_id)
    card = card_by_token(session, collection_id, body.token_id)
    if card is None:
        raise Refusal("card_not_found", detail="card_in_collection", collection_id=collection_id,
                      token_id=body.token_id)
    if card.owner != to_checksum_address(holder.address):
        raise Refusal("not_your_card")
    if perk.kind not in VENUE_KINDS:
        raise Refusal("perk_used_online")
    now = time.time()
    verdict = evaluate(terms_of(perk), card_state(card), now, uses_in_period(session, card.id, perk, now))
    if not verdict.ok:
        raise Refusal.again({"code": verdict.reason_code, "message_en": verdict.message_en,
                             "message_ja": verdict.message_ja}, as_kind=CONFLICT)
    text, issued = signer.issue(contract=card.contract, token_id=card.token_id, owner=card.owner, perk_id=perk.id,
                                now=now)
    return PassOut.model_validate({"pass": text, "expires_at": issued.expires_at, "perk_id": perk.id,
                                   "collection_id": collection_id, "token_id": card.token_id,
                                   "resident_number": card.resident_number,
                                   "valid_for": max(0, issued.expires_at - int(now)), "qr_svg": qr_svg(text),
                                   "desk_code": shown(desk_codes.make(text, issued.expires_at, now))})
