"""Routes anyone may call (no sign-in): health, cards from the index, tokenURI metadata and stored files,
open campaigns and designated activities, polls' questions, results and signed ballots."""

from __future__ import annotations

from backend.api.public import cards, content, health, listings, polls

ROUTERS = [health.router, cards.router, content.router, listings.router, polls.router]
