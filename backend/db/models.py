"""Every table, so Alembic and tests see the whole schema: each models_* module is imported here."""

from __future__ import annotations

from backend.db.base import Base
from backend.db.models_access import (AuthSession, BotKey, Forum, Holder, SignInNonce, StaffAccount, StaffInvite,
                                      StaffRole)
from backend.db.models_audit import AuditEvent
from backend.db.models_campaigns import AirdropJob, Allowlist, AllowlistEntry, Campaign, CampaignVoucher, ClaimLink
from backend.db.models_chain import Card, CardEvent, ChainCursor, Collection, IndexedBlock, Municipality
from backend.db.models_demo import DemoData
from backend.db.models_civic import (
    Announcement, AnnouncementRead, Ballot, HolderActivity, HolderEmail, InactivityNotice, InactivityRule, OutboxMail,
    Poll, PollQuestion,
)
from backend.db.models_holders import CardAction
from backend.db.models_jobs import JobState
from backend.db.models_outbox import OutboxAttempt, OutboxSender, OutboxTx
from backend.db.models_perks import Perk, PerkVenue, Redemption, Venue, VenueAccount
from backend.db.models_residency import (
    Activity, ActivityDay, ActivityEvidence, CheckIn, Identity, IdentityNonce, IdentityWallet, OidcLogin,
    PartnerOrganisation,
    PrefectureLink, PremiumGrant, Registration, ResidencyProgramme,
)
from backend.db.models_sponsorship import SponsoredClaim, SponsorshipPolicy

__all__ = [
    "Base", "AuditEvent", "AuthSession", "BotKey", "Forum", "Holder", "SignInNonce", "StaffAccount", "StaffInvite",
    "StaffRole",
    "AirdropJob", "Allowlist", "AllowlistEntry", "Campaign", "CampaignVoucher", "ClaimLink", "Card", "CardEvent",
    "ChainCursor", "Collection", "IndexedBlock", "Municipality", "Announcement", "AnnouncementRead", "Ballot",
    "HolderActivity", "HolderEmail", "InactivityNotice", "InactivityRule", "OutboxMail", "Poll", "PollQuestion",
    "CardAction", "JobState", "Perk", "PerkVenue", "Redemption", "Venue", "VenueAccount", "Activity", "ActivityDay",
    "ActivityEvidence",
    "CheckIn", "Identity", "IdentityNonce", "IdentityWallet", "OidcLogin", "PartnerOrganisation", "PrefectureLink",
    "PremiumGrant", "Registration", "ResidencyProgramme", "DemoData", "SponsorshipPolicy", "SponsoredClaim",
    "OutboxAttempt", "OutboxSender", "OutboxTx",
]
