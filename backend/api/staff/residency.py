"""The residency programme seen by staff: activities and their rotating QR codes, partner organisations,
the municipality's rules, the premium queue and renewals, residency KPIs."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.api.deps import (
    ActivityCodesDep, Admin, CurrentStaff, Editor, IssuerDep, OptionalIssuerDep, SessionDep, SessionsDep, SettingsDep,
    Viewer, require_staff_role,
)
from backend.api.schemas import ActivityIn, ActivityOut, GrantOut, QrOut, activity_outs, activity_spec, qr_out
from backend.auth.staff import StaffMember
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.residency import activities as acts
from backend.residency import prefecture_links as links
from backend.residency.kpis import residency_kpis
from backend.residency.premium import decide, pending_queue, run_renewals
from backend.residency.programme import programme_of, save_programme

router = APIRouter(prefix="/staff", tags=["staff"])


class ActivityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_ja: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    days: list[str] | None = Field(default=None, min_length=1, max_length=31)
    place: str | None = Field(default=None, max_length=300)
    organiser: str | None = Field(default=None, max_length=200)
    designated: bool | None = None
    active: bool | None = None


@router.get("/municipalities/{municipality_id}/activities", response_model=list[ActivityOut],
            summary="The municipality's activities (also proposed ones)")
def list_staff_activities(municipality_id: int, staff: Viewer, db: SessionDep) -> list[ActivityOut]:
    """The municipality's activities, proposed ones too."""
    return activity_outs(db, acts.list_activities(db, municipality_id))


@router.post("/municipalities/{municipality_id}/activities", response_model=ActivityOut, status_code=201,
             summary="Add a designated activity")
def create_staff_activity(municipality_id: int, body: ActivityIn, staff: Editor, db: SessionDep) -> ActivityOut:
    """Adds an activity, designated at once."""
    write_transaction(db)
    activity = acts.create_activity(db, municipality_id, activity_spec(body), staff_id=staff.id)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.patch("/activities/{activity_id}", response_model=ActivityOut,
              summary="Edit, designate or close an activity")
def update_activity(activity_id: int, body: ActivityPatch, staff: CurrentStaff, db: SessionDep) -> ActivityOut:
    """Changes the given fields of an activity (staff of its municipality)."""
    write_transaction(db)
    activity = acts.get_activity(db, activity_id)
    require_staff_role(staff, activity.municipality_id, "staff")
    values = body.model_dump(exclude_unset=True)
    for name, value in values.items():
        if value is None:
            raise Refusal("null_field", field=name)
    if "days" in values:
        acts.set_days(db, activity, values.pop("days"))
    for name, value in values.items():
        setattr(activity, name, value)
    db.commit()
    return activity_outs(db, [activity])[0]


@router.get("/activities/{activity_id}/qr", response_model=QrOut,
            summary="The activity's rotating QR code now (poll it)")
def read_activity_qr(activity_id: int, staff: CurrentStaff, db: SessionDep, codes: ActivityCodesDep) -> QrOut:
    """The activity's current rotating QR code and how long it stays valid."""
    activity = acts.get_activity(db, activity_id)
    require_staff_role(staff, activity.municipality_id, "staff")
    return qr_out(codes, activity)


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    auto_designate: bool = Field(default=False, description="True: its activities are designated at once "
                                 "(MIC pattern ②); False: staff designate each (pattern ①)")


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    municipality_id: int
    name_ja: str
    name_en: str
    auto_designate: bool
    active: bool


class PartnerCreated(PartnerOut):
    key: str = Field(description="The partner's API key (X-Partner-Key): shown once, stored as a digest")


@router.post("/municipalities/{municipality_id}/partners", response_model=PartnerCreated, status_code=201,
             summary="Approve a partner organisation (returns its API key once)")
def create_partner(municipality_id: int, body: PartnerIn, staff: Admin, db: SessionDep) -> PartnerCreated:
    """Approves a partner organisation and answers its API key once."""
    write_transaction(db)
    partner, key = acts.create_partner(db, municipality_id, body.name_ja, body.name_en, body.auto_designate)
    db.commit()
    return PartnerCreated(id=partner.id, municipality_id=municipality_id, name_ja=partner.name_ja,
                          name_en=partner.name_en, auto_designate=partner.auto_designate, active=True, key=key)


@router.get("/municipalities/{municipality_id}/partners", response_model=list[PartnerOut],
            summary="Partner organisations")
def list_partners(municipality_id: int, staff: Viewer, db: SessionDep) -> list[PartnerOut]:
    """The municipality's partner organisations."""
    from backend.db.models_residency import PartnerOrganisation

    rows = db.scalars(select(PartnerOrganisation).where(PartnerOrganisation.municipality_id == municipality_id)
                      .order_by(PartnerOrganisation.id))
    return [PartnerOut.model_validate(p) for p in rows]


class ProgrammeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["city", "prefecture"] | None = None
    collection_id: int | None = Field(default=None, ge=1, lt=2**63)
    premium_mode: Literal["automatic", "queue"] | None = None
    required_checkins: int | None = Field(default=None, ge=1, le=365)
    window_days: int | None = Field(default=None, ge=1, le=3650)
    basic_tier: int | None = Field(default=None, ge=0, le=255)
    premium_tier: int | None = Field(default=None, ge=1, le=255)
    validity_days: int | None = Field(default=None, ge=1, le=3650)
    renew_before_days: int | None = Field(default=None, ge=0, le=365)


class ProgrammeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    municipality_id: int
    kind: str
    prefecture_id: int | None = Field(description="The prefecture this city is linked to with its approval "
                                      "(requests: /staff/municipalities/{id}/prefecture-links)")
    collection_id: int | None
    premium_mode: str
    required_checkins: int
    window_days: int
    basic_tier: int
    premium_tier: int
    validity_days: int
    renew_before_days: int


def programme_out(db, p) -> ProgrammeOut:
    values = {name: getattr(p, name) for name in ProgrammeOut.model_fields if name != "prefecture_id"}
    return ProgrammeOut(**values, prefecture_id=links.linked_prefecture(db, p.municipality_id))


@router.get("/municipalities/{municipality_id}/residency", response_model=ProgrammeOut,
            summary="The municipality's residency rules")
def read_programme(municipality_id: int, staff: Viewer, db: SessionDep) -> ProgrammeOut:
    """The municipality's residency rules."""
    return programme_out(db, programme_of(db, municipality_id))


@router.put("/municipalities/{municipality_id}/residency", response_model=ProgrammeOut,
            summary="Set the residency rules (kind, premium mode, activities needed...)")
def update_programme(municipality_id: int, body: ProgrammeIn, staff: Admin, db: SessionDep) -> ProgrammeOut:
    """Changes the given residency rules (admin)."""
    write_transaction(db)
    values = body.model_dump(exclude_unset=True)
    for name in ("kind", "premium_mode", "required_checkins", "window_days", "basic_tier", "premium_tier",
                 "validity_days", "renew_before_days"):
        if name in values and values[name] is None:
            raise Refusal("null_field", field=name)
    programme = save_programme(db, municipality_id, values)
    db.commit()
    return programme_out(db, programme)


class LinkRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefecture_id: int = Field(ge=1, lt=2**63, description="The prefecture to link to (its kind is 'prefecture')")


class LinkOut(BaseModel):
    id: int
    city_id: int
    city_ja: str
    city_en: str
    prefecture_id: int
    prefecture_ja: str
    prefecture_en: str
    status: str = Field(description="pending | approved | declined | cancelled | ended")
    requested_by: int | None
    requested_at: int
    decided_by: int | None
    decided_at: int | None
    ended_by: int | None
    ended_at: int | None


@router.get("/municipalities/{municipality_id}/prefecture-links", response_model=list[LinkOut],
            summary="Prefecture links of this municipality, as the city or as the prefecture")
def list_prefecture_links(municipality_id: int, staff: Viewer, db: SessionDep) -> list[LinkOut]:
    """Requests and links where this municipality is the city or the prefecture: open ones first."""
    return [LinkOut(**v.__dict__) for v in links.links_of(db, municipality_id)]


@router.post("/municipalities/{municipality_id}/prefecture-links", response_model=LinkOut, status_code=201,
             summary="Ask a prefecture to link this city to it (the prefecture's admin approves)")
def request_prefecture_link(municipality_id: int, body: LinkRequestIn, staff: Admin, db: SessionDep) -> LinkOut:
    """The city's request; registrations issue the prefecture's card only once the prefecture approved it."""
    write_transaction(db)
    link = links.request_link(db, municipality_id, body.prefecture_id, staff.id)
    db.commit()
    return LinkOut(**links.view(db, link).__dict__)


def _decide_link(link_id: int, decision: str, staff: StaffMember, db) -> LinkOut:
    write_transaction(db)
    link = links.decide(db, link_id, decision, staff)
    db.commit()
    return LinkOut(**links.view(db, link).__dict__)


@router.post("/prefecture-links/{link_id}/approve", response_model=LinkOut,
             summary="Approve a city's request (an admin of the prefecture)")
def approve_prefecture_link(link_id: int, staff: CurrentStaff, db: SessionDep) -> LinkOut:
    """From now on, registering with the city also issues the prefecture's card."""
    return _decide_link(link_id, "approve", staff, db)


@router.post("/prefecture-links/{link_id}/decline", response_model=LinkOut,
             summary="Decline a city's request (an admin of the prefecture)")
def decline_prefecture_link(link_id: int, staff: CurrentStaff, db: SessionDep) -> LinkOut:
    """The city may ask again later."""
    return _decide_link(link_id, "decline", staff, db)


