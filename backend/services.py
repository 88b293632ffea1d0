"""Every long-lived object the backend runs with, built once by `create_app` (backend/app.py).

Routes reach them through the typed dependencies in backend/api/deps.py (SessionDep, ChainDep,
IssuerDep, RedeemerDep, ...); background work (indexer, periodic jobs, airdrop worker) is started and
stopped by the app's lifespan. Tests may replace a field on the built object (a clock, a lookup, an
unconfigured issuer): routes read the fields at request time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backend.audit import recorder
from backend.audit.transactions import TransactionLog
from backend.auth import jobs as auth_jobs
from backend.auth.throttle import LoginThrottle, storage_for
from backend.campaigns.airdrop_jobs import AirdropWorker
from backend.cards import CardView
from backend.chain.client import Chain
from backend.chain.head import SharedHead
from backend.chain.indexer.indexer import IndexerThread
from backend.chain.issuer import Issuer, make_issuer, make_relayer
from backend.chain.roles import RoleCheck, backend_keys
from backend.civic import jobs as civic_jobs
from backend.civic.identity import NullifierLookup, verified_nullifier
from backend.content import CardContent, store_for
from backend.db import make_engine, session_factory
from backend.db.session import is_sqlite
from backend.identity.verifier import IdentityVerifier
from backend.residency import jobs as residency_jobs
from backend.residency.checkins import RotatingCode
from backend.settings import Settings
from backend.venues.desk_codes import DeskCodes
from backend.venues.passes import PassSigner
from backend.venues.redeem import Redeemer
from backend.workers.jobs import JobRunner
from backend.workers.leader import Leadership, elector_for
from backend.chain.outbox.worker import make_outbox_worker


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    chain: Chain
    health_chain: Chain  # /health answers within a second even when the RPC node hangs
    issuer: Issuer | None  # None without RESIDENT_ISSUER_SIGNER (or RESIDENT_ISSUER_KEY): chain writes answer 503
    pass_signer: PassSigner
    redeemer: Redeemer
    desk_codes: DeskCodes  # a pass's short code for a desk to type
    content: CardContent
    identity_verifier: IdentityVerifier | None  # None in production without RESIDENT_IDENTITY_SECRET
    activity_codes: RotatingCode
    indexer: IndexerThread
    jobs: JobRunner
    airdrop_worker: AirdropWorker
    login_throttle: LoginThrottle  # failed staff and venue sign-ins (counted by all API workers on PostgreSQL)
    # Objects with start() and stop(), run for the app's lifetime in the leader process only (besides the
    # indexer and the job thread): backend/workers/leader.py.
    workers: list = field(default_factory=list)
    leadership: Leadership | None = None
    # Which verified person a wallet is (per-person polls): the residency identity records.
    nullifier_of: NullifierLookup = verified_nullifier
    # The civic features' "now" (polls open and close by it); a test or a demo may move it.
    clock: Callable[[], float] = time.time
    card_image: Callable[[CardView], str] | None = None  # a card's image URL (rendered on first use)
    _redeem_engine: Engine | None = None
    # Sends and pays for sponsored claims (backend/campaigns/sponsored.py) with its own key and nonce
    # (RESIDENT_RELAYER_SIGNER; development: RESIDENT_RELAYER_KEY); None when neither is set.
    relayer: Issuer | None = None
    # Whether each of those keys holds exactly the contract roles it needs (/health warns otherwise).
    role_check: RoleCheck | None = None

    def close(self) -> None:
        if self._redeem_engine is not None:
            self._redeem_engine.dispose()
        self.engine.dispose()


def build_services(settings: Settings) -> Services:
    """Builds everything from `settings`; nothing is started (the app's lifespan does that)."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the SQLite file, journals, vouchers: private
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    recorder.install(sessions)  # every ORM change of a session carrying an actor goes to the audit log
    chain = Chain.of(settings)
    # A short timeout for what must answer now: /health, and the head a redeem is checked against.
    quick_chain = Chain.of(settings, timeout=1.0)
    issuer = make_issuer(settings)
    if issuer is not None:
        issuer.observer = TransactionLog(sessions)  # and every transaction the backend sends
    pass_signer = PassSigner(settings.pass_secret, settings.chain_id, ttl=settings.pass_lifetime)
    redeem_engine = None
    if not is_sqlite(engine):
        # The desk's scan owns a small pool without pre-ping: one round trip fewer per scan. A connection
        # the server dropped fails that one scan, and the redeemer invalidates it (see Redeemer._redeem).
        redeem_engine = make_engine(settings.database_url, pool_pre_ping=False, pool_size=4, max_overflow=4)
    content = CardContent(store_for(settings.data_dir), chain)
    airdrop_worker = AirdropWorker(settings, sessions, issuer)
    relayer = make_relayer(settings)
    throttle_storage = storage_for(engine)  # shared by the API workers on PostgreSQL
    if relayer is not None:
        relayer.observer = TransactionLog(sessions)
    outbox_worker = make_outbox_worker(settings, sessions, chain, issuer, relayer)  # None: RESIDENT_OUTBOX_ENABLED off
    services = Services(
        settings=settings, engine=engine, session_factory=sessions, chain=chain,
        health_chain=quick_chain, issuer=issuer, pass_signer=pass_signer,
        redeemer=Redeemer(redeem_engine or engine, pass_signer, stale_after=settings.stale_after,
                          head=SharedHead(quick_chain.head)),
        desk_codes=DeskCodes(engine, pass_signer, settings.pass_secret, settings.desk_code_guesses,
                             storage=throttle_storage),
        content=content, identity_verifier=IdentityVerifier.from_settings(settings),
        activity_codes=RotatingCode(settings.pass_secret),
        indexer=IndexerThread(settings, sessions),
        # Each domain declares its periodic jobs; they share one runner (and one loop, started by the app).
        jobs=JobRunner(settings, sessions, issuer,
                       [*residency_jobs.periodic_jobs(settings), *civic_jobs.periodic_jobs(settings),
                        *auth_jobs.periodic_jobs(settings)]),
        airdrop_worker=airdrop_worker,
        workers=[airdrop_worker, *([outbox_worker] if outbox_worker else [])], _redeem_engine=redeem_engine,
        leadership=Leadership(elector_for(settings.database_url), settings.leader_poll_seconds),
        login_throttle=LoginThrottle(settings.login_limits_per_login, settings.login_limits_per_address,
                                     storage=throttle_storage),
        relayer=relayer, role_check=RoleCheck(settings, sessions, quick_chain, backend_keys(issuer, relayer)))
    base = settings.public_url.rstrip("/")

    def card_image(card: CardView) -> str:
        with services.session_factory() as session:
            return f"{base}/ipfs/{services.content.image_cid(session, card)}"

    services.card_image = card_image
    return services
