"""Residency programme API: identity, activities and rotating-QR check-ins, premium, registration.

Holder (wallet session):  /me/identity*, /me/checkins, /me/residency, /me/residency/premium,
                          /me/residency/register
Public:                   /residency/municipalities, /residency/activities
Staff (roles per town):   /staff/municipalities/{id}/residency, .../activities, .../partners,
                          .../premium/queue, .../premium/renewals, .../residency/kpis,
                          /staff/activities/{id}, /staff/activities/{id}/qr, /staff/premium/{grant}/approve|reject
Partner organisation:     /partner/activities, /partner/activities/{id}/qr   (header X-Partner-Key)
Development only:         /dev/identity/assertion, /dev/identity/consent     (plays the identity provider)
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.api.deps import IssuerDep, SessionDep, SettingsDep
from backend.auth.deps import CurrentHolder, CurrentStaff, require_staff, require_staff_role, write_transaction
from backend.auth.staff import StaffMember
from backend.cards import card_by_token, cards_of_owner
from backend.db.models_chain import Municipality
from backend.db.models_residency import Activity
from backend.errors import ApiError
from backend.residency import activities as acts
from backend.residency.checkins import RotatingCode, check_in
from backend.identity.verifier import (DEV_LEVEL, IdentityVerifier, identity_of, issue_nonce, record_consent,
                                        record_identity)
from backend.residency.kpis import residency_kpis
from backend.residency.premium import decide, pending_queue, progress, request_premium, run_renewals
from backend.residency.programme import programme_of, save_programme
from backend.residency.registration import register, registrations_of
from backend.web.qr import qr_svg

router = APIRouter(tags=["residency"])

Viewer = Annotated[StaffMember, Depends(require_staff("viewer"))]
Editor = Annotated[StaffMember, Depends(require_staff("staff"))]
Admin = Annotated[StaffMember, Depends(require_staff("admin"))]


def _verifier(request: Request) -> IdentityVerifier:
    verifier = request.app.state.identity_verifier
    if verifier is None:
        raise ApiError(503, "identity_not_configured", "Identity verification needs RESIDENT_IDENTITY_SECRET "
                       "(and RESIDENT_IDENTITY_PROVIDERS) on the server.",
                       "本人確認には、サーバーに RESIDENT_IDENTITY_SECRET（と RESIDENT_IDENTITY_PROVIDERS）の設定が必要です。")
    return verifier


def _codes(request: Request) -> RotatingCode:
    return request.app.state.activity_codes


# --- identity ---------------------------------------------------------------------------------------------
class NonceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Literal["identity", "guardian_consent"] = "identity"


class NonceOut(BaseModel):
    nonce: str
    purpose: str
    audience: str = Field(description="Put this in the assertion's `aud`")
    expires_at: int
    development_provider: bool = Field(description="True where /dev/identity/* plays the provider")


class AssertionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assertion: str = Field(min_length=10, max_length=4096, description="The provider's ES256K compact JWS")


class IdentityOut(BaseModel):
    verified: bool
    level: str | None = None
    is_minor: bool = False
    guardian_consent: bool = False
    verified_at: int | None = None
    registrations: list[dict] = []


def identity_out(db, holder: str) -> IdentityOut:
    identity = identity_of(db, holder)
    if identity is None:
        return IdentityOut(verified=False)
    regs = [{"municipality_id": r.municipality_id, "via": r.via, "token_id": r.token_id,
             "collection_id": r.collection_id} for r in registrations_of(db, identity.nullifier)]
    return IdentityOut(verified=True, level=identity.level, is_minor=identity.is_minor,
                       guardian_consent=identity.consent_at is not None, verified_at=identity.verified_at,
                       registrations=regs)


@router.post("/me/identity/nonce", response_model=NonceOut, summary="Start identity verification (a nonce)")
def create_identity_nonce(body: NonceIn, holder: CurrentHolder, db: SessionDep, request: Request) -> NonceOut:
    """A single-use nonce (10 minutes) for the provider to put in its assertion, bound to this wallet."""
    write_transaction(db)
    nonce, expires_at = issue_nonce(db, holder.address, body.purpose)
    db.commit()
    verifier = _verifier(request)
    return NonceOut(nonce=nonce, purpose=body.purpose, audience=verifier.audience, expires_at=expires_at,
                    development_provider=verifier.dev_provider is not None)


@router.post("/me/identity", response_model=IdentityOut, summary="Submit the provider's identity assertion")
def verify_identity(body: AssertionIn, holder: CurrentHolder, db: SessionDep, request: Request) -> IdentityOut:
    """Verifies signature, provider, audience, freshness and the nonce; keeps only a nullifier and the level."""
    write_transaction(db)
    record_identity(db, _verifier(request), holder.address, body.assertion)
    db.commit()
    return identity_out(db, holder.address)


@router.post("/me/identity/guardian-consent", response_model=IdentityOut, summary="Submit a guardian's consent")
def record_guardian_consent(body: AssertionIn, holder: CurrentHolder, db: SessionDep,
                            request: Request) -> IdentityOut:
    """For a minor: the provider's signed consent of a guardian (their nullifier, time and digest are kept)."""
    write_transaction(db)
    record_consent(db, _verifier(request), holder.address, body.assertion)
    db.commit()
    return identity_out(db, holder.address)


