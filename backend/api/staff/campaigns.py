"""Campaigns run by staff: allowlist uploads, campaigns on chain (sent with the issuer key), vouchers,
airdrop jobs."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from backend.api.deps import (
    AirdropWorkerDep, ChainDep, CurrentStaff, Editor, IssuerDep, SessionDep, SettingsDep, Viewer, require_staff_role,
)
from backend.api.idempotency import IdempotencyKey, request_key
from backend.api.schemas import VoucherOut, voucher_out
from backend.auth.staff import StaffMember
from backend.campaigns import service as campaigns
from backend.campaigns import store
from backend.campaigns.airdrop import AirdropError, journal_path, list_digest, preview
from backend.campaigns.airdrop_jobs import job_json, new_job, problems_json
from backend.campaigns.csvfile import CsvFileError, parse_recipients
from backend.campaigns.minters import DAY_SECONDS, CampaignState, campaign_tuple
from backend.campaigns.service import chain_calls, find_collection, load_campaign, minter_of
from backend.campaigns import vouchers
from backend.campaigns.precheck import refuse_unless_claimable
from backend.campaigns.vouchers import VoucherError
from backend.chain.client import ContractReverted
from backend.chain.deployments import card_record, contract_for
from backend.db.models_campaigns import AirdropJob, Campaign
from backend.db.models_chain import Collection
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.identity.verifier import identity_of
from backend.messages import text
from backend.residency.premium import check_voucher

router = APIRouter(prefix="/staff", tags=["staff"])

MAX_TIER = 127
MAX_SUPPLY = 2**24 - 1
MAX_PER_WALLET = 2**16 - 1
MAX_PRICE_WEI = 2**80 - 1


# A file of bad rows gets the first problems and their count, never an answer many times its size (a 1 MB
# file of bad rows had a 93 MB answer listing all 250,000 problems).
ANSWERED_PROBLEMS = 200


def csv_invalid(exc: CsvFileError) -> Refusal:
    """422 with the first ANSWERED_PROBLEMS problems in `errors` and how many there are in `error_count`."""
    return Refusal("csv_invalid", count=len(exc.problems), extra={
        "errors": problems_json(exc.problems[:ANSWERED_PROBLEMS]), "error_count": len(exc.problems)})


# --- allowlists ------------------------------------------------------------------------------------------
class AllowlistOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    count: int
    root: str
    created_at: int


@router.post("/municipalities/{municipality_id}/allowlists", response_model=AllowlistOut, status_code=201,
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
    return AllowlistOut.model_validate(allowlist)


@router.get("/municipalities/{municipality_id}/allowlists", response_model=list[AllowlistOut],
            summary="Uploaded allowlists")
def list_allowlists(municipality_id: int, staff: Viewer, session: SessionDep) -> list[AllowlistOut]:
    """The municipality's allowlists, newest first."""
    return [AllowlistOut.model_validate(a) for a in campaigns.allowlists_of(session, municipality_id)]


# --- campaigns ------------------------------------------------------------------------------------------
class CampaignOut(BaseModel):
    id: int = Field(description="The record's handle in URLs (/campaigns/{id}/pause, ...); not a number to show")
    onchain_id: int = Field(description="The campaign number: its id on the collection's minter, as the holder page, "
                            "the scripts and the chain say it")
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


def campaign_out(campaign: Campaign, symbol: str, state: CampaignState, now: int) -> CampaignOut:
    return CampaignOut(
        id=campaign.id, onchain_id=campaign.onchain_id, collection=symbol, collection_id=campaign.collection_id,
        minter=campaign.minter, name_ja=campaign.name_ja, name_en=campaign.name_en, mode=campaign.mode,
        allowlist_id=campaign.allowlist_id, starts_at=state.start, ends_at=state.end, price_wei=str(state.price),
        supply=state.supply, claimed=state.claimed, remaining=state.remaining, wallet_limit=state.max_per_wallet,
        tier=state.tier, validity_days=state.valid_for // DAY_SECONDS if state.valid_for else None,
        expires_at=state.expires_at or None, status=state.status(now), tx_hash=campaign.tx_hash,
        created_at=campaign.created_at)


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
            raise PydanticCustomError("campaign_ends_before_start", text("campaign_ends_before_start", "en"))
        if self.validity_days is not None and self.expires_at is not None:
            raise PydanticCustomError("campaign_validity_and_expiry", text("campaign_validity_and_expiry", "en"))
        if self.voucher and self.allowlist_id is not None:
            raise PydanticCustomError("voucher_campaign_allowlist", text("voucher_campaign_allowlist", "en"))
        return self


@router.get("/municipalities/{municipality_id}/campaigns", response_model=list[CampaignOut],
            summary="The municipality's campaigns with their state on chain")
