"""Campaigns from the web: staff create and run them (allowlist uploads, campaigns on chain, vouchers,
airdrop jobs); anyone lists the open ones; a signed-in holder gets the transaction that claims a card.

Staff routes need a staff session and a role in the municipality (viewer reads, staff writes); chain
writes use the backend's issuer key (503 without it). Refusals are 4xx JSON with English and Japanese.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

import requests
from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from backend.api.deps import ChainDep, IssuerDep, SessionDep, SettingsDep
from backend.auth.deps import CurrentHolder, CurrentStaff, require_staff, require_staff_role, write_transaction
from backend.auth.staff import StaffMember
from backend.campaigns import store
from backend.campaigns.airdrop_jobs import AirdropWorker, job_json, new_job, problems_json
from backend.campaigns.csvfile import CsvFileError, parse_recipients
from backend.campaigns.minters import DAY_SECONDS, OPEN, CampaignState, Minter, campaign_tuple
from backend.campaigns.vouchers import VoucherError
from backend.db.models_campaigns import (
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    AirdropJob,
    Allowlist,
    Campaign,
    CampaignVoucher,
)
from backend.db.models_chain import Collection
from backend.errors import ApiError, ChainError
from backend.identity.verifier import identity_of
from backend.residency.premium import check_voucher

router = APIRouter(tags=["campaigns"])

Viewer = Annotated[StaffMember, Depends(require_staff("viewer"))]
Editor = Annotated[StaffMember, Depends(require_staff("staff"))]

MAX_TIER = 127
MAX_SUPPLY = 2**24 - 1
MAX_PER_WALLET = 2**16 - 1
MAX_PRICE_WEI = 2**80 - 1


# --- shared helpers -------------------------------------------------------------------------------------
@contextmanager
def chain_calls() -> Iterator[None]:
    """Turns an unreachable or failing RPC node into a 503 the console can show."""
    try:
        yield
    except (ChainError, requests.RequestException, OSError) as exc:
        raise ApiError(503, "chain_unavailable", f"The chain's node cannot be reached right now ({type(exc).__name__}); "
                       "try again in a moment.", "チェーンのノードに接続できません。しばらくしてから再試行してください。") from None


def refused(exc: store.Refusal, status: int = 409) -> ApiError:
    return ApiError(status, exc.code, exc.en, exc.ja)


def csv_invalid(exc: CsvFileError) -> ApiError:
    count = len(exc.problems)
    return ApiError(422, "csv_invalid", f"{count} problem{'s' if count != 1 else ''} in this CSV file; nothing was "
                    "imported. Fix the rows "
                    "shown and upload it again.", f"このCSVファイルに{count}件の問題があります。何も取り込んでいません。"
                    "表示された行を修正してから、もう一度アップロードしてください。", errors=problems_json(exc.problems))


def find_collection(session, municipality_id: int, ref: str | int) -> Collection:
    """The municipality's collection by symbol or id; 404 otherwise."""
    query = select(Collection).where(Collection.municipality_id == municipality_id)
    text = str(ref).strip()
    query = query.where(Collection.id == int(text)) if text.isdigit() else query.where(Collection.symbol == text)
    collection = session.scalar(query)
    if collection is None:
        raise ApiError(404, "collection_not_found", f"This municipality has no collection {text!r}.",
                       f"この自治体にコレクション {text!r} はありません。")
    return collection


def minter_of(chain, settings, symbol: str) -> Minter:
    minter = Minter.of(chain, settings.deployments_dir, symbol)
    with chain_calls():
        if minter is None or not minter.deployed():
            raise ApiError(409, "minter_missing", f"Collection {symbol} has no campaign minter on this chain yet: "
                           "deploy it with scripts/campaign.py (make run does it for the demo).",
                           f"コレクション {symbol} にはまだミンターがありません。scripts/campaign.py でデプロイしてください。")
    return minter


