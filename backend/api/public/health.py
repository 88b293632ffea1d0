"""GET /health: is the index current, is the chain reachable, is the database up."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, text

from backend.api.deps import HealthChainDep, SessionsDep, SettingsDep
from backend.cards import index_state
from backend.db.models_chain import Collection
from backend.errors import ChainError

router = APIRouter(tags=["public"])


class ContractInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    symbol: str
    address: str
    deploy_block: int
    indexed_block: int


class Health(BaseModel):
    status: str  # ok | degraded
    chain_id: int
    contracts: list[ContractInfo]
    indexed_block: int | None
    head_block: int | None
    lag: int | None  # head - indexed, in blocks
    stale: bool  # True when the index may be behind the chain (RPC down, indexer failing)
    staleness_seconds: float | None  # seconds since the index last caught up with the chain
    rpc_error: str | None
    indexer_error: str | None
    database: str  # ok, or the error


@router.get("/health", response_model=Health, summary="Index, chain and database status")
def read_health(settings: SettingsDep, sessions: SessionsDep, health_chain: HealthChainDep) -> Health:
    """Chain id, contracts, indexed and head block, lag and database status; never fails itself."""
    database, contracts, state = "ok", [], None
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
            contracts = [ContractInfo.model_validate(c) for c in session.scalars(
                select(Collection).where(Collection.chain_id == settings.chain_id).order_by(Collection.id))]
            state = index_state(session, settings.chain_id)
    except Exception as exc:  # the database being down is what /health reports, not a crash
        database = f"error: {type(exc).__name__}: {str(exc)[:200]}"

    head, rpc_error = None, None
    try:
        head = health_chain.head()
    except ChainError as exc:
        rpc_error = exc.reason[:300]

    indexed = state.indexed_block if state else None
    staleness = state.staleness() if state else None
    lag = head - indexed if head is not None and indexed is not None else None
    stale = (rpc_error is not None or staleness is None or staleness > settings.stale_after
             or (lag is not None and lag > settings.confirmations + max(2, int(5 / settings.poll_interval))))
    ok = database == "ok" and rpc_error is None and not stale
    return Health(status="ok" if ok else "degraded", chain_id=settings.chain_id, contracts=contracts,
                  indexed_block=indexed, head_block=head, lag=lag, stale=stale,
                  staleness_seconds=round(staleness, 3) if staleness is not None else None,
                  rpc_error=rpc_error, indexer_error=state.error if state else None, database=database)