def list_campaigns(municipality_id: int, staff: Viewer, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep) -> list[CampaignOut]:
    """The municipality's campaigns, newest first, as their minter on chain has them now."""
    rows = campaigns.campaigns_of(session, municipality_id)
    return [campaign_out(c, symbol, state, now)
            for c, symbol, state, now in campaigns.campaign_states(chain, settings, session, rows)]


@router.post("/municipalities/{municipality_id}/campaigns", response_model=CampaignOut, status_code=201,
             summary="Create a campaign on chain (sent with the issuer key)")
def create_campaign(municipality_id: int, body: CampaignIn, staff: Editor, session: SessionDep, chain: ChainDep,
                    settings: SettingsDep, issuer: IssuerDep,
                    idempotency_key: IdempotencyKey = None) -> CampaignOut:
    """Creates the campaign on the collection's minter, then keeps its record. The same request again (the same
    Idempotency-Key, or without one the same fields) answers with the first one's campaign: sent once."""
    collection = find_collection(session, municipality_id, body.collection)
    symbol, collection_id = collection.symbol, collection.id
    root = None
    if body.allowlist_id is not None:
        root = campaigns.allowlist_root(session, municipality_id, body.allowlist_id)
    minter = minter_of(chain, settings, symbol)
    settings_tuple = campaign_tuple(
        start=int(body.starts_at.timestamp()), end=int(body.ends_at.timestamp()), price=body.price_wei,
        supply=body.supply, max_per_wallet=body.wallet_limit, tier=body.tier,
        valid_for=(body.validity_days or 0) * DAY_SECONDS,
        expires_at=int(body.expires_at.timestamp()) if body.expires_at else 0, root=root, voucher=body.voucher)
    session.rollback()  # no transaction held open while the chain confirms
    with chain_calls():
        # A revert is a Refusal: 422 for settings the minter rejects (campaign_invalid_*), else 409.
        key = request_key("campaign-create", municipality_id, staff.id, given=idempotency_key,
                          body=body.model_dump(mode="json"))
        onchain_id, tx_hash = store.create_onchain(issuer, minter, settings_tuple, key, municipality_id)
    write_transaction(session)
    campaign = campaigns.record_campaign(
        session, municipality_id=municipality_id, collection_id=collection_id, minter=minter.address,
        onchain_id=onchain_id, name_ja=body.name_ja, name_en=body.name_en,
        mode="voucher" if body.voucher else "allowlist" if root else "open", allowlist_id=body.allowlist_id,
        tx_hash=tx_hash, staff_id=staff.id)
    session.commit()
    with chain_calls():
        return campaign_out(campaign, symbol, minter.campaign(onchain_id), minter.now())


def _set_state(municipality_id: int, campaign_id: int, action: str, session, chain, settings, issuer,
               staff_id: int, idempotency_key: str | None) -> CampaignOut:
    campaign = load_campaign(session, campaign_id, municipality_id)
    symbol = campaigns.symbol_of(session, campaign)
    minter = minter_of(chain, settings, symbol)
    functions = minter.contract.functions
    call = {"pause": lambda: functions.setCampaignPaused(campaign.onchain_id, True),
            "resume": lambda: functions.setCampaignPaused(campaign.onchain_id, False),
            "close": lambda: functions.closeCampaign(campaign.onchain_id)}[action]()
    # Closing is once for good: its ids are its key. Pause and resume alternate, so only a client's key
    # makes a second submission of the same one the same transaction.
    key = (request_key("campaign-close", municipality_id, campaign.id) if action == "close" else
           request_key(f"campaign-{action}", municipality_id, staff_id, campaign.id,
                       given=idempotency_key) if idempotency_key else None)
    with chain_calls():
        store.send(issuer, call, key, municipality_id)
        return campaign_out(campaign, symbol, minter.campaign(campaign.onchain_id), minter.now())


@router.post("/municipalities/{municipality_id}/campaigns/{campaign_id}/pause", response_model=CampaignOut,
             summary="Pause claims (resume later)")
def pause_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep, issuer: IssuerDep, idempotency_key: IdempotencyKey = None) -> CampaignOut:
    """Pauses claims on chain."""
    return _set_state(municipality_id, campaign_id, "pause", session, chain, settings, issuer, staff.id,
                      idempotency_key)


@router.post("/municipalities/{municipality_id}/campaigns/{campaign_id}/resume", response_model=CampaignOut,
             summary="Resume a paused campaign")
def resume_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                    settings: SettingsDep, issuer: IssuerDep, idempotency_key: IdempotencyKey = None) -> CampaignOut:
    """Resumes claims on chain."""
    return _set_state(municipality_id, campaign_id, "resume", session, chain, settings, issuer, staff.id,
                      idempotency_key)


@router.post("/municipalities/{municipality_id}/campaigns/{campaign_id}/close", response_model=CampaignOut,
             summary="Close a campaign for good")