def load_campaign(session, campaign_id: int, municipality_id: int | None = None) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (municipality_id is not None and campaign.municipality_id != municipality_id):
        raise ApiError(404, "campaign_not_found", f"No campaign {campaign_id}.", f"キャンペーン {campaign_id} はありません。")
    return campaign


# --- schemas --------------------------------------------------------------------------------------------
class AllowlistOut(BaseModel):
    id: int
    filename: str
    count: int
    root: str
    created_at: int


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection: str = Field(min_length=1, max_length=20, description="The collection's symbol or id")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime = Field(description="Unix seconds or ISO 8601 with a time zone")
    ends_at: AwareDatetime
    price_wei: int = Field(default=0, ge=0, le=MAX_PRICE_WEI, description="Price per card in wei; 0 = free")
    supply: int = Field(ge=1, le=MAX_SUPPLY)
    wallet_limit: int = Field(default=1, ge=1, le=MAX_PER_WALLET)
    tier: int = Field(default=0, ge=0, le=MAX_TIER)
    validity_days: int | None = Field(default=None, ge=1, le=2**32 // DAY_SECONDS - 1,
                                      description="Cards expire this many days after their claim")
    expires_at: AwareDatetime | None = Field(default=None, description="A fixed expiry for every card (after ends_at)")
    allowlist_id: int | None = None
    voucher: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> CampaignIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at / 終了日時は開始日時より後にしてください")
        if self.validity_days is not None and self.expires_at is not None:
            raise ValueError("give validity_days or expires_at, not both / 有効日数と有効期限はどちらか一方だけにしてください")
        if self.voucher and self.allowlist_id is not None:
            raise ValueError("a voucher campaign has no allowlist / バウチャー方式には許可リストを付けられません")
        return self


class CampaignOut(BaseModel):
    id: int
    onchain_id: int
    collection: str
    collection_id: int
    minter: str
    name_ja: str
    name_en: str
    mode: Literal["open", "allowlist", "voucher"]
    allowlist_id: int | None
    starts_at: int
    ends_at: int
    price_wei: str
    supply: int
    claimed: int
    remaining: int
    wallet_limit: int
    tier: int
    validity_days: int | None
    expires_at: int | None
    status: str = Field(description="open, scheduled, ended, sold_out, paused or closed")
    tx_hash: str
    created_at: int


class PublicCampaignOut(BaseModel):
    id: int
    collection: str
    name_ja: str
    name_en: str
    starts_at: int
    ends_at: int
    price_wei: str = Field(description="Decimal string: wei do not fit a JavaScript number")
    remaining: int
    mode: Literal["open", "allowlist", "voucher"]


class VoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="The wallet of a holder who verified "
                           "their identity with it (My Number card, on the holder page); the voucher carries "
                           "that person's nullifier")


class VoucherOut(BaseModel):
    id: int
    campaign_id: int
    recipient: str
    deadline: int
    voucher: dict


class ClaimTx(BaseModel):
    to: str
    data: str
    value: str = Field(description="Hex quantity, as eth_sendTransaction takes it")


class ClaimOut(BaseModel):
    eligible: bool
    code: str
    message_en: str
    message_ja: str
    chain_id: int
    tx: ClaimTx | None


def campaign_out(campaign: Campaign, symbol: str, state: CampaignState, now: int) -> CampaignOut:
    return CampaignOut(
        id=campaign.id, onchain_id=campaign.onchain_id, collection=symbol, collection_id=campaign.collection_id,
        minter=campaign.minter, name_ja=campaign.name_ja, name_en=campaign.name_en, mode=campaign.mode,
        allowlist_id=campaign.allowlist_id, starts_at=state.start, ends_at=state.end, price_wei=str(state.price),
        supply=state.supply, claimed=state.claimed, remaining=state.remaining, wallet_limit=state.max_per_wallet,
        tier=state.tier, validity_days=state.valid_for // DAY_SECONDS if state.valid_for else None,
        expires_at=state.expires_at or None, status=state.status(now), tx_hash=campaign.tx_hash,
        created_at=campaign.created_at)


