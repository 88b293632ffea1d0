"""Staff API: municipalities, collections, perks, venues, venue accounts, KPIs and CSV exports.

Roles per municipality (backend/auth/staff.py): viewers read, staff edit
perks, venues and venue accounts, admins register collections; creating a
municipality needs a superuser. Every route answers 401 without a staff
session and 403 without the role.
"""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.api.deps import SessionDep, SettingsDep
from backend.api.perks import PerkOut, VenueOut, perk_out, write_transaction
from backend.auth.deps import CurrentStaff, require_staff, require_staff_role
from backend.auth.staff import StaffMember
from backend.db.models_chain import Collection, Municipality
from backend.db.models_perks import Perk, Venue, VenueAccount
from backend.chain.deployments import DeploymentRecord, register_record, slugify
from backend.errors import ApiError, DeploymentRecordError
from backend.perks.rules import DAY_SECONDS, KINDS, PERIODS, japan_date
from backend.perks.store import create_perk, update_perk, venue_ids_of
from backend.staff.export import kpi_series_csv, kpis_csv, redemptions_csv
from backend.staff.kpi_series import MAX_DAYS, kpi_series
from backend.staff.kpis import municipality_kpis
from backend.venues.accounts import MIN_PASSWORD, create_account

router = APIRouter(prefix="/staff", tags=["staff"])

Viewer = Annotated[StaffMember, Depends(require_staff("viewer"))]
Editor = Annotated[StaffMember, Depends(require_staff("staff"))]
Admin = Annotated[StaffMember, Depends(require_staff("admin"))]


def not_found(what: str, ja: str, ident) -> ApiError:
    return ApiError(404, f"{what}_not_found", f"No {what} {ident}.", f"{ja} {ident} はありません。")


# --- municipalities -------------------------------------------------------------------------------------
class MunicipalityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")


class MunicipalityOut(BaseModel):
    id: int
    slug: str
    name_ja: str
    name_en: str


@router.get("/municipalities", response_model=list[MunicipalityOut], summary="Municipalities I may see")
def list_municipalities(staff: CurrentStaff, session: SessionDep) -> list[MunicipalityOut]:
    rows = session.scalars(select(Municipality).order_by(Municipality.id))
    return [MunicipalityOut(id=m.id, slug=m.slug, name_ja=m.name_ja, name_en=m.name_en) for m in rows
            if staff.role_in(m.id) is not None]


@router.post("/municipalities", response_model=MunicipalityOut, status_code=201,
             summary="Add a municipality (superuser)")
def create_municipality(body: MunicipalityIn, staff: CurrentStaff, session: SessionDep) -> MunicipalityOut:
    write_transaction(session)
    if not staff.superuser:
        raise ApiError(403, "superuser_required", "Only a superuser may add a municipality.",
                       "自治体の追加はスーパーユーザーのみ可能です。")
    slug = body.slug or slugify(body.name_en)
    if session.scalar(select(Municipality.id).where(Municipality.slug == slug)) is not None:
        raise ApiError(409, "municipality_exists", f"A municipality {slug!r} already exists.",
                       f"自治体 {slug!r} はすでに登録されています。")
    m = Municipality(slug=slug, name_ja=body.name_ja, name_en=body.name_en)
    session.add(m)
    session.commit()
    return MunicipalityOut(id=m.id, slug=m.slug, name_ja=m.name_ja, name_en=m.name_en)


# --- collections ----------------------------------------------------------------------------------------
class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(pattern=r"^[A-Z0-9]{1,11}$",
                        description="The deployed collection's symbol: its record data/deployments/<chain>/<SYMBOL>.json")


class CollectionOut(BaseModel):
    id: int
    municipality_id: int
    chain_id: int
    address: str
    symbol: str
    name_ja: str
    name_en: str
    soulbound: bool
    deploy_block: int
    indexed_block: int