@router.get("/me/identity", response_model=IdentityOut, summary="My identity verification")
def read_my_identity(holder: CurrentHolder, db: SessionDep) -> IdentityOut:
    return identity_out(db, holder.address)


# --- development identity provider ---------------------------------------------------------------------
class DevAssertionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200, description="The person's id at the provider")
    birthdate: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    is_minor: bool | None = None
    level: str = Field(default=DEV_LEVEL, min_length=1, max_length=32)


class DevConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nonce: str = Field(min_length=1, max_length=64)
    subject: str = Field(min_length=1, max_length=200, description="The minor's id at the provider")
    guardian_subject: str = Field(min_length=1, max_length=200)


class DevAssertionOut(BaseModel):
    assertion: str
    issuer: str


def _dev_provider(request: Request):
    verifier = request.app.state.identity_verifier
    provider = verifier.dev_provider if verifier is not None else None
    if provider is None or request.app.state.settings.environment == "production":
        raise ApiError(404, "not_found", "Not found.", "見つかりません。")
    return provider


@router.post("/dev/identity/assertion", response_model=DevAssertionOut, tags=["development"],
             summary="Development only: play the identity provider")
def dev_identity_assertion(body: DevAssertionIn, request: Request) -> DevAssertionOut:
    """Signs an identity assertion as the development provider would (refused in production)."""
    provider = _dev_provider(request)
    if body.birthdate is None and body.is_minor is None:
        raise ApiError(422, "birthdate_required", "Give birthdate or is_minor.", "生年月日か未成年かを指定してください。")
    token = provider.assert_identity(subject=body.subject, audience=_verifier(request).audience, nonce=body.nonce,
                                     birthdate=body.birthdate, is_minor=body.is_minor, level=body.level)
    return DevAssertionOut(assertion=token, issuer=provider.issuer)


@router.post("/dev/identity/consent", response_model=DevAssertionOut, tags=["development"],
             summary="Development only: play the provider for a guardian's consent")
def dev_identity_consent(body: DevConsentIn, request: Request) -> DevAssertionOut:
    provider = _dev_provider(request)
    token = provider.assert_consent(subject=body.subject, guardian_subject=body.guardian_subject,
                                    audience=_verifier(request).audience, nonce=body.nonce)
    return DevAssertionOut(assertion=token, issuer=provider.issuer)


# --- activities -------------------------------------------------------------------------------------------
class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    days: list[str] = Field(min_length=1, max_length=31, description="Japan dates YYYY-MM-DD")
    place: str = Field(default="", max_length=300)
    organiser: str = Field(default="", max_length=200)


class ActivityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_ja: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    days: list[str] | None = Field(default=None, min_length=1, max_length=31)
    place: str | None = Field(default=None, max_length=300)
    organiser: str | None = Field(default=None, max_length=200)
    designated: bool | None = None
    active: bool | None = None


class ActivityOut(BaseModel):
    id: int
    municipality_id: int
    title_ja: str
    title_en: str
    place: str
    organiser: str
    days: list[str]
    designated: bool
    active: bool
    partner_id: int | None


def activity_outs(db, activities: list[Activity]) -> list[ActivityOut]:
    days = acts.days_of(db, [a.id for a in activities])
    return [ActivityOut(id=a.id, municipality_id=a.municipality_id, title_ja=a.title_ja, title_en=a.title_en,
                        place=a.place, organiser=a.organiser, days=days[a.id], designated=a.designated,
                        active=a.active, partner_id=a.partner_id) for a in activities]


def _spec(body: ActivityIn) -> acts.ActivitySpec:
    return acts.ActivitySpec(body.title_ja, body.title_en, body.days, body.place, body.organiser)


class QrOut(BaseModel):
    activity_id: int
    token: str = Field(description="The QR code's text")
    code: str = Field(description="The same, to type by hand")
    seconds_left: float
    period: int
    svg: str = Field(description="The QR code as an SVG image")


def qr_out(codes: RotatingCode, activity: Activity) -> QrOut:
    now = codes.current(activity.id)
    svg = qr_svg(now.token)
    return QrOut(activity_id=activity.id, token=now.token, code=now.code, seconds_left=now.seconds_left,
                 period=codes.period, svg=svg)


@router.get("/residency/activities", response_model=list[ActivityOut], summary="Designated activities")
def list_public_activities(db: SessionDep, municipality_id: int | None = None) -> list[ActivityOut]:
    """Activities that count toward premium (designated and active), optionally of one municipality."""
    return activity_outs(db, acts.list_activities(db, municipality_id, designated_only=True))


@router.get("/staff/municipalities/{municipality_id}/activities", response_model=list[ActivityOut],
            tags=["staff"], summary="The municipality's activities (also proposed ones)")
def list_staff_activities(municipality_id: int, staff: Viewer, db: SessionDep) -> list[ActivityOut]:
    return activity_outs(db, acts.list_activities(db, municipality_id))


@router.post("/staff/municipalities/{municipality_id}/activities", response_model=ActivityOut, status_code=201,
             tags=["staff"], summary="Add a designated activity")
def create_staff_activity(municipality_id: int, body: ActivityIn, staff: Editor, db: SessionDep) -> ActivityOut:
    write_transaction(db)
    activity = acts.create_activity(db, municipality_id, _spec(body), staff_id=staff.id)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.patch("/staff/activities/{activity_id}", response_model=ActivityOut, tags=["staff"],
              summary="Edit, designate or close an activity")
def edit_activity(activity_id: int, body: ActivityPatch, staff: CurrentStaff, db: SessionDep) -> ActivityOut:
    write_transaction(db)
    activity = acts.get_activity(db, activity_id)
    require_staff_role(staff, activity.municipality_id, "staff")
    values = body.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None:
            raise ApiError(422, "null_field", f"{name} cannot be null.", f"{name} に null は指定できません。")
    if "days" in values:
        acts.set_days(db, activity, values.pop("days"))
    for name, value in values.items():
        setattr(activity, name, value)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.get("/staff/activities/{activity_id}/qr", response_model=QrOut, tags=["staff"],
            summary="The activity's rotating QR code now (poll it)")
def read_activity_qr(activity_id: int, staff: CurrentStaff, db: SessionDep, request: Request) -> QrOut:
    activity = acts.get_activity(db, activity_id)
    require_staff_role(staff, activity.municipality_id, "staff")
    return qr_out(_codes(request), activity)


# --- partner organisations ---------------------------------------------------------------------------------
class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    auto_designate: bool = Field(default=False, description="True: its activities are designated at once "
                                 "(MIC pattern ②); False: staff designate each (pattern ①)")