def _states(chain, settings, session, campaigns: list[Campaign]) -> list[tuple[Campaign, str, CampaignState, int]]:
    """Each campaign with its collection's symbol and its state on chain now."""
    symbols = dict(session.execute(select(Collection.id, Collection.symbol)).all())
    minters: dict[str, Minter | None] = {}
    out = []
    with chain_calls():
        now = chain.latest().timestamp if campaigns else 0
        for campaign in campaigns:
            symbol = symbols[campaign.collection_id]
            if symbol not in minters:
                minters[symbol] = Minter.of(chain, settings.deployments_dir, symbol)
            minter = minters[symbol]
            if minter is None or minter.address != campaign.minter:
                continue  # the collection moved to another minter: its old campaigns are not claimable here
            out.append((campaign, symbol, minter.campaign(campaign.onchain_id), now))
    return out


# --- staff: allowlists ----------------------------------------------------------------------------------
@router.post("/staff/municipalities/{municipality_id}/allowlists", response_model=AllowlistOut, status_code=201,
             summary="Upload an allowlist CSV (UTF-8, UTF-8 with BOM or Shift_JIS)")
def upload_allowlist(municipality_id: int, staff: Editor, session: SessionDep,
                           file: Annotated[UploadFile, File(description="CSV: address[, price, limit]")]) -> AllowlistOut:
    """Every bad row is reported (Excel row numbers, English and Japanese) and nothing is stored."""
    data = file.file.read()  # a sync handler: runs in the thread pool, not on the event loop
    filename = file.filename or "allowlist.csv"
    try:
        rows, tree = store.read_allowlist_upload(data, filename)
    except CsvFileError as exc:
        raise csv_invalid(exc) from None
    write_transaction(session)
    allowlist = store.save_allowlist(session, municipality_id, filename, rows, tree, staff.id)
    session.commit()
    return AllowlistOut(id=allowlist.id, filename=allowlist.filename, count=allowlist.count, root=allowlist.root,
                        created_at=allowlist.created_at)


@router.get("/staff/municipalities/{municipality_id}/allowlists", response_model=list[AllowlistOut],
            summary="Uploaded allowlists")
def list_allowlists(municipality_id: int, staff: Viewer, session: SessionDep) -> list[AllowlistOut]:
    rows = session.scalars(select(Allowlist).where(Allowlist.municipality_id == municipality_id)
                           .order_by(Allowlist.id.desc()))
    return [AllowlistOut(id=a.id, filename=a.filename, count=a.count, root=a.root, created_at=a.created_at)
            for a in rows]


# --- staff: campaigns -----------------------------------------------------------------------------------
@router.get("/staff/municipalities/{municipality_id}/campaigns", response_model=list[CampaignOut],
            summary="The municipality's campaigns with their state on chain")
def list_campaigns(municipality_id: int, staff: Viewer, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep) -> list[CampaignOut]:
    campaigns = list(session.scalars(select(Campaign).where(Campaign.municipality_id == municipality_id)
                                     .order_by(Campaign.id.desc())))
    return [campaign_out(c, symbol, state, now) for c, symbol, state, now in _states(chain, settings, session, campaigns)]


@router.post("/staff/municipalities/{municipality_id}/campaigns", response_model=CampaignOut, status_code=201,
             summary="Create a campaign on chain (sent with the issuer key)")