def collection_out(c: Collection) -> CollectionOut:
    return CollectionOut(id=c.id, municipality_id=c.municipality_id, chain_id=c.chain_id, address=c.address,
                         symbol=c.symbol, name_ja=c.name_ja, name_en=c.name_en, soulbound=c.soulbound,
                         deploy_block=c.deploy_block, indexed_block=c.indexed_block)


@router.get("/municipalities/{municipality_id}/collections", response_model=list[CollectionOut],
            summary="The municipality's collections")
def list_collections(municipality_id: int, staff: Viewer, session: SessionDep) -> list[CollectionOut]:
    rows = session.scalars(select(Collection).where(Collection.municipality_id == municipality_id)
                           .order_by(Collection.id))
    return [collection_out(c) for c in rows]


@router.post("/municipalities/{municipality_id}/collections", response_model=CollectionOut, status_code=201,
             summary="Register a deployed collection by its deployment record (admin)")
def register_collection(municipality_id: int, body: CollectionIn, staff: Admin, session: SessionDep,
                        settings: SettingsDep) -> CollectionOut:
    """Registers the collection whose deployment record is `<data dir>/deployments/<chain id>/<SYMBOL>.json`;
    the indexer follows it from its deployment block."""
    write_transaction(session)
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise not_found("municipality", "自治体", municipality_id)
    path = settings.deployments_dir / f"{body.symbol}.json"
    try:
        record = DeploymentRecord.read(path)
    except DeploymentRecordError as exc:
        raise ApiError(422, "record_unusable", f"The deployment record cannot be used: {exc.reason}",
                       f"デプロイ記録を読み込めません: {exc.reason}") from None
    if record.chain_id != settings.chain_id:
        raise ApiError(422, "record_other_chain", f"The record is for chain {record.chain_id}, "
                       f"this backend follows chain {settings.chain_id}.",
                       f"この記録はチェーン {record.chain_id} 用です（このバックエンドは {settings.chain_id}）。")
    if slugify(record.municipality_name_en) != municipality.slug:
        raise ApiError(422, "record_other_municipality",
                       f"The record belongs to {record.municipality_name_en}, not {municipality.name_en}.",
                       f"この記録は{record.municipality_name_ja}のもので、{municipality.name_ja}のものではありません。")
    collection = register_record(session, record, path)
    session.commit()
    return collection_out(collection)


# --- venues ---------------------------------------------------------------------------------------------
class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)


class VenuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class StaffVenueOut(VenueOut):
    municipality_id: int
    active: bool


def venue_out(v: Venue) -> StaffVenueOut:
    return StaffVenueOut(id=v.id, municipality_id=v.municipality_id, name_ja=v.name_ja, name_en=v.name_en,
                         active=v.active)


def _venue_for(session, staff: StaffMember, venue_id: int, min_role: str) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise not_found("venue", "施設", venue_id)
    require_staff_role(staff, venue.municipality_id, min_role)
    return venue


@router.get("/municipalities/{municipality_id}/venues", response_model=list[StaffVenueOut], summary="Venues")
def list_venues(municipality_id: int, staff: Viewer, session: SessionDep) -> list[StaffVenueOut]:
    return [venue_out(v) for v in session.scalars(select(Venue).where(Venue.municipality_id == municipality_id)
                                                  .order_by(Venue.id))]


@router.post("/municipalities/{municipality_id}/venues", response_model=StaffVenueOut, status_code=201,
             summary="Add a venue")
def create_venue(municipality_id: int, body: VenueIn, staff: Editor, session: SessionDep) -> StaffVenueOut:
    write_transaction(session)
    if session.get(Municipality, municipality_id) is None:
        raise not_found("municipality", "自治体", municipality_id)
    venue = Venue(municipality_id=municipality_id, name_ja=body.name_ja, name_en=body.name_en)
    session.add(venue)
    try:
        session.commit()
    except IntegrityError:
        raise ApiError(409, "venue_exists", f"A venue named {body.name_en!r} already exists here.",
                       f"施設「{body.name_ja}」はすでに登録されています。") from None
    return venue_out(venue)


