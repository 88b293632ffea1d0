"""Venue desk API: sign in with a venue account, verify-and-redeem a pass, today's redemptions.

A refused redemption is NOT an HTTP error: a well-formed scan always gets
200 with `ok: false`, a stable `reason_code` and the reason in Japanese and
English, because the desk's screen shows OK/NO either way. HTTP errors are
kept for requests that are themselves wrong: 401 without a venue session,
422 for a missing or malformed body, 413 for an oversized one.
"""

from __future__ import annotations

import re
import time
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser

from backend.api.deps import (
    CurrentVenue, DeskCodesDep, LoginGateDep, RedeemerDep, SessionDep, SettingsDep, venue_sign_in_required as _sign_in_required,
)
from backend.api.handlers import status_of
from backend.auth.sessions import (
    COOKIE_NAMES, MAX_TOKEN_CHARS, clear_session_cookie, create_session, end_session, set_session_cookie,
    token_from_request,
)
from backend.auth.secrets import token_digest
from backend.db.models_perks import Venue
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.messages import texts
from backend.perks.rules import japan_date, japan_time
from backend.venues.accounts import authenticate
from backend.venues.desk_codes import DeskCodeThrottled
from backend.venues.desk_codes import normalized as normalized_code
from backend.venues.redeem import NoVenueSession, RedeemResult, against_head, refusal
from backend.venues.service import redemptions_of_day

router = APIRouter(prefix="/venue", tags=["venue"])


class VenueLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class VenueSignedIn(BaseModel):
    token: str
    expires_at: int
    venue_id: int
    venue_name_ja: str
    venue_name_en: str


class RedeemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    pass_: str = Field(alias="pass", min_length=1, max_length=1000, description="The QR code's text (rp1.…)")


class PerkSummary(BaseModel):
    id: int
    name_ja: str
    name_en: str
    kind: str


class CardSummary(BaseModel):
    token_id: int
    resident_number: int
    tier: int


class IndexFreshness(BaseModel):
    as_of: int | None = Field(description="Wall time (unix) when the index last caught up with the chain")
    lag_seconds: float | None
    indexed_block: int | None
    head_block: int | None = Field(None, description="The chain's head read for this check (null: unreadable)")
    stale: bool = Field(description="True when the index is behind that head, the head is unknown, or the index "
                                    "has not caught up for a while")


class RedeemAnswer(BaseModel):
    ok: bool
    reason_code: str = Field(description="'ok' or why not: pass_used, pass_expired, pass_forged, wrong_venue, "
                                         "card_transferred, card_revoked, card_expired, limit_day, ...")
    message_ja: str
    message_en: str
    perk: PerkSummary | None
    card: CardSummary | None
    redeemed_at: int | None
    index: IndexFreshness | dict


@router.post("/login", response_model=VenueSignedIn, summary="Sign in with a venue account")
def login_venue(body: VenueLogin, response: Response, session: SessionDep, settings: SettingsDep,
                gate: LoginGateDep) -> VenueSignedIn:
    """Checks the venue account's password; answers a bearer token and sets the venue cookie.

    Failed sign-ins are slowed per login and client address: 429 `login_throttled` with Retry-After."""
    with gate.attempt("venue", body.login):  # a throttled request does not touch the database
        write_transaction(session)
        account = authenticate(session, body.login, body.password)
        if account is None:
            raise Refusal("bad_credentials")
    token, expires_at = create_session(session, "venue", account.id)
    venue = session.get(Venue, account.venue_id)
    session.commit()
    set_session_cookie(response, "venue", token, expires_at, settings.public_url)
    return VenueSignedIn(token=token, expires_at=expires_at, venue_id=venue.id, venue_name_ja=venue.name_ja,
                         venue_name_en=venue.name_en)


@router.post("/logout", status_code=204, response_class=Response, summary="Sign the venue account out")
def logout_venue(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Ends this venue session (bearer token or cookie)."""
    write_transaction(session)
    end_session(session, "venue", token_from_request(request, "venue"))
    session.commit()
    response = Response(status_code=204)
    clear_session_cookie(response, "venue", settings.public_url)
    return response


MAX_REDEEM_BODY = 4096  # a pass is ~140 characters; anything this big is not a scan


def _error_json(error: Refusal) -> bytes:
    """The project's error body (as backend/app.py's handlers write it)."""
    return orjson.dumps({"detail": error.message_en, "code": error.code, "message_en": error.message_en,
                         "message_ja": error.message_ja})


def _redeem_body(raw: bytes) -> str:
    """The pass from the request body {"pass": "..."}; 422 for anything else (parsed by hand: hot path)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Refusal("invalid_request", problems=texts("body_not_json")) from None
    text = data.get("pass") if isinstance(data, dict) else None
    if not isinstance(text, str) or not 1 <= len(text) <= 1000 or len(data) != 1:
        raise Refusal("invalid_request", problems=texts("pass_body_expected"))
    return text