def create_campaign(municipality_id: int, body: CampaignIn, staff: Editor, session: SessionDep, chain: ChainDep,
                    settings: SettingsDep, issuer: IssuerDep) -> CampaignOut:
    collection = find_collection(session, municipality_id, body.collection)
    symbol, collection_id = collection.symbol, collection.id
    root = None
    if body.allowlist_id is not None:
        allowlist = session.get(Allowlist, body.allowlist_id)
        if allowlist is None or allowlist.municipality_id != municipality_id:
            raise ApiError(404, "allowlist_not_found", f"No allowlist {body.allowlist_id} in this municipality.",
                           f"この自治体に許可リスト {body.allowlist_id} はありません。")
        root = allowlist.root
    minter = minter_of(chain, settings, symbol)
    settings_tuple = campaign_tuple(
        start=int(body.starts_at.timestamp()), end=int(body.ends_at.timestamp()), price=body.price_wei,
        supply=body.supply, max_per_wallet=body.wallet_limit, tier=body.tier,
        valid_for=(body.validity_days or 0) * DAY_SECONDS,
        expires_at=int(body.expires_at.timestamp()) if body.expires_at else 0, root=root, voucher=body.voucher)
    session.rollback()  # no transaction held open while the chain confirms
    with chain_calls():
        try:
            onchain_id, tx_hash = store.create_onchain(issuer, minter, settings_tuple)
        except store.Refusal as exc:
            raise refused(exc, 422 if exc.code.startswith("campaign_invalid") else 409) from None
    write_transaction(session)
    mode = "voucher" if body.voucher else "allowlist" if root else "open"
    campaign = Campaign(municipality_id=municipality_id, collection_id=collection_id, minter=minter.address,
                        onchain_id=onchain_id, name_ja=body.name_ja, name_en=body.name_en, mode=mode,
                        allowlist_id=body.allowlist_id, tx_hash=tx_hash, created_by=staff.id)
    session.add(campaign)
    session.commit()
    with chain_calls():
        return campaign_out(campaign, symbol, minter.campaign(onchain_id), minter.now())


def _set_state(municipality_id: int, campaign_id: int, action: str, session, chain, settings, issuer) -> CampaignOut:
    campaign = load_campaign(session, campaign_id, municipality_id)
    symbol = session.get(Collection, campaign.collection_id).symbol
    minter = minter_of(chain, settings, symbol)
    functions = minter.contract.functions
    call = {"pause": lambda: functions.setCampaignPaused(campaign.onchain_id, True),
            "resume": lambda: functions.setCampaignPaused(campaign.onchain_id, False),
            "close": lambda: functions.closeCampaign(campaign.onchain_id)}[action]()
    with chain_calls():
        try:
            store.send(issuer, call)
        except store.Refusal as exc:
            raise refused(exc) from None
        return campaign_out(campaign, symbol, minter.campaign(campaign.onchain_id), minter.now())


@router.post("/staff/municipalities/{municipality_id}/campaigns/{campaign_id}/pause", response_model=CampaignOut,
             summary="Pause claims (resume later)")
def pause_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep, issuer: IssuerDep) -> CampaignOut:
    return _set_state(municipality_id, campaign_id, "pause", session, chain, settings, issuer)


@router.post("/staff/municipalities/{municipality_id}/campaigns/{campaign_id}/resume", response_model=CampaignOut,
             summary="Resume a paused campaign")
def resume_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                    settings: SettingsDep, issuer: IssuerDep) -> CampaignOut:
    return _set_state(municipality_id, campaign_id, "resume", session, chain, settings, issuer)


@router.post("/staff/municipalities/{municipality_id}/campaigns/{campaign_id}/close", response_model=CampaignOut,
             summary="Close a campaign for good")
def close_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep, issuer: IssuerDep) -> CampaignOut:
    return _set_state(municipality_id, campaign_id, "close", session, chain, settings, issuer)


@router.post("/staff/municipalities/{municipality_id}/campaigns/{campaign_id}/vouchers", response_model=VoucherOut,
             status_code=201, summary="Sign a voucher for a wallet after the identity check")
