"""HTTP routes, by audience: the signed-in holder, staff, the venue desk, partner organisations, anyone
(public), forums and bots, and development only. `ROUTERS` is every router the app mounts, in order
(the web app's pages, backend/web/pages.py, are mounted after them by backend/app.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from backend.api import dev, forum, partner, venue
from backend.api.holder import ROUTERS as HOLDER_ROUTERS
from backend.api.public import ROUTERS as PUBLIC_ROUTERS
from backend.api.staff import ROUTERS as STAFF_ROUTERS
from backend.settings import Settings

ROUTERS = [*PUBLIC_ROUTERS, *HOLDER_ROUTERS, *STAFF_ROUTERS, venue.router, partner.router, forum.router]
# Where the development identity provider exists (development and tests, never production).
DEVELOPMENT_ROUTERS = [dev.router]


def include_routers(app: FastAPI, settings: Settings) -> None:
    for router in ROUTERS:
        app.include_router(router)
    if settings.environment != "production":
        for router in DEVELOPMENT_ROUTERS:
            app.include_router(router)
