"""Community forums and bots: the DiscourseConnect provider endpoint and the bot check."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from backend.api.deps import OptionalHolder, SessionDep, SettingsDep
from backend.auth import bots
from backend.auth.errors import NotSignedIn
from backend.cards import index_state
from backend.forum import login_redirect, open_request, sign_in_redirect

router = APIRouter(tags=["forum"])


@router.get("/forum/sso", response_class=RedirectResponse, status_code=302, summary="DiscourseConnect provider endpoint",
            responses={302: {"description": "Back to the forum with sso and sig (or to the holder page to sign in)"}})
def sign_in_to_forum(request: Request, db: SessionDep, settings: SettingsDep, holder: OptionalHolder,
              sso: Annotated[str, Query(max_length=4096)] = "", sig: Annotated[str, Query(max_length=128)] = ""
              ) -> RedirectResponse:
    """Discourse sends holders here, signed with the forum's own secret. Signed-in holders with a valid card go
    back logged in (groups by tier); others are sent to sign in (browsers) or get 401/403 JSON (API clients)."""
    opened = open_request(db, sso, sig, settings.sealing_key)
    if holder is None:
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(sign_in_redirect(sso, sig), status_code=302)
        raise NotSignedIn()
    target = login_redirect(db, opened, holder.address, settings.public_url, time.time())
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


@router.get("/bot/check", response_model=BotCheckOut, summary="Does this wallet hold a valid card?")
def check_bot_holder(db: SessionDep, settings: SettingsDep,
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