def create_voucher(municipality_id: int, campaign_id: int, body: VoucherIn, staff: Editor, session: SessionDep,
                   chain: ChainDep, settings: SettingsDep, issuer: IssuerDep) -> VoucherOut:
    """The voucher carries the recipient's verified person (their nullifier: one card per person per collection,
    and the premium cap counts it); a wallet without a verified identity is refused."""
    campaign = load_campaign(session, campaign_id, municipality_id)
    if campaign.mode != "voucher":
        raise ApiError(409, "not_voucher_campaign", "This campaign is not a voucher campaign.",
                       "このキャンペーンはバウチャー方式ではありません。")
    person = identity_of(session, body.recipient)
    if person is None:
        raise ApiError(409, "recipient_not_verified", "This wallet's holder has not verified their identity: ask "
                       "them to verify it (My Number card) on the holder page with this wallet first.",
                       "このウォレットの方はまだ本人確認をしていません。住民証のページで、このウォレットで本人確認"
                       "（マイナンバーカード）をしてもらってください。")
    nullifier = person.nullifier
    minter = minter_of(chain, settings, session.get(Collection, campaign.collection_id).symbol)
    with chain_calls():
        state = minter.campaign(campaign.onchain_id)
        status = state.status(minter.now())
        if status in ("closed", "ended"):
            raise ApiError(409, f"campaign_{status}", "This campaign no longer accepts claims.",
                           "このキャンペーンは受け取りを終了しています。")
        try:
            voucher = store.sign_voucher(issuer, minter, campaign, state, body.recipient, nullifier, staff.id)
        except store.Refusal as exc:
            raise refused(exc) from None
        except VoucherError as exc:
            raise ApiError(422, "voucher_invalid", str(exc), f"バウチャーを作成できません: {exc}") from None
    write_transaction(session)
    check_voucher(session, nullifier, campaign.municipality_id, voucher.document["voucher"]["tier"], time.time())
    session.add(voucher)
    session.commit()
    return VoucherOut(id=voucher.id, campaign_id=campaign.id, recipient=voucher.recipient, deadline=voucher.deadline,
                      voucher=voucher.document)


# --- staff: airdrops ------------------------------------------------------------------------------------
@router.post("/staff/municipalities/{municipality_id}/airdrops", status_code=202,
             summary="Upload an airdrop list; the backend issues the cards in the background")
def create_airdrop(
    request: Request, municipality_id: int, staff: Editor, session: SessionDep, settings: SettingsDep,
    issuer: IssuerDep, file: Annotated[UploadFile, File(description="CSV: address[, tier]")],
    collection: Annotated[str, Form(description="The collection's symbol or id")],
    tier: Annotated[int, Form(ge=0, le=MAX_TIER)] = 0,
    validity_days: Annotated[int | None, Form(ge=1, le=36_500)] = None,
    batch_size: Annotated[int | None, Form(ge=1, le=5_000, description="At most this many cards per transaction")] = None,
) -> dict:
    """202 {id}: follow it at GET /staff/airdrops/{id}. Bad rows: 422 csv_invalid, nothing queued."""
    data = file.file.read()  # a sync handler: runs in the thread pool, not on the event loop
    filename = file.filename or "airdrop.csv"
    try:
        rows = parse_recipients(data, filename)
    except CsvFileError as exc:
        raise csv_invalid(exc) from None
    write_transaction(session)
    found = find_collection(session, municipality_id, collection)
    job = new_job(municipality_id, found, filename, rows, tier, validity_days, batch_size, settings.data_dir, staff.id)
    busy = session.scalar(select(AirdropJob.id).where(
        AirdropJob.collection_id == found.id, AirdropJob.list_sha256 == job.list_sha256,
        AirdropJob.status.in_((JOB_QUEUED, JOB_RUNNING))))
    if busy is not None:
        raise ApiError(409, "airdrop_running", f"This list is already being airdropped (job {busy}).",
                       f"このリストはすでにエアドロップ中です（ジョブ {busy}）。", job_id=busy)
    session.add(job)
    session.commit()
    request.app.state.airdrop_worker.wake()
    return {"id": job.id, "status": job.status, "total": job.total}


@router.get("/staff/municipalities/{municipality_id}/airdrops", summary="The municipality's airdrop jobs")
def list_airdrops(municipality_id: int, staff: Viewer, session: SessionDep) -> list[dict]:
    symbols = dict(session.execute(select(Collection.id, Collection.symbol)).all())
    jobs = session.scalars(select(AirdropJob).where(AirdropJob.municipality_id == municipality_id)
                           .order_by(AirdropJob.id.desc()).limit(100))
    return [job_json(j, symbols.get(j.collection_id, "")) for j in jobs]


