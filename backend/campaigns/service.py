"""Campaign records and their state on chain as every audience's routes read them, and the records staff
keep: allowlists, campaigns, vouchers, airdrop jobs. Chain calls go through `chain_calls()`, which turns an
unreachable or failing RPC node into a 503 the console can show. Functions flush; the caller commits.

Deciding and sending (allowlist trees, campaigns on chain, vouchers, claims) is backend/campaigns/store.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.campaigns.minters import CampaignState, Minter
from backend.db.models_campaigns import (
    JOB_FAILED, JOB_QUEUED, JOB_RUNNING, AirdropJob, Allowlist, Campaign, CampaignVoucher,
)
from backend.db.models_chain import Collection
from backend.errors import ChainError, Refusal


@contextmanager
def chain_calls() -> Iterator[None]:
    """Turns an unreachable or failing RPC node into a 503 the console can show."""
    try:
        yield
    except (ChainError, requests.RequestException, OSError) as exc:
        raise Refusal("chain_unavailable", detail="chain_reason", reason=type(exc).__name__) from None


def find_collection(session, municipality_id: int, ref: str | int) -> Collection:
    """The municipality's collection by symbol or id; 404 otherwise."""
    query = select(Collection).where(Collection.municipality_id == municipality_id)
    text = str(ref).strip()
    query = query.where(Collection.id == int(text)) if text.isdigit() else query.where(Collection.symbol == text)
    collection = session.scalar(query)
    if collection is None:
        raise Refusal("collection_not_found", collection_id=text)
    return collection


def minter_of(chain, settings, symbol: str) -> Minter:
    minter = Minter.of(chain, settings.deployments_dir, symbol)
    with chain_calls():
        if minter is None or not minter.deployed():
            raise Refusal("minter_missing", symbol=symbol)
    return minter


def load_campaign(session, campaign_id: int, municipality_id: int | None = None) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (municipality_id is not None and campaign.municipality_id != municipality_id):
        raise Refusal("campaign_not_found", campaign_id=campaign_id)
    return campaign


def campaign_states(chain, settings, session, campaigns: list[Campaign]) -> list[tuple[Campaign, str, CampaignState, int]]:
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


def allowlists_of(session: Session, municipality_id: int) -> list[Allowlist]:
    """The municipality's uploaded allowlists, newest first."""
    return list(session.scalars(select(Allowlist).where(Allowlist.municipality_id == municipality_id)
                                .order_by(Allowlist.id.desc())))


def allowlist_root(session: Session, municipality_id: int, allowlist_id: int) -> str:
    """The Merkle root of the municipality's allowlist `allowlist_id`; 404 for another's."""
    allowlist = session.get(Allowlist, allowlist_id)
    if allowlist is None or allowlist.municipality_id != municipality_id:
        raise Refusal("allowlist_not_found", allowlist_id=allowlist_id)
    return allowlist.root


def campaigns_of(session: Session, municipality_id: int) -> list[Campaign]:
    """The municipality's campaigns, newest first."""
    return list(session.scalars(select(Campaign).where(Campaign.municipality_id == municipality_id)
                                .order_by(Campaign.id.desc())))


def all_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def symbol_of(session: Session, campaign: Campaign) -> str:
    return session.get(Collection, campaign.collection_id).symbol


def record_campaign(session: Session, *, municipality_id: int, collection_id: int, minter: str, onchain_id: int,
                    name_ja: str, name_en: str, mode: str, allowlist_id: int | None, tx_hash: str,
                    staff_id: int | None) -> Campaign:
    """Keeps the campaign just created on chain (`staff_id` None: by scripts/campaign.py); flushes, does not
    commit. The same request again (its idempotency key found the first transaction, so the same on-chain id)
    gets the campaign the first one kept."""
    same = select(Campaign).where(Campaign.minter == minter, Campaign.onchain_id == onchain_id)
    existing = session.scalar(same)
    if existing is not None:
        return existing
    campaign = Campaign(municipality_id=municipality_id, collection_id=collection_id, minter=minter,
                        onchain_id=onchain_id, name_ja=name_ja, name_en=name_en, mode=mode,
                        allowlist_id=allowlist_id, tx_hash=tx_hash, created_by=staff_id)
    try:
        with session.begin_nested():
            session.add(campaign)
            session.flush()
    except IntegrityError:  # the twin request kept it meanwhile
        return session.scalar(same)
    return campaign


def usable_vouchers(session: Session, holder: str, now: int) -> list[CampaignVoucher]:
    """Vouchers signed for `holder` whose deadline has not passed, newest first."""
    return list(session.scalars(select(CampaignVoucher).where(CampaignVoucher.recipient == holder,
                                                              CampaignVoucher.deadline >= now)
                                .order_by(CampaignVoucher.id.desc())))


# --- airdrops -------------------------------------------------------------------------------------------
def queue_airdrop(session: Session, job: AirdropJob) -> AirdropJob:
    """Queues `job` unless the same list is already being airdropped to the collection (409 with its id)."""
    busy = session.scalar(select(AirdropJob.id).where(
        AirdropJob.collection_id == job.collection_id, AirdropJob.list_sha256 == job.list_sha256,
        AirdropJob.status.in_((JOB_QUEUED, JOB_RUNNING))))
    if busy is not None:
        raise Refusal("airdrop_running", job_id=busy, extra={"job_id": busy})
    session.add(job)
    session.flush()
    return job


def airdrops_of(session: Session, municipality_id: int, limit: int = 100) -> list[tuple[AirdropJob, str]]:
    """The municipality's last airdrop jobs with their collection's symbol, newest first."""
    symbols = dict(session.execute(select(Collection.id, Collection.symbol)).all())
    jobs = session.scalars(select(AirdropJob).where(AirdropJob.municipality_id == municipality_id)
                           .order_by(AirdropJob.id.desc()).limit(limit))
    return [(job, symbols.get(job.collection_id, "")) for job in jobs]


def get_airdrop(session: Session, job_id: int) -> AirdropJob:
    job = session.get(AirdropJob, job_id)
    if job is None:
        raise Refusal("airdrop_not_found", job_id=job_id)
    return job


def airdrop_symbol(session: Session, job: AirdropJob) -> str:
    return session.get(Collection, job.collection_id).symbol


def requeue_airdrop(job: AirdropJob) -> AirdropJob:
    """Queues a failed job again: the worker resumes it where it stopped (its journal says where)."""
    if job.status != JOB_FAILED:
        raise Refusal("airdrop_not_failed")
    job.status, job.errors, job.message_en, job.message_ja = JOB_QUEUED, [], "", ""
    return job