async def redeem_answer(redeemer, desk_codes, raw: bytes, token: str | None, client: str | None = None
                        ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """(HTTP status, JSON body, extra headers) of a scan: 200 with ok true/false, 401 without a venue session,
    422 for a body that is not {"pass": "..."}, 429 after too many unknown desk codes. Shared by the route and
    the fast path below."""
    try:
        text = _redeem_body(raw)
    except Refusal as exc:
        return status_of(exc), _error_json(exc), []
    code = normalized_code(text)
    if code is not None:  # typed at the desk: the pass it stands for, then as if scanned
        if not token or len(token) > MAX_TOKEN_CHARS or not redeemer.has_venue_session(token_digest(token)):
            return 401, _error_json(_sign_in_required()), []
        try:
            text = await run_in_threadpool(desk_codes.pass_of, code, token_digest(token), client)
        except DeskCodeThrottled as exc:
            refused = Refusal("desk_code_throttled", retry_after=exc.retry_after)
            return status_of(refused), _error_json(refused), [(b"retry-after", str(exc.retry_after).encode())]
        if text is None:
            return 200, orjson.dumps(RedeemResult(refusal("desk_code_unknown")).as_dict()), []
    # Started now, so it began after the scan arrived; it runs while the database work below does.
    head = redeemer.head.ask() if redeemer.head is not None else None
    try:
        if redeemer.chain_reader is None:
            # A scan is three statements on a local database (a few hundred microseconds, measured with
            # bench/venue.py): inline is cheaper than a thread hop (about 2x the throughput on PostgreSQL).
            # With a distant database, run more uvicorn workers.
            result = redeemer.redeem_for_token(text, token, client=client)
        else:  # the per-request-RPC variant waits on the chain node: keep the event loop free
            result = await run_in_threadpool(redeemer.redeem_for_token, text, token, None, client)
    except NoVenueSession:
        return 401, _error_json(_sign_in_required()), []
    if head is not None:
        result.index = against_head(result.index, await head)
    return 200, orjson.dumps(result.as_dict()), []


@router.post("/redeem", response_model=RedeemAnswer, summary="Verify and redeem a pass (one atomic operation)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": RedeemRequest.model_json_schema()}}},
                 "security": [{"venue bearer token or cookie": []}]})
async def redeem_pass(request: Request, redeemer: RedeemerDep, desk_codes: DeskCodesDep) -> Response:
    """Verifies the pass and redeems it for this venue, or says why not (200 with ok=false).

    Needs a venue session (`Authorization: Bearer <token>` from POST /venue/login, or its cookie); 401
    without one. Checked at this moment from the index: the pass is genuine, unexpired and unused; this
    venue may redeem the perk; the card is still held by the wallet the pass was made for, active and
    unexpired; the perk's requirements and period limit hold. `index` tells how current the index is (it
    keeps answering while the chain's RPC node is down).

    Served by `RedeemFastPath` (below) ahead of the framework's routing; this route documents it and
    answers identically if the fast path is not installed.
    """
    raw = await request.body()
    if len(raw) > MAX_REDEEM_BODY:
        return Response(_error_json(_too_large()), status_code=413, media_type="application/json")
    status, body, headers = await redeem_answer(redeemer, desk_codes, raw, token_from_request(request, "venue"),
                                                request.client.host if request.client else None)
    return Response(body, status_code=status, media_type="application/json",
                    headers={name.decode(): value.decode() for name, value in headers})


def _too_large() -> Refusal:
    return Refusal("body_too_large", detail="body_limit", limit=MAX_REDEEM_BODY)


_JSON_HEADERS = [(b"content-type", b"application/json")]


_VENUE_COOKIE = COOKIE_NAMES["venue"]


class RedeemFastPath:
    """ASGI middleware that answers POST /venue/redeem before the framework's routing and dependencies.

    Why: a scan is a few hundred microseconds of database work, and Starlette's per-request machinery
    (route matching over every route, Request objects, exception middleware) cost as much again; the
    desk's phone and the bench's target (1,000 scans/s on two cores) want it gone. Behaviour is the
    route's (`redeem_answer`): same answers, same error bodies, same token sources (bearer header, then
    the venue cookie). Unexpected exceptions propagate to the app's 500 handler like any route's.
    """

    def __init__(self, app, services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != "/venue/redeem" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        token = cookie = length = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, rest = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and rest.strip():
                    token = rest.strip()
            elif name == b"cookie":
                cookie = value
            elif name == b"content-length":
                length = value
        if token is None and cookie is not None:
            token = cookie_parser(cookie.decode("latin-1")).get(_VENUE_COOKIE)
        if length is not None and (not length.isdigit() or int(length) > MAX_REDEEM_BODY):
            return await self._send(send, 413, _error_json(_too_large()))
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > MAX_REDEEM_BODY:
                return await self._send(send, 413, _error_json(_too_large()))
            if not message.get("more_body", False):
                break
        client = scope.get("client")
        status, payload, headers = await redeem_answer(self.services.redeemer, self.services.desk_codes, body, token,
                                                       client[0] if client else None)
        await self._send(send, status, payload, headers)

    @staticmethod
    async def _send(send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]] = ()) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [*_JSON_HEADERS, *headers, (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


class RedemptionRow(BaseModel):
    redeemed_at: int
    time_jst: str
    perk_id: int
    perk_name_ja: str
    perk_name_en: str
    resident_number: int
    token_id: int
    tier: int


class RedemptionsOfDay(BaseModel):
    day: str
    venue_id: int
    count: int
    redemptions: list[RedemptionRow]


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@router.get("/redemptions", response_model=RedemptionsOfDay, summary="This venue's redemptions of a day")
def read_redemptions(venue: CurrentVenue, session: SessionDep,
                     day: Annotated[str | None, Query(description="YYYY-MM-DD in Japan; default today")] = None
                     ) -> RedemptionsOfDay:
    """The redemptions at this venue on `day` (Japan time), newest first."""
    day = day or japan_date(time.time())
    if not DAY.match(day):
        raise Refusal("day_invalid")
    items = [RedemptionRow(**row._mapping, time_jst=japan_time(row.redeemed_at)[11:])
             for row in redemptions_of_day(session, venue.venue_id, day)]
    return RedemptionsOfDay(day=day, venue_id=venue.venue_id, count=len(items), redemptions=items)
