"""The app factory: `create_app(settings)` builds the FastAPI app; its lifespan migrates the
database and runs the chain indexer in a background thread.

    uvicorn backend.app:create_app --factory      (settings from RESIDENT_* / .env)

Every error answer is JSON {"detail": <English>, "code": <stable code>, "message_en", "message_ja"}, made by
backend/api/handlers.py.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.api.handlers import BodyLimit, install_error_handlers
from backend.chain.client import Chain
from backend.db import make_engine, migrate, session_factory
from backend.chain.indexer.indexer import IndexerThread
from backend.chain.issuer import make_issuer
from backend.civic import jobs as civic_jobs
from backend.residency import jobs as residency_jobs
from backend.workers.jobs import JobRunner, job_loop
from backend.settings import Settings

def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.auto_migrate:
            migrate(settings.database_url)
        indexer = app.state.indexer
        if settings.indexer_enabled:
            indexer.start()
        if settings.jobs_enabled:
            job_thread.start()
        for worker in app.state.workers:  # background workers areas register (airdrop jobs)
            worker.start()
        try:
            yield
        finally:
            for worker in app.state.workers:
                worker.stop()
            job_thread.stop()
            indexer.stop()
            engine.dispose()

    app = FastAPI(title="resident", version="0.1.0", lifespan=lifespan,
                  description="Digital resident cards: chain index, holder sign-in, perks, venue verification.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.chain = Chain(settings.rpc_url)
    # /health answers within a second even when the RPC node hangs.
    app.state.health_chain = Chain(settings.rpc_url, timeout=1.0)
    app.state.indexer = IndexerThread(settings, app.state.session_factory)
    app.state.issuer = make_issuer(settings)
    # Each domain declares its periodic jobs; they all share one runner and one loop.
    app.state.jobs = JobRunner(settings, app.state.session_factory, app.state.issuer,
                               [*residency_jobs.periodic_jobs(settings), *civic_jobs.periodic_jobs(settings)])
    job_thread = job_loop(app.state.jobs, settings.jobs_interval)
    app.state.workers = []  # objects with start() and stop(), run for the app's lifetime
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    from backend.api import include_routers

    include_routers(app)
    return app