class PartnerOut(BaseModel):
    id: int
    municipality_id: int
    name_ja: str
    name_en: str
    auto_designate: bool
    active: bool


class PartnerCreated(PartnerOut):
    key: str = Field(description="The partner's API key (X-Partner-Key): shown once, stored as a digest")


@router.post("/staff/municipalities/{municipality_id}/partners", response_model=PartnerCreated, status_code=201,
             tags=["staff"], summary="Approve a partner organisation (returns its API key once)")
def create_partner(municipality_id: int, body: PartnerIn, staff: Admin, db: SessionDep) -> PartnerCreated:
    write_transaction(db)
    partner, key = acts.create_partner(db, municipality_id, body.name_ja, body.name_en, body.auto_designate)
    db.commit()
    return PartnerCreated(id=partner.id, municipality_id=municipality_id, name_ja=partner.name_ja,
                          name_en=partner.name_en, auto_designate=partner.auto_designate, active=True, key=key)


@router.get("/staff/municipalities/{municipality_id}/partners", response_model=list[PartnerOut], tags=["staff"],
            summary="Partner organisations")
def list_partners(municipality_id: int, staff: Viewer, db: SessionDep) -> list[PartnerOut]:
    from backend.db.models_residency import PartnerOrganisation

    rows = db.scalars(select(PartnerOrganisation).where(PartnerOrganisation.municipality_id == municipality_id)
                      .order_by(PartnerOrganisation.id))
    return [PartnerOut(id=p.id, municipality_id=p.municipality_id, name_ja=p.name_ja, name_en=p.name_en,
                       auto_designate=p.auto_designate, active=p.active) for p in rows]


PartnerKey = Annotated[str | None, Header(alias="X-Partner-Key")]


@router.get("/partner/activities", response_model=list[ActivityOut], tags=["partner"],
            summary="My organisation's activities")
def list_partner_activities(db: SessionDep, x_partner_key: PartnerKey = None) -> list[ActivityOut]:
    partner = acts.partner_by_key(db, x_partner_key)
    return activity_outs(db, acts.list_activities(db, partner_id=partner.id))


@router.post("/partner/activities", response_model=ActivityOut, status_code=201, tags=["partner"],
             summary="Propose (or, if trusted, designate) an activity")
def create_partner_activity(body: ActivityIn, db: SessionDep, x_partner_key: PartnerKey = None) -> ActivityOut:
    write_transaction(db)
    partner = acts.partner_by_key(db, x_partner_key)
    activity = acts.create_activity(db, partner.municipality_id, _spec(body), partner=partner)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.get("/partner/activities/{activity_id}/qr", response_model=QrOut, tags=["partner"],
            summary="The rotating QR code of my organisation's activity")
def read_partner_activity_qr(activity_id: int, db: SessionDep, request: Request,
                             x_partner_key: PartnerKey = None) -> QrOut:
    partner = acts.partner_by_key(db, x_partner_key)
    activity = acts.get_activity(db, activity_id)
    if activity.partner_id != partner.id:
        raise ApiError(403, "not_your_activity", "This activity is not your organisation's.",
                       "この活動は貴団体の活動ではありません。")
    return qr_out(_codes(request), activity)


# --- check-ins and progress ---------------------------------------------------------------------------
class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(default=None, max_length=100, description="The scanned QR text")
    activity_id: int | None = Field(default=None, ge=1, lt=2**63, description="Typed by hand, with `code`")
    code: str | None = Field(default=None, max_length=20)
    collection_id: int | None = Field(default=None, ge=1, lt=2**63)
    token_id: int | None = Field(default=None, ge=0, lt=2**63)


class StepOut(BaseModel):
    code: str
    message_en: str
    message_ja: str


