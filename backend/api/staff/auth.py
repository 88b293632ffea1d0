"""Staff sign-in and sign-out, and what an admin sets up for the community: bot API keys, Discourse forums."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backend.api.deps import Admin, CurrentStaff, LoginGateDep, SessionDep, SettingsDep
from backend.api.schemas import SessionOut, SignedOut
from backend.auth import bots
from backend.auth import staff as staff_accounts
from backend.auth.errors import NotFound
from backend.auth.sessions import (
    clear_session_cookie, create_session, end_session, set_session_cookie, token_from_request,
)
from backend.auth.staff import StaffMember
from backend.db.models_access import Forum
from backend.db.models_chain import Collection
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.forum import register_forum

router = APIRouter(prefix="/staff", tags=["staff"])


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


@router.post("/login", response_model=StaffSessionOut, summary="Staff sign-in")
def sign_in_staff(body: StaffLoginIn, response: Response, db: SessionDep, settings: SettingsDep,
                  gate: LoginGateDep) -> StaffSessionOut:
    """Username (or email) and password; opens a staff session (its own cookie, separate from holders).

    Failed sign-ins are slowed per login name and client address: 429 `login_throttled` with Retry-After."""
    with gate.attempt("staff", body.login):  # a throttled request does not touch the database
        write_transaction(db)
        account = staff_accounts.authenticate(db, body.login, body.password)
    token, expires_at = create_session(db, "staff", account.id)
    db.commit()
    set_session_cookie(response, "staff", token, expires_at, settings.public_url)
    member = staff_accounts.member(db, account.id)
    return StaffSessionOut(token=token, expires_at=expires_at, staff=_staff_out(member))


@router.post("/logout", response_model=SignedOut, summary="Staff sign-out")
def sign_out_staff(request: Request, response: Response, db: SessionDep, settings: SettingsDep) -> SignedOut:
    """End the staff session of this cookie or bearer token."""
    ended = end_session(db, "staff", token_from_request(request, "staff"))
    db.commit()
    clear_session_cookie(response, "staff", settings.public_url)
    return SignedOut(signed_out=ended)


@router.get("/me", response_model=StaffOut, summary="The signed-in staff member")
def read_staff_me(member: CurrentStaff) -> StaffOut:
    """Who is signed in, and their role in each municipality."""
    return _staff_out(member)


class BotKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="e.g. 'Discord #residents bot'")


class BotKeyOut(BaseModel):
    id: int
    name: str
    key: str = Field(description="Shown once: only its SHA-256 digest is stored")


@router.post("/municipalities/{municipality_id}/bot-keys", response_model=BotKeyOut,
             summary="Create a bot API key")
def create_bot_key(municipality_id: int, body: BotKeyIn, db: SessionDep,
                   _: Admin) -> BotKeyOut:
    """A key for a Discord/Telegram bot to call GET /bot/check on this municipality's collections (admin)."""
    write_transaction(db)
    row, key = bots.create_bot_key(db, municipality_id, body.name)
    db.commit()
    return BotKeyOut(id=row.id, name=row.name, key=key)


@router.delete("/municipalities/{municipality_id}/bot-keys/{key_id}", response_model=SignedOut,
               summary="Revoke a bot API key")
def revoke_bot_key(municipality_id: int, key_id: int, db: SessionDep,
                   _: Admin) -> SignedOut:
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


@router.post("/municipalities/{municipality_id}/forums", response_model=ForumOut,
             summary="Register a Discourse forum")
def create_forum(municipality_id: int, body: ForumIn, db: SessionDep, settings: SettingsDep,
                 _: Admin) -> ForumOut:
    """Let holders of a valid card of `collection_id` into the Discourse forum at `url` (admin)."""
    write_transaction(db)
    collection = db.get(Collection, body.collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise NotFound("collection_in_municipality", collection_id=body.collection_id,
                       municipality_id=municipality_id)
    try:
        forum = register_forum(db, body.collection_id, body.url, name=body.name, group_prefix=body.group_prefix,
                               max_tier=body.max_tier)
    except ValueError as exc:
        raise Refusal("invalid_forum", reason=str(exc)) from None
    db.commit()
    return _forum_out(forum, settings)