def close_campaign(municipality_id: int, campaign_id: int, staff: Editor, session: SessionDep, chain: ChainDep,
                   settings: SettingsDep, issuer: IssuerDep, idempotency_key: IdempotencyKey = None) -> CampaignOut:
    """Closes the campaign on chain; it cannot be reopened."""
    return _set_state(municipality_id, campaign_id, "close", session, chain, settings, issuer, staff.id,
                      idempotency_key)


# --- vouchers -------------------------------------------------------------------------------------------
class VoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recipient: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="The wallet of a holder who verified "
                           "their identity with it (My Number card, on the holder page); the voucher carries "
                           "that person's nullifier")


@router.post("/municipalities/{municipality_id}/campaigns/{campaign_id}/vouchers", response_model=VoucherOut,
             status_code=201, summary="Sign a voucher for a wallet after the identity check")
def create_voucher(municipality_id: int, campaign_id: int, body: VoucherIn, staff: Editor, session: SessionDep,
                   chain: ChainDep, settings: SettingsDep, issuer: IssuerDep) -> VoucherOut:
    """The voucher carries the recipient's verified person (their nullifier: one card per person per collection,
    and the premium cap counts it); a wallet without a verified identity is refused."""
    campaign = load_campaign(session, campaign_id, municipality_id)
    if campaign.mode != "voucher":
        raise Refusal("not_voucher_campaign")
    person = identity_of(session, body.recipient)
    if person is None:
        raise Refusal("recipient_not_verified")
    nullifier = person.nullifier
    minter = minter_of(chain, settings, session.get(Collection, campaign.collection_id).symbol)
    with chain_calls():
        state = minter.campaign(campaign.onchain_id)
        status = state.status(minter.now())
        if status in ("closed", "ended"):
            raise Refusal("campaign_closed" if status == "closed" else "campaign_ended")
        try:
            voucher = store.sign_voucher(issuer, minter, campaign, state, body.recipient, nullifier, staff.id)
        except VoucherError as exc:
            raise Refusal("voucher_invalid", reason=str(exc)) from None
        refuse_unless_claimable(minter, *vouchers.from_json(voucher.document), issuer.address)
    write_transaction(session)
    check_voucher(session, nullifier, campaign.municipality_id, voucher.document["voucher"]["tier"], time.time())
    session.add(voucher)
    session.commit()
    return voucher_out(voucher)


# --- airdrops -------------------------------------------------------------------------------------------
class AirdropQueuedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
    total: int


class AirdropOut(BaseModel):
    id: int
    municipality_id: int
    collection: str
    filename: str
    status: str = Field(description="queued, running, done or failed")
    total: int
    done: int
    failed: int
    skipped: int
    tier: int
    validity_days: int | None
    batches: list[dict] = Field(description="[{index, tx_hash, count, status}] of the batches sent so far")
    errors: list[dict] = Field(description="[{row, column, cell, message_en, message_ja}]")
    message_en: str
    message_ja: str
    created_at: int
    updated_at: int


def airdrop_out(job: AirdropJob, symbol: str) -> AirdropOut:
    return AirdropOut(**job_json(job, symbol))


@router.post("/municipalities/{municipality_id}/airdrops", response_model=AirdropQueuedOut, status_code=202,
             summary="Upload an airdrop list; the backend issues the cards in the background")
def create_airdrop(
    municipality_id: int, staff: Editor, session: SessionDep, settings: SettingsDep, issuer: IssuerDep,
    worker: AirdropWorkerDep, file: Annotated[UploadFile, File(description="CSV: address[, tier]")],
    collection: Annotated[str, Form(description="The collection's symbol or id")],
    tier: Annotated[int, Form(ge=0, le=MAX_TIER)] = 0,
    validity_days: Annotated[int | None, Form(ge=1, le=36_500)] = None,
    batch_size: Annotated[int | None, Form(ge=1, le=5_000, description="At most this many cards per transaction")] = None,
) -> AirdropQueuedOut:
    """202 {id}: follow it at GET /staff/airdrops/{id}. Bad rows: 422 csv_invalid, nothing queued."""
    data = file.file.read()  # a sync handler: runs in the thread pool, not on the event loop
    filename = file.filename or "airdrop.csv"
    try:
        rows = parse_recipients(data, filename)
    except CsvFileError as exc:
        raise csv_invalid(exc) from None
    write_transaction(session)
    found = find_collection(session, municipality_id, collection)
    job = campaigns.queue_airdrop(session, new_job(municipality_id, found, filename, rows, tier, validity_days,
                                                   batch_size, settings.data_dir, staff.id))
    session.commit()
    worker.wake()
    return AirdropQueuedOut.model_validate(job)