class ProgressOut(BaseModel):
    municipality_id: int
    municipality_ja: str
    municipality_en: str
    collection_id: int
    token_id: int
    tier: int
    status: str = Field(description="basic | eligible | pending | premium")
    premium_until: int | None
    checkins: int
    required: int
    window_days: int
    mode: str
    identity: str = Field(description="missing | verified | consent_missing")
    renewal_due: bool
    summary_en: str
    summary_ja: str
    next_steps: list[StepOut]


class GrantOut(BaseModel):
    grant_id: int
    status: str
    kind: str
    valid_until: int | None
    tx_hashes: list[str]


class CheckInOut(BaseModel):
    checkin_id: int
    activity: ActivityOut
    day: str
    collection_id: int
    token_id: int
    progress: ProgressOut
    premium: GrantOut | None = Field(default=None, description="Set when this check-in made the card premium "
                                     "(automatic) or queued its request")
    premium_refusal: dict | None = None


def progress_out(db, p) -> ProgressOut:
    town = db.get(Municipality, p.municipality_id)
    return ProgressOut(municipality_id=p.municipality_id, municipality_ja=town.name_ja, municipality_en=town.name_en,
                       collection_id=p.card.collection_id, token_id=p.card.token_id, tier=p.card.tier,
                       status=p.status, premium_until=p.premium_until, checkins=p.checkins, required=p.required,
                       window_days=p.window_days, mode=p.mode, identity=p.identity, renewal_due=p.renewal_due,
                       summary_en=p.summary_en, summary_ja=p.summary_ja,
                       next_steps=[StepOut(**s.__dict__) for s in p.steps])


@router.post("/me/checkins", response_model=CheckInOut, status_code=201, summary="Check in at an activity")
def create_checkin(body: CheckInIn, holder: CurrentHolder, db: SessionDep, request: Request,
                   settings: SettingsDep) -> CheckInOut:
    """Records the scanned (or typed) rotating code for the holder's card of the activity's municipality.

    Once the card has enough check-ins (and the holder's identity is verified), premium follows at once:
    granted on chain (automatic mode) or queued for staff (queue mode)."""
    write_transaction(db)
    result = check_in(db, _codes(request), holder.address, token=body.token, activity_id=body.activity_id,
                      code=body.code, collection_id=body.collection_id, token_id=body.token_id)
    db.commit()
    card = result.card
    state = progress(db, card, holder.address)
    premium, refusal = None, None
    if state.status == "eligible" and state.identity != "missing":  # a minor learns consent is missing
        try:
            outcome = request_premium(request.app.state.session_factory, request.app.state.issuer, settings,
                                      holder.address, card.id)
            premium = GrantOut(**outcome.__dict__)
        except ApiError as exc:
            refusal = {"code": exc.code, "message_en": exc.message_en, "message_ja": exc.message_ja}
        db.rollback()
        state = progress(db, card, holder.address)
    return CheckInOut(checkin_id=result.checkin.id, activity=activity_outs(db, [result.activity])[0],
                      day=result.checkin.day, collection_id=card.collection_id, token_id=card.token_id,
                      progress=progress_out(db, state), premium=premium, premium_refusal=refusal)


@router.get("/me/residency", response_model=list[ProgressOut], summary="My progress toward premium, per card")
def read_my_residency(holder: CurrentHolder, db: SessionDep) -> list[ProgressOut]:
    """For each valid card: "2 of 3 activities this year", status (basic / eligible / pending / premium until …)
    and the next steps."""
    now = time.time()
    return [progress_out(db, progress(db, c, holder.address, now)) for c in cards_of_owner(db, holder.address)
            if c.valid_now(now)]


class PremiumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int = Field(ge=1, lt=2**63)
    token_id: int = Field(ge=0, lt=2**63)


