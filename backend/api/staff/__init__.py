"""Routes of municipal staff (staff session; a role per municipality, backend/auth/staff.py): viewers read,
staff edit perks, venues, activities and campaigns, admins register collections, partners and rules; a
superuser adds municipalities and runs jobs by hand. Every route answers 401 without a staff session and
403 without the role.
"""

from __future__ import annotations

from backend.api.staff import (accounts, audit, auth, campaigns, civic, claim_links, evidence, forums, holders, jobs,
                               municipalities, perks, reports, residency, sponsorship, transactions, venues)

ROUTERS = [auth.router, accounts.router, jobs.router, municipalities.router, venues.router, perks.router,
           reports.router, campaigns.router, claim_links.router, residency.router, evidence.router, civic.router,
           forums.router, audit.router, holders.router, sponsorship.router, transactions.router]