@router.patch("/venues/{venue_id}", response_model=StaffVenueOut, summary="Rename or (de)activate a venue")
def update_venue(venue_id: int, body: VenuePatch, staff: CurrentStaff, session: SessionDep) -> StaffVenueOut:
    write_transaction(session)
    venue = _venue_for(session, staff, venue_id, "staff")
    for key, value in body.model_dump(exclude_none=True).items():
        setattr(venue, key, value)
    try:
        session.commit()
    except IntegrityError:
        raise ApiError(409, "venue_exists", "Another venue here has that name.", "同じ名前の施設があります。") from None
    return venue_out(venue)


# --- venue accounts -------------------------------------------------------------------------------------
class VenueAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=3, max_length=100)
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)


class VenueAccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD, max_length=200)


class VenueAccountOut(BaseModel):
    id: int
    venue_id: int
    login: str
    active: bool
    last_login_at: int | None


def account_out(a: VenueAccount) -> VenueAccountOut:
    return VenueAccountOut(id=a.id, venue_id=a.venue_id, login=a.login, active=a.active,
                           last_login_at=a.last_login_at)


@router.get("/venues/{venue_id}/accounts", response_model=list[VenueAccountOut], summary="A venue's logins")
def list_venue_accounts(venue_id: int, staff: CurrentStaff, session: SessionDep) -> list[VenueAccountOut]:
    _venue_for(session, staff, venue_id, "viewer")
    return [account_out(a) for a in session.scalars(select(VenueAccount).where(VenueAccount.venue_id == venue_id)
                                                    .order_by(VenueAccount.id))]


@router.post("/venues/{venue_id}/accounts", response_model=VenueAccountOut, status_code=201,
             summary="Add a login for a venue's desk")
def create_venue_account(venue_id: int, body: VenueAccountIn, staff: CurrentStaff,
                         session: SessionDep) -> VenueAccountOut:
    write_transaction(session)
    venue = _venue_for(session, staff, venue_id, "staff")
    account = create_account(session, venue, body.login, body.password)
    session.commit()
    return account_out(account)


@router.patch("/venue-accounts/{account_id}", response_model=VenueAccountOut,
              summary="Disable a venue login or set its password (ends its sessions)")
def update_venue_account(account_id: int, body: VenueAccountPatch, staff: CurrentStaff,
                         session: SessionDep) -> VenueAccountOut:
    write_transaction(session)
    from backend.auth.secrets import hash_secret
    from backend.auth.sessions import end_sessions_of

    account = session.get(VenueAccount, account_id)
    if account is None:
        raise not_found("venue_account", "施設アカウント", account_id)
    _venue_for(session, staff, account.venue_id, "staff")
    if body.active is not None:
        account.active = body.active
    if body.password is not None:
        account.password_hash = hash_secret(body.password)
    end_sessions_of(session, "venue", account.id)
    session.commit()
    return account_out(account)


# --- perks ----------------------------------------------------------------------------------------------
class PerkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    description_ja: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    kind: str = Field(description=f"One of {', '.join(KINDS)}: used in the town or online, never shipped goods")
    min_tier: int = 0
    soulbound_only: bool = False
    min_holding_days: int = 0
    limit_count: int | None = Field(default=1, description="Uses per period; empty when unlimited")
    limit_period: str = Field(default="day", description=f"One of {', '.join(PERIODS)} (Japan time)")
    active: bool = True
    venue_ids: list[int] = Field(default_factory=list, description="Venues that may redeem it")


class PerkPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_ja: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    kind: str | None = None
    min_tier: int | None = None
    soulbound_only: bool | None = None
    min_holding_days: int | None = None
    limit_count: int | None = None
    limit_period: str | None = None
    active: bool | None = None
    venue_ids: list[int] | None = None


def _perks_out(session, perks: list[Perk]) -> list[PerkOut]:
    ids = venue_ids_of(session, [p.id for p in perks])
    all_ids = {v for vs in ids.values() for v in vs}
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(all_ids)))} if all_ids else {}
    return [perk_out(p, [venues[v] for v in ids[p.id]]) for p in perks]