@router.post("/me/residency/premium", response_model=GrantOut, summary="Become premium (or request it)")
def request_my_premium(body: PremiumIn, holder: CurrentHolder, db: SessionDep, request: Request,
                       settings: SettingsDep) -> GrantOut:
    """Judges the card: enough activities, verified identity (and guardian consent for a minor), at most 3
    municipalities per person. Automatic municipalities upgrade on chain now; others queue for staff."""
    card = card_by_token(db, body.collection_id, body.token_id)
    if card is None:
        raise ApiError(404, "card_not_found", "No such card.", "そのカードはありません。")
    db.rollback()
    outcome = request_premium(request.app.state.session_factory, request.app.state.issuer, settings,
                              holder.address, card.id)
    return GrantOut(**outcome.__dict__)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    municipality_id: int = Field(ge=1, lt=2**63)
    prefecture_opt_out: bool = Field(default=False, description="True: do not register with the prefecture too")


class RegisteredOut(BaseModel):
    municipality_id: int
    name_ja: str
    name_en: str
    via: str
    collection_id: int
    token_id: int | None
    tx_hash: str | None
    outcome: str = Field(description="issued | already_registered | already_holder | failed")
    error: dict | None = None


@router.post("/me/residency/register", response_model=list[RegisteredOut], status_code=201,
             summary="Register with a municipality (and its prefecture)")
def register_me(body: RegisterIn, holder: CurrentHolder, db: SessionDep, request: Request, issuer: IssuerDep,
                settings: SettingsDep) -> list[RegisteredOut]:
    """Issues the municipality's basic card to the signed-in, identity-verified wallet, and the prefecture's
    card too unless `prefecture_opt_out`. Registering again issues only what is missing."""
    db.rollback()
    results = register(request.app.state.session_factory, issuer, settings, holder.address, body.municipality_id,
                       body.prefecture_opt_out)
    return [RegisteredOut(**r.__dict__) for r in results]


class MunicipalityProgrammeOut(BaseModel):
    id: int
    name_ja: str
    name_en: str
    kind: str
    prefecture_id: int | None
    premium_mode: str
    required_checkins: int
    window_days: int


@router.get("/residency/municipalities", response_model=list[MunicipalityProgrammeOut],
            summary="Municipalities one can register with")
def list_residency_municipalities(db: SessionDep) -> list[MunicipalityProgrammeOut]:
    result = []
    for m in db.scalars(select(Municipality).order_by(Municipality.id)):
        p = programme_of(db, m.id)
        result.append(MunicipalityProgrammeOut(id=m.id, name_ja=m.name_ja, name_en=m.name_en, kind=p.kind,
                                               prefecture_id=p.prefecture_id, premium_mode=p.premium_mode,
                                               required_checkins=p.required_checkins, window_days=p.window_days))
    return result


# --- staff: programme, premium queue, renewals, KPIs -------------------------------------------------------
class ProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["city", "prefecture"] | None = None
    prefecture_id: int | None = Field(default=None, ge=1, lt=2**63)
    collection_id: int | None = Field(default=None, ge=1, lt=2**63)
    premium_mode: Literal["automatic", "queue"] | None = None
    required_checkins: int | None = Field(default=None, ge=1, le=365)
    window_days: int | None = Field(default=None, ge=1, le=3650)
    basic_tier: int | None = Field(default=None, ge=0, le=255)
    premium_tier: int | None = Field(default=None, ge=1, le=255)
    validity_days: int | None = Field(default=None, ge=1, le=3650)
    renew_before_days: int | None = Field(default=None, ge=0, le=365)


class ProgrammeOut(BaseModel):
    municipality_id: int
    kind: str
    prefecture_id: int | None
    collection_id: int | None
    premium_mode: str
    required_checkins: int
    window_days: int
    basic_tier: int
    premium_tier: int
    validity_days: int
    renew_before_days: int


def programme_out(p) -> ProgrammeOut:
    return ProgrammeOut(**{name: getattr(p, name) for name in ProgrammeOut.model_fields})


@router.get("/staff/municipalities/{municipality_id}/residency", response_model=ProgrammeOut, tags=["staff"],
            summary="The municipality's residency rules")
def read_programme(municipality_id: int, staff: Viewer, db: SessionDep) -> ProgrammeOut:
    return programme_out(programme_of(db, municipality_id))


