"""Routes anyone may call (no sign-in): health, cards from the index, tokenURI metadata and stored files,
open campaigns and designated activities, a municipality's landing page data, polls' questions, results and signed ballots."""

from __future__ import annotations

from backend.api.public import cards, content, health, listings, polls, towns

ROUTERS = [health.router, cards.router, content.router, listings.router, polls.router, towns.router]
