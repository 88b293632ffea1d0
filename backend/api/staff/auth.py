"""Staff sign-in and sign-out, and bot API keys (Discourse forums: forums.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backend.api.deps import Admin, LoginGateDep, SessionDep, SettingsDep, SignedInStaff
from backend.api.schemas import SessionOut, SignedOut
from backend.auth import bots, totp
from backend.auth import staff as staff_accounts
from backend.auth.sessions import (
    clear_session_cookie, create_session, end_session, set_session_cookie, token_from_request,
)
from backend.auth.staff import StaffMember
from backend.db.session import write_transaction

router = APIRouter(prefix="/staff", tags=["staff"])


class StaffLoginIn(BaseModel):
    login: str = Field(max_length=254, description="Username or email")
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=16,
                                  description="The authenticator app's code, for an account with two-step sign-in")


class RoleOut(BaseModel):
    municipality_id: int
    role: str


class StaffOut(BaseModel):
    id: int
    username: str
    display_name: str
    superuser: bool
    roles: list[RoleOut]
    must_change_password: bool = Field(description="Signed in with a one-time password: set a new one first")
    totp_enabled: bool


class StaffSessionOut(SessionOut):
    staff: StaffOut


def _staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(id=member.id, username=member.username, display_name=member.display_name,
                    superuser=member.superuser,
                    roles=[RoleOut(municipality_id=m, role=r) for m, r in sorted(member.roles.items())],
                    must_change_password=member.must_change_password, totp_enabled=member.totp_enabled)


@router.post("/login", response_model=StaffSessionOut, summary="Staff sign-in")
def sign_in_staff(body: StaffLoginIn, response: Response, db: SessionDep, settings: SettingsDep,
                  gate: LoginGateDep) -> StaffSessionOut:
    """Username (or email) and password; opens a staff session (its own cookie, separate from holders).

    Failed sign-ins are slowed per login name and client address: 429 `login_throttled` with Retry-After."""
    with gate.attempt("staff", body.login):  # a throttled request does not touch the database
        write_transaction(db)
        account = staff_accounts.authenticate(db, body.login, body.password)
        # a wrong or missing code is a wrong sign-in like a wrong password: the same answer, counted the same
        totp.check_sign_in(settings.sealing_key, account, body.totp_code)
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
def read_staff_me(member: SignedInStaff) -> StaffOut:
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