@router.put("/staff/municipalities/{municipality_id}/residency", response_model=ProgrammeOut, tags=["staff"],
            summary="Set the residency rules (premium mode, activities needed, prefecture link...)")
def update_programme(municipality_id: int, body: ProgrammeIn, staff: Admin, db: SessionDep) -> ProgrammeOut:
    write_transaction(db)
    values = body.model_dump(exclude_unset=True)
    for name in ("kind", "premium_mode", "required_checkins", "window_days", "basic_tier", "premium_tier",
                 "validity_days", "renew_before_days"):
        if name in values and values[name] is None:
            raise ApiError(422, "null_field", f"{name} cannot be null.", f"{name} に null は指定できません。")
    programme = save_programme(db, municipality_id, values)
    db.commit()
    return programme_out(programme)


class QueuedGrantOut(GrantOut):
    municipality_id: int
    collection_id: int
    token_id: int
    holder: str
    checkins_counted: int
    requested_at: int


@router.get("/staff/municipalities/{municipality_id}/premium/queue", response_model=list[QueuedGrantOut],
            tags=["staff"], summary="Premium requests waiting for approval")
def read_premium_queue(municipality_id: int, staff: Viewer, db: SessionDep) -> list[QueuedGrantOut]:
    from backend.cards import card_by_id

    result = []
    for g in pending_queue(db, municipality_id):
        card = card_by_id(db, g.card_id)
        result.append(QueuedGrantOut(grant_id=g.id, status=g.status, kind=g.kind, valid_until=g.valid_until,
                                     tx_hashes=list(g.tx_hashes or []), municipality_id=g.municipality_id,
                                     collection_id=card.collection_id, token_id=card.token_id, holder=card.owner,
                                     checkins_counted=g.checkins_counted, requested_at=g.requested_at))
    return result


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500)


def _decide(grant_id: int, approve: bool, body: DecisionIn, staff: StaffMember, db, request: Request,
            settings) -> GrantOut:
    db.rollback()
    outcome = decide(request.app.state.session_factory, request.app.state.issuer, settings, grant_id, staff.id,
                     approve, body.note, check_municipality=lambda m: require_staff_role(staff, m, "staff"))
    return GrantOut(**outcome.__dict__)


@router.post("/staff/premium/{grant_id}/approve", response_model=GrantOut, tags=["staff"],
             summary="Approve a premium request (sends the tier and expiry transactions)")
def approve_premium(grant_id: int, staff: CurrentStaff, db: SessionDep, request: Request, settings: SettingsDep,
                    body: DecisionIn | None = None) -> GrantOut:
    return _decide(grant_id, True, body or DecisionIn(), staff, db, request, settings)


@router.post("/staff/premium/{grant_id}/reject", response_model=GrantOut, tags=["staff"],
             summary="Reject a premium request")
def reject_premium(grant_id: int, staff: CurrentStaff, db: SessionDep, request: Request, settings: SettingsDep,
                   body: DecisionIn | None = None) -> GrantOut:
    return _decide(grant_id, False, body or DecisionIn(), staff, db, request, settings)


@router.post("/staff/municipalities/{municipality_id}/premium/renewals", tags=["staff"],
             summary="Run premium renewal and lapse now (what the periodic job does)")
def run_premium_renewals(municipality_id: int, staff: Admin, db: SessionDep, request: Request, issuer: IssuerDep,
                         settings: SettingsDep) -> dict:
    db.rollback()
    return run_renewals(request.app.state.session_factory, issuer, settings,
                        municipality_id=municipality_id).as_dict()


@router.get("/staff/municipalities/{municipality_id}/residency/kpis", tags=["staff"],
            summary="Residency KPIs: check-ins per activity and day, premium, renewals, registrations")
def read_residency_kpis(municipality_id: int, staff: Viewer, db: SessionDep) -> dict:
    return residency_kpis(db, municipality_id)


def include(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.identity_verifier = IdentityVerifier.from_settings(settings)
    app.state.activity_codes = RotatingCode(settings.pass_secret)
    app.include_router(router)
