"""Holders in the console: search the municipality's cards, a card's page with its history, revoke and
re-issue (viewers read; staff and admins act). The transaction is sent after the answer: the page follows
it at GET .../card-actions/{id} (queued → sent → mined → indexed, or failed with what to do)."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import Editor, IssuerDep, SessionDep, SessionsDep, SettingsDep, Viewer
from backend.db.session import write_transaction
from backend.staff import card_actions, holders

router = APIRouter(prefix="/staff", tags=["staff"])


class CardOut(BaseModel):
    card_id: int = Field(description="The card's id in this backend (the path's {card_id})")
    collection_id: int
    symbol: str
    token_id: int = Field(description="The card's token id on chain (its card number)")
    resident_number: int
    owner: str = Field(description="Its wallet now, or the last one of a card no longer in use")
    tier: int
    status: str = Field(description="active | revoked | opted_out | reissued | burned | orphaned")
    issued_at: int
    expires_at: int | None
    locked: bool
    replaced_by: int | None = Field(description="After a re-issue: the new card's token id")


class CardPage(BaseModel):
    items: list[CardOut]
    total: int
    page: int
    per_page: int


class ActionOut(BaseModel):
    id: int
    card_id: int
    kind: Literal["revoke", "reissue"]
    reason: str
    new_owner: str | None
    staff_id: int | None
    staff_name: str
    status: str = Field(description="queued | sent | mined | failed (as stored)")
    step: str = Field(description="queued | sent | mined | indexed | failed (indexed: the card's page shows it)")
    tx_hash: str | None
    block_number: int | None
    new_token_id: int | None
    new_card_id: int | None = Field(description="After an indexed re-issue: the new card's {card_id}")
    requested_at: int
    updated_at: int
    error_code: str | None
    message_ja: str | None = Field(description="A failure in plain words, with what to do")
    message_en: str | None


class CardDetail(BaseModel):
    card: CardOut
    history: list[dict] = Field(description="Newest first: {at, date (Japan), kind, ...}; kind is issued, "
                                "reissued_from, transfer, tier, expiry, locked, unlocked, reissued, revoked, "
                                "opted_out, checkin, redemption, notice or action")
    action: ActionOut | None = Field(description="The card's latest revoke or re-issue")


@router.get("/municipalities/{municipality_id}/cards", response_model=CardPage,
            summary="Search the municipality's cards by resident number, card number or wallet")
def search_cards(municipality_id: int, staff: Viewer, session: SessionDep,
                 q: str = Query("", max_length=64, description="A resident number, a card number, a wallet "
                                "address, or nothing for every card"),
                 status: Literal["active", "inactive"] | None = None,
                 page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=100)) -> CardPage:
    """Newest first; a number matches both card numbers and resident numbers (a re-issued card keeps its
    resident number, so a number can find the old card and its replacement)."""
    found = holders.search(session, municipality_id, q, status=status, page=page, per_page=per_page)
    return CardPage(items=found.items, total=found.total, page=found.page, per_page=found.per_page)


def _detail(session, municipality_id: int, card_id: int) -> CardDetail:
    card, collection = holders.card_of(session, municipality_id, card_id)
    latest = card_actions.latest_action(session, card.id)
    return CardDetail(card=holders.card_json(card, collection.symbol), history=holders.history(session, card),
                      action=card_actions.progress(session, latest) if latest else None)


@router.get("/municipalities/{municipality_id}/cards/{card_id}", response_model=CardDetail,
            summary="A card with its history (from the index)")
def read_card(municipality_id: int, card_id: int, staff: Viewer, session: SessionDep) -> CardDetail:
    """Issued, transfers, tier and expiry changes, check-ins, redemptions, inactivity notices and staff
    actions, newest first. 404 for a card of another municipality."""
    return _detail(session, municipality_id, card_id)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="Why: kept with who and when")


class ReissueIn(RevokeIn):
    new_owner: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="The holder's new wallet")


@router.post("/municipalities/{municipality_id}/cards/{card_id}/revoke", response_model=ActionOut,
             status_code=202, summary="Revoke a card (sent with the issuer key)")
def revoke_card(municipality_id: int, card_id: int, body: RevokeIn, staff: Editor, session: SessionDep,
                sessions: SessionsDep, settings: SettingsDep, issuer: IssuerDep,
                background: BackgroundTasks) -> ActionOut:
    """Records who, when and why, then sends `revoke(tokenId)` after answering; follow the answer's id."""
    write_transaction(session)
    card, collection = holders.card_of(session, municipality_id, card_id)
    action = card_actions.request_revoke(session, card, collection, reason=body.reason, staff_id=staff.id,
                                         staff_name=staff.username, now=int(time.time()))
    session.commit()
    background.add_task(card_actions.carry_out, sessions, issuer, settings.deployments_dir, action.id)
    return ActionOut(**card_actions.progress(session, action))


@router.post("/municipalities/{municipality_id}/cards/{card_id}/reissue", response_model=ActionOut,
             status_code=202, summary="Re-issue a card to a new wallet (lost wallet: same resident number)")
def reissue_card(municipality_id: int, card_id: int, body: ReissueIn, staff: Editor, session: SessionDep,
                 sessions: SessionsDep, settings: SettingsDep, issuer: IssuerDep,
                 background: BackgroundTasks) -> ActionOut:
    """Records who, when, why and the new wallet, then sends `reissue(oldTokenId, to)` after answering: the
    old card is burnt, a new one with the same resident number, tier and expiry goes to the new wallet."""
    write_transaction(session)
    card, collection = holders.card_of(session, municipality_id, card_id)
    action = card_actions.request_reissue(session, card, collection, new_owner=body.new_owner, reason=body.reason,
                                          staff_id=staff.id, staff_name=staff.username, now=int(time.time()))
    session.commit()
    background.add_task(card_actions.carry_out, sessions, issuer, settings.deployments_dir, action.id)
    return ActionOut(**card_actions.progress(session, action))


@router.get("/municipalities/{municipality_id}/card-actions/{action_id}", response_model=ActionOut,
            summary="A revoke's or re-issue's progress")
def read_action(municipality_id: int, action_id: int, staff: Viewer, session: SessionDep) -> ActionOut:
    """queued → sent → mined → indexed, or failed with `message_ja`/`message_en` saying what to do."""
    return ActionOut(**card_actions.progress(session, card_actions.action_of(session, municipality_id, action_id)))