def _job(session, job_id: int, staff: StaffMember, role: str) -> AirdropJob:
    job = session.get(AirdropJob, job_id)
    if job is None:
        raise ApiError(404, "airdrop_not_found", f"No airdrop {job_id}.", f"エアドロップ {job_id} はありません。")
    require_staff_role(staff, job.municipality_id, role)
    return job


@router.get("/staff/airdrops/{job_id}", summary="An airdrop's progress: status, counts, batches, errors")
def read_airdrop(job_id: int, staff: CurrentStaff, session: SessionDep) -> dict:
    job = _job(session, job_id, staff, "viewer")
    return job_json(job, session.get(Collection, job.collection_id).symbol)


@router.post("/staff/airdrops/{job_id}/retry", summary="Run a failed airdrop again: it resumes where it stopped")
def retry_airdrop(request: Request, job_id: int, staff: CurrentStaff, session: SessionDep, issuer: IssuerDep) -> dict:
    write_transaction(session)
    job = _job(session, job_id, staff, "staff")
    if job.status != JOB_FAILED:
        raise ApiError(409, "airdrop_not_failed", "Only a failed airdrop can be retried.",
                       "再試行できるのは失敗したエアドロップだけです。")
    job.status, job.errors, job.message_en, job.message_ja = JOB_QUEUED, [], "", ""
    session.commit()
    request.app.state.airdrop_worker.wake()
    return job_json(job, session.get(Collection, job.collection_id).symbol)


# --- public and holder ----------------------------------------------------------------------------------
@router.get("/campaigns", response_model=list[PublicCampaignOut], summary="Campaigns open for claims now")
def list_open_campaigns(session: SessionDep, chain: ChainDep, settings: SettingsDep) -> list[PublicCampaignOut]:
    campaigns = list(session.scalars(select(Campaign).order_by(Campaign.id)))
    return [PublicCampaignOut(id=c.id, collection=symbol, name_ja=c.name_ja, name_en=c.name_en, starts_at=state.start,
                              ends_at=state.end, price_wei=str(state.price), remaining=state.remaining, mode=c.mode)
            for c, symbol, state, now in _states(chain, settings, session, campaigns) if state.status(now) == OPEN]


@router.get("/me/campaigns/{campaign_id}/claim", response_model=ClaimOut,
            summary="Whether I can claim, and the transaction my wallet sends")
def read_my_claim(campaign_id: int, holder: CurrentHolder, session: SessionDep, chain: ChainDep,
                  settings: SettingsDep) -> ClaimOut:
    campaign = load_campaign(session, campaign_id)
    symbol = session.get(Collection, campaign.collection_id).symbol
    minter = minter_of(chain, settings, symbol)
    with chain_calls():
        offer = store.claim_offer(session, minter, campaign, holder.address)
    return ClaimOut(**offer.body(settings.chain_id))


@router.get("/me/vouchers", response_model=list[VoucherOut], summary="Vouchers the municipality signed for my wallet")
def read_my_vouchers(holder: CurrentHolder, session: SessionDep) -> list[VoucherOut]:
    """Signed vouchers still usable (deadline not passed), newest first; `GET /me/campaigns/{id}/claim` builds the
    transaction from them, this is for wallets and tools that submit a voucher themselves."""
    rows = session.scalars(select(CampaignVoucher).where(CampaignVoucher.recipient == holder.address,
                                                         CampaignVoucher.deadline >= int(time.time()))
                           .order_by(CampaignVoucher.id.desc()))
    return [VoucherOut(id=v.id, campaign_id=v.campaign_id, recipient=v.recipient, deadline=v.deadline,
                       voucher=v.document) for v in rows]


def include(app: FastAPI) -> None:
    worker = AirdropWorker(app.state.settings, app.state.session_factory, app.state.issuer)
    app.state.airdrop_worker = worker
    app.state.workers.append(worker)
    app.include_router(router)

