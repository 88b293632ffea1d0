"""Staff accounts as the console manages them: an admin invites staff to their municipality (one-time link
or one-time password), lists them with their roles, changes a role, removes or deactivates a member; the
invitee accepts a link; everyone changes their own password and may turn on a TOTP second factor.

Every municipality route is the admin's of `{municipality_id}` (a superuser's anywhere) and acts only on
that municipality's staff: another municipality's member is "not found" here.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import Admin, CurrentStaff, LoginGateDep, SessionDep, SettingsDep, SignedInStaff, StaffSession
from backend.auth import invites, roster, totp
from backend.auth import staff as staff_accounts
from backend.db.models_access import StaffAccount, StaffInvite
from backend.db.models_chain import Municipality
from backend.db.session import write_transaction
from backend.web.qr import qr_svg

router = APIRouter(prefix="/staff", tags=["staff accounts"])
# Guesses made from inside a session: counted with the same name's failed sign-ins.
GUESSES = frozenset({"current_password_wrong", "totp_code_wrong"})

Role = Literal["viewer", "staff", "admin"]
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"  # one line, no control characters (PostgreSQL refuses NUL in text)
EMAIL = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$"


class MemberOut(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    active: bool
    superuser: bool
    totp_enabled: bool
    must_change_password: bool = Field(description="Has not yet replaced the one-time password")
    last_login_at: int | None


def _member_out(account: StaffAccount, role: str) -> MemberOut:
    return MemberOut(id=account.id, username=account.username, display_name=account.display_name,
                     email=account.email, role=role, active=account.active, superuser=account.superuser,
                     totp_enabled=bool(account.totp_enabled), must_change_password=bool(account.must_change_password),
                     last_login_at=account.last_login_at)


def _one(db, municipality_id: int, staff_id: int) -> MemberOut:
    return next(_member_out(a, r) for a, r in roster.staff_of(db, municipality_id) if a.id == staff_id)


@router.get("/municipalities/{municipality_id}/staff", response_model=list[MemberOut],
            summary="The municipality's staff and their roles (admin)")
def list_staff(municipality_id: int, db: SessionDep, _: Admin) -> list[MemberOut]:
    return [_member_out(account, role) for account, role in roster.staff_of(db, municipality_id)]


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


@router.patch("/municipalities/{municipality_id}/staff/{staff_id}", response_model=MemberOut,
              summary="Change a member's role (admin)")
def change_role(municipality_id: int, staff_id: int, body: RoleIn, db: SessionDep, actor: Admin) -> MemberOut:
    """The municipality keeps at least one active admin: its last one cannot be demoted."""
    write_transaction(db)
    roster.change_role(db, actor, municipality_id, staff_id, body.role)
    db.commit()
    return _one(db, municipality_id, staff_id)


class Removed(BaseModel):
    removed: bool


@router.delete("/municipalities/{municipality_id}/staff/{staff_id}", response_model=Removed,
               summary="Remove a member from the municipality (admin)")
def remove_member(municipality_id: int, staff_id: int, db: SessionDep, actor: Admin) -> Removed:
    """Their role here ends at once; their account and roles elsewhere stay."""
    write_transaction(db)
    roster.remove(db, actor, municipality_id, staff_id)
    db.commit()
    return Removed(removed=True)


@router.post("/municipalities/{municipality_id}/staff/{staff_id}/deactivate", response_model=MemberOut,
             summary="Deactivate a member's account (admin)")
def deactivate_member(municipality_id: int, staff_id: int, db: SessionDep, actor: Admin) -> MemberOut:
    """The account can no longer sign in and its open sessions end now."""
    write_transaction(db)
    roster.set_active(db, actor, municipality_id, staff_id, False)
    db.commit()
    return _one(db, municipality_id, staff_id)


@router.post("/municipalities/{municipality_id}/staff/{staff_id}/activate", response_model=MemberOut,
             summary="Reactivate a member's account (admin)")
def activate_member(municipality_id: int, staff_id: int, db: SessionDep, actor: Admin) -> MemberOut:
    write_transaction(db)
    roster.set_active(db, actor, municipality_id, staff_id, True)
    db.commit()
    return _one(db, municipality_id, staff_id)


# --- invitations -------------------------------------------------------------------------------------------
class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    method: Literal["link", "password"] = Field(description="A one-time link, or a new account with a one-time "
                                                            "password")
    username: str | None = Field(default=None, max_length=64, description="An existing account's login name, or "
                                                                          "the new account's (needed for a password)")
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL,
                              description="An existing account's email, or the new account's")
    display_name: str = Field(default="", max_length=200, pattern=PLAIN_TEXT)


class InviteOut(BaseModel):
    kind: Literal["granted", "link", "password"] = Field(description="granted: an existing account got the role")
    role: Role
    staff_id: int | None
    username: str | None
    url: str | None = Field(description="The one-time link (kind link): shown once, only its digest is kept")
    expires_at: int | None
    password: str | None = Field(description="The one-time password (kind password): shown once")


@router.post("/municipalities/{municipality_id}/invites", response_model=InviteOut, status_code=201,
             summary="Invite staff to the municipality (admin)")
def invite_staff(municipality_id: int, body: InviteIn, db: SessionDep, settings: SettingsDep,
                 actor: Admin) -> InviteOut:
    """A one-time link (valid 7 days, used once) or a new account with a one-time password that must be
    replaced at first sign-in; an existing account named by login name or email gets the role at once."""
    write_transaction(db)
    done = invites.invite(db, actor, municipality_id, body.role, body.method, username=body.username,
                          email=body.email, display_name=body.display_name)
    db.commit()
    url = f"{settings.public_url.rstrip('/')}/console/invite#token={done.token}" if done.token else None
    return InviteOut(kind=done.kind, role=done.role, staff_id=done.staff_id, username=done.username, url=url,
                     expires_at=done.expires_at, password=done.password)


class PendingInviteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    role: Role
    email: str | None
    created_at: int
    expires_at: int


@router.get("/municipalities/{municipality_id}/invites", response_model=list[PendingInviteOut],
            summary="Invitation links not used yet (admin)")
def list_invites(municipality_id: int, db: SessionDep, _: Admin) -> list[PendingInviteOut]:
    return [PendingInviteOut.model_validate(row) for row in invites.pending(db, municipality_id)]


@router.delete("/municipalities/{municipality_id}/invites/{invite_id}", response_model=Removed,
               summary="Withdraw an invitation link (admin)")
def cancel_invite(municipality_id: int, invite_id: int, db: SessionDep, _: Admin) -> Removed:
    write_transaction(db)
    invites.cancel(db, municipality_id, invite_id)
    db.commit()
    return Removed(removed=True)


class TokenIn(BaseModel):
    token: str = Field(max_length=200)


class InvitationOut(BaseModel):
    municipality_id: int
    name_ja: str
    name_en: str
    role: Role
    email: str | None
    expires_at: int


def _invitation_out(db, row: StaffInvite) -> InvitationOut:
    town = db.get(Municipality, row.municipality_id)
    return InvitationOut(municipality_id=town.id, name_ja=town.name_ja, name_en=town.name_en, role=row.role,
                         email=row.email, expires_at=row.expires_at)


@router.post("/invites/check", response_model=InvitationOut, summary="What an invitation link offers")
def check_invite(body: TokenIn, db: SessionDep) -> InvitationOut:
    """The municipality and role of an unused, unexpired link (410 otherwise); uses nothing up."""
    return _invitation_out(db, invites.open_invite(db, body.token))


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=200)
    username: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200, pattern=PLAIN_TEXT)
    password: str = Field(max_length=1024)


class AcceptedOut(BaseModel):
    username: str
    municipality_id: int
    role: Role


@router.post("/invites/accept", response_model=AcceptedOut, status_code=201, summary="Accept an invitation link")
def accept_invite(body: AcceptIn, db: SessionDep) -> AcceptedOut:
    """Makes the invitee's account with the link's role; the link is used up. Then sign in as usual."""
    write_transaction(db)
    row = invites.open_invite(db, body.token)
    municipality_id, role = row.municipality_id, row.role
    account = invites.accept(db, body.token, body.username, body.password, display_name=body.display_name)
    db.commit()
    return AcceptedOut(username=account.username, municipality_id=municipality_id, role=role)


# --- my account --------------------------------------------------------------------------------------------
class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordChanged(BaseModel):
    changed: bool
    other_sessions_ended: bool


@router.post("/me/password", response_model=PasswordChanged, summary="Change my password")
def change_my_password(body: PasswordIn, db: SessionDep, me: SignedInStaff, session: StaffSession,
                       gate: LoginGateDep) -> PasswordChanged:
    """Needs the current password; every other session of the account ends (this one stays). Wrong current
    passwords are slowed like wrong sign-ins of the same name (backend/auth/throttle.py)."""
    write_transaction(db)
    with gate.attempt("staff", me.username, counted=GUESSES):
        staff_accounts.change_password(db, me.id, body.current_password, body.new_password,
                                       keep_session=session.id)
    db.commit()
    return PasswordChanged(changed=True, other_sessions_ended=True)


class TotpEnrolOut(BaseModel):
    secret: str = Field(description="Base32, for typing into the app; shown once")
    uri: str = Field(description="otpauth:// URI")
    qr_svg: str = Field(description="The URI as a QR code (SVG)")


class CodeIn(BaseModel):
    code: str = Field(max_length=16)


class TotpOut(BaseModel):
    totp_enabled: bool


def _account(db, me) -> StaffAccount:
    return db.get(StaffAccount, me.id)


@router.post("/me/totp", response_model=TotpEnrolOut, summary="Start two-step sign-in (TOTP)")
def enrol_totp(db: SessionDep, settings: SettingsDep, me: CurrentStaff) -> TotpEnrolOut:
    """A new secret for an authenticator app; it is on only after POST /staff/me/totp/confirm with a code."""
    write_transaction(db)
    secret, uri = totp.enrol(settings.sealing_key, _account(db, me))
    db.commit()
    return TotpEnrolOut(secret=secret, uri=uri, qr_svg=qr_svg(uri))


@router.post("/me/totp/confirm", response_model=TotpOut, summary="Turn two-step sign-in on with a code")
def confirm_totp(body: CodeIn, db: SessionDep, settings: SettingsDep, me: CurrentStaff,
                 gate: LoginGateDep) -> TotpOut:
    write_transaction(db)
    with gate.attempt("staff", me.username, counted=GUESSES):
        totp.confirm(settings.sealing_key, _account(db, me), body.code)
    db.commit()
    return TotpOut(totp_enabled=True)


@router.post("/me/totp/disable", response_model=TotpOut, summary="Turn two-step sign-in off (needs a code)")
def disable_totp(body: CodeIn, db: SessionDep, settings: SettingsDep, me: CurrentStaff,
                 gate: LoginGateDep) -> TotpOut:
    write_transaction(db)
    with gate.attempt("staff", me.username, counted=GUESSES):
        totp.disable(settings.sealing_key, _account(db, me), body.code)
    db.commit()
    return TotpOut(totp_enabled=False)