class SkippedWalletOut(BaseModel):
    line: int = Field(description="The wallet's line in the CSV file")
    address: str
    reason: str = Field(description="Why, as the journal records it (English)")
    message_en: str
    message_ja: str


class AirdropDryRunOut(BaseModel):
    cards: int = Field(description="Cards that would be issued")
    batches: int
    largest_batch: int
    skipped: int = Field(description="Wallets that would be skipped (all of them, however many are listed)")
    skipped_wallets: list[SkippedWalletOut] = Field(description="The first 200 skipped wallets, each with why")
    total_gas: int
    cost: str = Field(description="Estimated cost in the chain's currency (decimal)")
    token: str
    message_en: str
    message_ja: str


@router.post("/municipalities/{municipality_id}/airdrops/dry-run", response_model=AirdropDryRunOut,
             summary="Try an airdrop list out: what would be sent, its cost, and who would be skipped and why")
def dry_run_airdrop(
    municipality_id: int, staff: Editor, session: SessionDep, settings: SettingsDep, issuer: IssuerDep,
    file: Annotated[UploadFile, File(description="CSV: address[, tier]")],
    collection: Annotated[str, Form(description="The collection's symbol or id")],
    tier: Annotated[int, Form(ge=0, le=MAX_TIER)] = 0,
    validity_days: Annotated[int | None, Form(ge=1, le=36_500)] = None,
    batch_size: Annotated[int | None, Form(ge=1, le=5_000, description="At most this many cards per transaction")] = None,
) -> AirdropDryRunOut:
    """Sends nothing and saves nothing. Bad rows: 422 csv_invalid, as the airdrop itself would answer."""
    try:
        rows = parse_recipients(file.file.read(), file.filename or "airdrop.csv")
    except CsvFileError as exc:
        raise csv_invalid(exc) from None
    found = find_collection(session, municipality_id, collection)
    record = card_record(settings.deployments_dir, found.symbol)
    if record is None:
        raise Refusal("airdrop_dry_run_no_record", symbol=found.symbol)
    journal = journal_path(found.chain_id, found.symbol, list_digest(rows), settings.data_dir)
    try:
        with chain_calls():
            try:
                plan = preview(issuer, contract_for(issuer.chain, record), rows, journal=journal, tier=tier,
                               validity_days=validity_days, max_batch_size=batch_size)
            except ContractReverted as exc:  # the card refused the gas estimate: the list, not a node that is down
                raise Refusal("airdrop_dry_run_refused", reason=str(exc.revert)) from None
    except CsvFileError as exc:
        raise csv_invalid(exc) from None
    except AirdropError as exc:
        raise Refusal("airdrop_dry_run_refused", reason=str(exc)) from None
    summary = plan.summary()
    skipped = [SkippedWalletOut(**w, message_en=said.en, message_ja=said.ja)
               for w, said in zip(plan.skipped_wallets[:ANSWERED_PROBLEMS], plan.skipped_texts())]
    return AirdropDryRunOut(cards=plan.cards, batches=plan.batches, largest_batch=plan.largest_batch,
                            skipped=plan.skipped, skipped_wallets=skipped, total_gas=plan.total_gas,
                            cost=f"{plan.cost:f}", token=plan.token,
                            message_en=summary.en, message_ja=summary.ja)


@router.get("/municipalities/{municipality_id}/airdrops", response_model=list[AirdropOut],
            summary="The municipality's airdrop jobs")
def list_airdrops(municipality_id: int, staff: Viewer, session: SessionDep) -> list[AirdropOut]:
    """The municipality's last 100 airdrops, newest first."""
    return [airdrop_out(job, symbol) for job, symbol in campaigns.airdrops_of(session, municipality_id)]


def _job(session, job_id: int, staff: StaffMember, role: str) -> AirdropJob:
    job = campaigns.get_airdrop(session, job_id)
    require_staff_role(staff, job.municipality_id, role)
    return job


@router.get("/airdrops/{job_id}", response_model=AirdropOut,
            summary="An airdrop's progress: status, counts, batches, errors")
def read_airdrop(job_id: int, staff: CurrentStaff, session: SessionDep) -> AirdropOut:
    """One airdrop's progress."""
    job = _job(session, job_id, staff, "viewer")
    return airdrop_out(job, campaigns.airdrop_symbol(session, job))


@router.post("/airdrops/{job_id}/retry", response_model=AirdropOut,
             summary="Run a failed airdrop again: it resumes where it stopped")
def retry_airdrop(job_id: int, staff: CurrentStaff, session: SessionDep, issuer: IssuerDep,
                  worker: AirdropWorkerDep) -> AirdropOut:
    """Queues a failed airdrop again."""
    write_transaction(session)
    job = campaigns.requeue_airdrop(_job(session, job_id, staff, "staff"))
    session.commit()
    worker.wake()
    return airdrop_out(job, campaigns.airdrop_symbol(session, job))
