"""HTTP routes. Each area's module exposes `include(app)`; this wires them all."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

# Areas developed on their own (holder access, perks and venues): included when present.
OPTIONAL_AREAS = ("backend.api.access", "backend.api.perks", "backend.api.campaigns", "backend.api.residency",
                  "backend.api.civic")


def include_routers(app: FastAPI) -> None:
    from backend.api import cards, content, health, jobs

    health.include(app)
    jobs.include(app)
    cards.include(app)
    content.include(app)  # also sets app.state.card_image, which /me/cards uses
    for name in OPTIONAL_AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.include(app)
    from backend.web import pages  # the web app: /, /desk, /console, /static, /web/config

    pages.include(app)
