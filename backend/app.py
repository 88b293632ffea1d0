"""The app factory: `create_app(settings)` builds the services (backend/services.py) and the FastAPI app
with its routers (backend/api/__init__.py); its lifespan migrates the database and runs the chain
indexer, the periodic jobs and the workers in background threads.

    uvicorn backend.app:create_app --factory      (settings from RESIDENT_* / .env)

Every error answer is JSON {"detail": <English>, "code": <stable code>, "message_en", "message_ja"}, made by
backend/api/handlers.py.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.api import include_routers
from backend.api.evidence import BODY_LIMITS
from backend.api.handlers import BodyLimit, install_error_handlers
from backend.api.origin import SameOrigin
from backend.api.venue import RedeemFastPath
from backend.db import migrate
from backend.services import build_services
from backend.settings import Settings
from backend.web import api_docs, pages
from backend.workers.jobs import job_loop


def create_app(settings: Settings | None = None) -> FastAPI:
    """settings → services → routers → lifespan: the one place the backend is wired."""
    settings = settings or Settings()
    services = build_services(settings)
    job_thread = job_loop(services.jobs, settings.jobs_interval)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.auto_migrate:
            migrate(settings.database_url)
        # The background work runs only in the leader process (backend/workers/leader.py): on PostgreSQL one
        # of all the processes, on SQLite each (their leases decide). services.workers: airdrop jobs, and
        # whatever else must run once per deployment.
        leadership = services.leadership
        if settings.indexer_enabled:
            leadership.add(services.indexer)
            leadership.on_elected.append(services.indexer.take_over)
        if settings.jobs_enabled:
            leadership.add(job_thread)
        for worker in services.workers:
            leadership.add(worker)
            leadership.on_elected.append(worker.take_over)  # a dead leader's airdrop jobs, senders: resumed now
        leadership.start()
        try:
            yield
        finally:
            leadership.stop()
            services.close()

    # The API's map (/docs, /openapi.json) is for developers; production serves it only when asked. No /redoc:
    # ReDoc would come from a CDN, and /docs (vendored Swagger UI) works offline.
    docs = settings.docs_enabled
    app = FastAPI(title="resident", version="0.1.0", lifespan=lifespan,
                  description="Digital resident cards: chain index, holder sign-in, perks, venue verification.",
                  docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json" if docs else None)
    if docs:  # Swagger UI from the vendored copy, not FastAPI's CDN
        api_docs.include(app, app.openapi_url)
    app.state.services = services  # read by backend/api/deps.py, and by tests
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, paths=BODY_LIMITS)  # photo uploads are larger
    # The desk's scan is the hot path: answered ahead of routing (POST /venue/redeem documents it).
    app.add_middleware(RedeemFastPath, services=services)
    # Outermost: a cross-origin state change is refused before anything reads it (the fast path too).
    app.add_middleware(SameOrigin, public_url=settings.public_url)
    include_routers(app, settings)
    pages.include(app)  # the web app: /, /desk, /console, /static, /web/config
    return app
