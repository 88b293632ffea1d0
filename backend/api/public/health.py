"""GET /health: is the index current, is the chain reachable, is the database up (200 when all is well,
503 when anything is degraded, for load balancers); GET /health/live: the process answers (always 200).

What the body says about a failure is redacted: ChainError's reason (backend/chain/redaction.py) and the
database error (backend/db/session.py) never carry a URL's key or password.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, text

from backend.api.deps import HealthChainDep, ServicesDep, SessionsDep, SettingsDep
from backend.cards import index_state
from backend.db.models_chain import Collection
from backend.db.session import describe_database_error
from backend.errors import ChainError
from backend.messages import texts

router = APIRouter(tags=["public"])


class ContractInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    symbol: str
    address: str
    deploy_block: int
    indexed_block: int


class Problem(BaseModel):
    """One thing that is degraded, in plain words."""

    code: str
    message_en: str
    message_ja: str


class Health(BaseModel):
    status: str  # ok | degraded
    problems: list[Problem]  # what is degraded (empty when ok)
    chain_id: int
    contracts: list[ContractInfo]
    indexed_block: int | None
    head_block: int | None
    lag: int | None  # head - indexed, in blocks
    stale: bool  # True when the index may be behind the chain (RPC down, indexer failing)
    staleness_seconds: float | None  # seconds since the index last caught up with the chain
    rpc_error: str | None
    rpc_endpoint: str  # the RPC endpoint in use, by position and host only ("#2 rpc.example.org"): no key
    indexer_error: str | None
    database: str  # ok, or the error
    # The backend's keys holding a contract role they should not, or lacking one they need (backend/chain/
    # roles.py): to fix, but the backend still serves (not degraded).
    key_roles: list[Problem] = []


class Liveness(BaseModel):
    status: str  # always "alive": the process runs and serves requests


def _problem(code: str, **values) -> Problem:
    said = texts(code, **values)
    return Problem(code=code, message_en=said.en, message_ja=said.ja)


@router.get("/health", response_model=Health, summary="Index, chain and database status (503 when degraded)",
            responses={503: {"model": Health, "description": "Something is degraded; `problems` says what"}})
def read_health(settings: SettingsDep, sessions: SessionsDep, health_chain: HealthChainDep, services: ServicesDep,
                response: Response) -> Health:
    """Chain id, contracts, indexed and head block, lag and database status; never fails itself.

    503 (same body) while the database or the chain's node does not answer or the index is behind."""
    database, contracts, state = "ok", [], None
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
            contracts = [ContractInfo.model_validate(c) for c in session.scalars(
                select(Collection).where(Collection.chain_id == settings.chain_id).order_by(Collection.id))]
            state = index_state(session, settings.chain_id)
    except Exception as exc:  # the database being down is what /health reports, not a crash
        database = "error: " + describe_database_error(exc, settings.database_url)[:200]

    head, final, rpc_error = None, None, None
    try:
        head = health_chain.head()
        # What the index follows (backend/chain/indexer/indexer.py `_final`): on a chain with a finalized tag
        # the index is rightly minutes behind the head, and is behind only when behind that block.
        if settings.finality == "none":
            final = head - settings.confirmations
        else:
            tagged = health_chain.block(settings.finality)
            final = -1 if tagged is None else min(tagged.number, head)
    except ChainError as exc:
        rpc_error = exc.reason[:300]

    indexed = state.indexed_block if state else None
    staleness = state.staleness() if state else None
    lag = head - indexed if head is not None and indexed is not None else None
    behind = final is not None and indexed is not None and final - indexed > max(2, int(5 / settings.poll_interval))
    stale = rpc_error is not None or staleness is None or staleness > settings.stale_after or behind

    problems = []
    if database != "ok":
        problems.append(_problem("health_database_down"))
    if rpc_error is not None:
        problems.append(_problem("health_chain_down"))
    if database == "ok" and staleness is None:
        problems.append(_problem("health_index_not_caught_up"))
    elif staleness is not None and staleness > settings.stale_after:
        problems.append(_problem("health_index_stale", seconds=int(staleness)))
    if behind:
        problems.append(_problem("health_index_behind", blocks=lag))
    if problems:
        response.status_code = 503
    return Health(status="degraded" if problems else "ok", problems=problems, chain_id=settings.chain_id,
                  contracts=contracts, indexed_block=indexed, head_block=head, lag=lag, stale=stale,
                  staleness_seconds=round(staleness, 3) if staleness is not None else None,
                  rpc_error=rpc_error, rpc_endpoint=health_chain.endpoint_in_use,
                  indexer_error=state.error if state else None, database=database,
                  key_roles=_key_roles(services) if rpc_error is None and database == "ok" else [])


def _key_roles(services) -> list[Problem]:
    check = getattr(services, "role_check", None)
    findings = check.findings() if check is not None else []
    return [_problem(f"health_key_{'shared' if f.kind == 'shared' else 'role_' + f.kind}", key=f.key,
                     address=f.address, contract=f.contract, contract_address=f.contract_address, role=f.role)
            for f in findings]


@router.get("/health/live", response_model=Liveness, summary="Liveness: 200 while the process serves requests")
def read_liveness() -> Liveness:
    """Touches neither the database nor the chain: a degraded backend is alive (see GET /health for readiness)."""
    return Liveness(status="alive")