@router.post("/prefecture-links/{link_id}/cancel", response_model=LinkOut,
             summary="Withdraw a request still waiting (an admin of the city)")
def cancel_prefecture_link(link_id: int, staff: CurrentStaff, db: SessionDep) -> LinkOut:
    """Withdraws the city's request before the prefecture answered."""
    return _decide_link(link_id, "cancel", staff, db)


@router.post("/prefecture-links/{link_id}/end", response_model=LinkOut,
             summary="End an approved link (an admin of the prefecture or of the city)")
def end_prefecture_link(link_id: int, staff: CurrentStaff, db: SessionDep) -> LinkOut:
    """Registrations stop issuing the prefecture's card; cards already issued stay."""
    return _decide_link(link_id, "end", staff, db)


class QueuedGrantOut(GrantOut):
    municipality_id: int
    collection_id: int
    token_id: int
    holder: str
    checkins_counted: int
    requested_at: int


@router.get("/municipalities/{municipality_id}/premium/queue", response_model=list[QueuedGrantOut],
            summary="Premium requests waiting for approval")
def read_premium_queue(municipality_id: int, staff: Viewer, db: SessionDep) -> list[QueuedGrantOut]:
    """Premium requests and renewals waiting for staff, oldest first."""
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


def _decide(grant_id: int, approve: bool, body: DecisionIn, staff: StaffMember, db, sessions, issuer,
            settings) -> GrantOut:
    db.rollback()
    outcome = decide(sessions, issuer, settings, grant_id, staff.id,
                     approve, body.note, check_municipality=lambda m: require_staff_role(staff, m, "staff"))
    return GrantOut(**outcome.__dict__)


@router.post("/premium/{grant_id}/approve", response_model=GrantOut,
             summary="Approve a premium request (sends the tier and expiry transactions)")
def approve_premium(grant_id: int, staff: CurrentStaff, db: SessionDep, sessions: SessionsDep,
                    issuer: OptionalIssuerDep, settings: SettingsDep,
                    body: DecisionIn | None = None) -> GrantOut:
    """Approves a waiting request: the tier and expiry are sent on chain."""
    return _decide(grant_id, True, body or DecisionIn(), staff, db, sessions, issuer, settings)


@router.post("/premium/{grant_id}/reject", response_model=GrantOut,
             summary="Reject a premium request")
def reject_premium(grant_id: int, staff: CurrentStaff, db: SessionDep, sessions: SessionsDep,
                   issuer: OptionalIssuerDep, settings: SettingsDep,
                   body: DecisionIn | None = None) -> GrantOut:
    """Rejects a waiting request."""
    return _decide(grant_id, False, body or DecisionIn(), staff, db, sessions, issuer, settings)


class RenewalFailure(BaseModel):
    grant_id: int
    reason: str


class RenewalRunOut(BaseModel):
    renewed: list[int] = Field(description="Renewal grants created and sent")
    queued: list[int] = Field(description="Renewal grants waiting for staff")
    lapsed: list[int] = Field(description="Grants that fell back to basic")
    resent: list[int] = Field(description="Grants whose transactions were sent again")
    failed: list[RenewalFailure]


@router.post("/municipalities/{municipality_id}/premium/renewals", response_model=RenewalRunOut,
             summary="Run premium renewal and lapse now (what the periodic job does)")
def run_premium_renewals(municipality_id: int, staff: Admin, db: SessionDep, sessions: SessionsDep, issuer: IssuerDep,
                         settings: SettingsDep) -> RenewalRunOut:
    """Renews or lapses the municipality's premium cards now."""
    db.rollback()
    return RenewalRunOut(**run_renewals(sessions, issuer, settings, municipality_id=municipality_id).as_dict())


class CheckinsOfDay(BaseModel):
    activity_id: int
    title_ja: str
    title_en: str
    day: str
    checkins: int


class RenewalCounts(BaseModel):
    renewed: int
    renewals_pending: int
    lapsed: int
    new_premium: int
    queue: int


class RegistrationCounts(BaseModel):
    direct: int
    via_city: int


class ResidencyKpisOut(BaseModel):
    checkins_total: int
    checkins_per_activity_day: list[CheckinsOfDay]
    premium_cards: int
    premium_people: int
    renewals: RenewalCounts
    registrations: RegistrationCounts


@router.get("/municipalities/{municipality_id}/residency/kpis", response_model=ResidencyKpisOut,
            summary="Residency KPIs: check-ins per activity and day, premium, renewals, registrations")
def read_residency_kpis(municipality_id: int, staff: Viewer, db: SessionDep) -> ResidencyKpisOut:
    """Check-ins per activity and day, premium cards and people, renewals, registrations."""
    return ResidencyKpisOut(**residency_kpis(db, municipality_id))
