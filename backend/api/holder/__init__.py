"""Routes of the signed-in holder (wallet session): sign-in, cards, perks, campaigns, residency, civic."""

from __future__ import annotations

from backend.api.holder import (auth, campaigns, cards, civic, claim_links, evidence, passkeys, perks, residency,
                                sponsored)

ROUTERS = [auth.router, cards.router, perks.router, campaigns.router, claim_links.router, residency.router,
           evidence.router, civic.router, sponsored.router, passkeys.router]