@router.get("/municipalities/{municipality_id}/perks", response_model=list[PerkOut], summary="Perks")
def list_perks(municipality_id: int, staff: Viewer, session: SessionDep) -> list[PerkOut]:
    perks = list(session.scalars(select(Perk).join(Collection, Collection.id == Perk.collection_id)
                                 .where(Collection.municipality_id == municipality_id).order_by(Perk.id)))
    return _perks_out(session, perks)


@router.post("/municipalities/{municipality_id}/perks", response_model=PerkOut, status_code=201,
             summary="Define a perk (used in the town or online, never goods shipped)")
def create_perk_route(municipality_id: int, body: PerkIn, staff: Editor, session: SessionDep) -> PerkOut:
    write_transaction(session)
    collection = session.get(Collection, body.collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise not_found("collection", "コレクション", body.collection_id)
    values = body.model_dump(exclude={"collection_id", "venue_ids"})
    perk = create_perk(session, collection, values, body.venue_ids)
    session.commit()
    return _perks_out(session, [perk])[0]


@router.patch("/perks/{perk_id}", response_model=PerkOut, summary="Change a perk (or deactivate it)")
def update_perk_route(perk_id: int, body: PerkPatch, staff: CurrentStaff, session: SessionDep) -> PerkOut:
    write_transaction(session)
    perk = session.get(Perk, perk_id)
    if perk is None:
        raise not_found("perk", "特典", perk_id)
    municipality_id = session.scalar(select(Collection.municipality_id).where(Collection.id == perk.collection_id))
    require_staff_role(staff, municipality_id, "staff")
    changes = body.model_dump(exclude_unset=True, exclude={"venue_ids"})
    update_perk(session, perk, changes, body.venue_ids)
    session.commit()
    return _perks_out(session, [perk])[0]


# --- KPIs and exports -----------------------------------------------------------------------------------
class ConcentrationOut(BaseModel):
    holders: int
    cards: int
    top1_share: float
    top10_share: float
    hhi: float
    gini: float


class ProgrammeKpisOut(BaseModel):
    checkins_30d: int = Field(description="Activity check-ins in the last 30 days")
    checkins_365d: int = Field(description="Activity check-ins in the last 365 days")
    premium_cards: int = Field(description="Cards premium now through the programme")
    premium_people: int = Field(description="Verified people (identity nullifiers) premium now")
    premium_renewed_365d: int = Field(description="Premium years renewed in the last 365 days")
    premium_lapsed_365d: int = Field(description="Premium years that lapsed to basic in the last 365 days")
    premium_waiting: int = Field(description="Premium requests and renewals waiting for staff approval")
    polls_closed_365d: int = Field(description="Polls closed in the last 365 days")
    turnout_last_poll: float | None = Field(description="Turnout (0-1) of the last closed poll; null if none")
    turnout_average_365d: float | None = Field(description="Average turnout (0-1) of those polls; null if none")


class KpisOut(BaseModel):
    municipality_id: int
    as_of: int
    cards_issued: int
    cards_active: int
    cards_valid: int
    unique_holders: int
    concentration: ConcentrationOut
    active_holders_30d: int = Field(description="Holders who signed in or redeemed a perk in the last 30 days")
    redemptions_30d: int
    redemptions_by_perk: list[dict]
    redemptions_by_venue: list[dict]
    redemptions_by_day: list[dict]
    programme: ProgrammeKpisOut = Field(description="Residency programme: check-ins, premium, renewals, turnout")


CSV = "text/csv; charset=utf-8"


def _csv(data: bytes, filename: str) -> Response:
    return Response(data, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/municipalities/{municipality_id}/kpis", response_model=KpisOut, summary="KPIs")
def read_kpis(municipality_id: int, staff: Viewer, session: SessionDep) -> KpisOut:
    """Cards issued, unique holders, concentration (top 1 / top 10 share, HHI, Gini), active holders,
    redemptions per perk, venue and day (last 30 days), and the residency programme's check-ins, premium,
    renewals and poll turnout."""
    return KpisOut(**municipality_kpis(session, municipality_id))


class CardSeriesOut(BaseModel):
    issued: list[int] = Field(description="Cards issued so far (cumulative, re-issues included)")
    active: list[int] = Field(description="Cards not revoked, opted out, re-issued or burnt")
    valid: list[int] = Field(description="Active cards not expired at the end of the day")
    unique_holders: list[int]
    top1_share: list[float]
    top10_share: list[float]
    hhi: list[float]
    gini: list[float]


class RedemptionSeriesOut(BaseModel):
    total: list[int]
    by_perk: list[dict] = Field(description="[{perk_id, name_ja, name_en, counts: [per day]}]")
    by_venue: list[dict] = Field(description="[{venue_id, name_ja, name_en, counts: [per day]}]")


class KpiSeriesOut(BaseModel):
    municipality_id: int
    as_of: int
    days: list[str] = Field(description="Japan dates YYYY-MM-DD, oldest first; every list below follows them")
    cards: CardSeriesOut
    redemptions: RedemptionSeriesOut


@router.get("/municipalities/{municipality_id}/kpis/series", response_model=KpiSeriesOut,
            summary="KPIs per Japan day (charts)")
def read_kpi_series(municipality_id: int, staff: Viewer, session: SessionDep,
                    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many days, today included")] = 30
                    ) -> KpiSeriesOut:
    """Per Japan day of the last `days`: cards issued (cumulative), active and valid cards, unique holders,
    concentration (top 1 / top 10 share, HHI, Gini) at the end of the day (today: now), and redemptions per
    perk and per venue."""
    if session.get(Municipality, municipality_id) is None:
        raise not_found("municipality", "自治体", municipality_id)
    return KpiSeriesOut(**kpi_series(session, municipality_id, days))


@router.get("/municipalities/{municipality_id}/kpis.csv", summary="KPIs as CSV (Excel: UTF-8 with BOM)",
            response_class=Response, responses={200: {"content": {CSV: {}}}})
def export_kpis(municipality_id: int, staff: Viewer, session: SessionDep) -> Response:
    kpis = municipality_kpis(session, municipality_id)
    return _csv(kpis_csv(kpis), f"kpis-{municipality_id}-{japan_date(kpis['as_of'])}.csv")


@router.get("/municipalities/{municipality_id}/kpis/series.csv",
            summary="KPIs per Japan day as CSV (Excel: UTF-8 with BOM)", response_class=Response,
            responses={200: {"content": {CSV: {}}}})
def export_kpi_series(municipality_id: int, staff: Viewer, session: SessionDep,
                      days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many days, today included")] = 30
                      ) -> Response:
    """The history of GET .../kpis/series, one day per row, uses per perk and per venue as columns."""
    if session.get(Municipality, municipality_id) is None:
        raise not_found("municipality", "自治体", municipality_id)
    series = kpi_series(session, municipality_id, days)
    return _csv(kpi_series_csv(series), f"kpi-history-{municipality_id}-{series['days'][0]}-{series['days'][-1]}.csv")


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@router.get("/municipalities/{municipality_id}/redemptions.csv",
            summary="Redemptions as CSV (Excel: UTF-8 with BOM)", response_class=Response,
            responses={200: {"content": {CSV: {}}}})
def export_redemptions(municipality_id: int, staff: Viewer, session: SessionDep,
                       from_: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD (Japan)")] = None,
                       to: Annotated[str | None, Query(description="YYYY-MM-DD (Japan), inclusive")] = None,
                       venue_id: int | None = None) -> Response:
    now = time.time()
    first = from_ or japan_date(now - 29 * DAY_SECONDS)
    last = to or japan_date(now)
    for value in (first, last):
        if not DAY.match(value):
            raise ApiError(422, "day_invalid", "Dates must be YYYY-MM-DD.", "日付は YYYY-MM-DD の形式で指定してください。")
    return _csv(redemptions_csv(session, municipality_id, first, last, venue_id),
                f"redemptions-{municipality_id}-{first}-{last}.csv")


