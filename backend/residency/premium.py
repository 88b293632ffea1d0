"""Premium eligibility, grants, renewal and lapse (MIC: プレミアム登録).

Rules, per municipality (backend/residency/programme.py):
- eligible: at least `required_checkins` check-ins of the card in the last `window_days` (default 3 in 365),
  a verified identity bound to the wallet, and, for a minor, a guardian's recorded consent;
- cap: one person (identity nullifier, not wallet) holds premium in at most MAX_MUNICIPALITIES
  municipalities, whether through a grant here or a voucher at the premium tier (a voucher carries the same
  nullifier); a prefecture does not count while one of its cities is held (MIC: 域内市区町村の登録が
  ある都道府県はカウントしない);
- mode `automatic`: the backend sends setTier(premium) and setExpiry(now + validity) with the issuer key;
  mode `queue`: a pending grant waits for staff to approve (then the same transactions) or reject;
- renewal: judged the same way from `renew_before_days` before the end; renewed grants extend from the old
  end, so renewing early loses nothing; a premium not renewed by its end lapses: setTier(basic), setExpiry(0).

Grants move pending → sending → active (→ renewed | lapsed), or → rejected / failed. A grant is written
as `sending` and committed before any transaction is sent, so the cap holds while the chain works, and a
crash leaves a `sending` grant that `run_renewals` sends again (setTier/setExpiry are idempotent).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.cards import CardView, card_by_id, cards_of_owner
from backend.db.models_campaigns import Campaign, CampaignVoucher
from backend.db.models_chain import ACTIVE, Collection, Municipality
from backend.db.models_residency import HOLDING_STATUSES, Identity, PremiumGrant
from backend.db.session import begin_immediate, is_sqlite
from backend.errors import Refusal
from backend.messages import Texts, text, texts
from backend.chain.issuer import Issuer
from backend.perks.rules import japan_date
from backend.residency.checkins import count_checkins
from backend.identity.verifier import identity_of, needs_consent
from backend.residency.onchain import contract_or_refuse, send_or_refuse
from backend.residency.prefecture_links import cities_of
from backend.residency.programme import DAY, programme_of

log = logging.getLogger("resident.premium")

MAX_MUNICIPALITIES = 3
RESEND_AFTER_SECONDS = 300


class PremiumError(Refusal):
    """Raised when premium cannot be granted now; says why and what to do (backend/messages/residency.py)."""


# --- reading: progress -------------------------------------------------------------------------------------
@dataclass
class Step:
    code: str
    message_en: str
    message_ja: str


def step(code: str, text_code: str | None = None, **values) -> Step:
    """Next step `code`, its texts from backend/messages/residency.py (`step_<code>` unless `text_code`)."""
    said = texts(text_code or f"step_{code}", **values)
    return Step(code, said.en, said.ja)


@dataclass
class Progress:
    card: CardView
    municipality_id: int
    checkins: int
    required: int
    window_days: int
    mode: str
    status: str  # basic | eligible | pending | premium
    premium_until: int | None
    identity: str  # missing | verified | consent_missing
    renewal_due: bool = False
    pending_grant_id: int | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def summary_en(self) -> str:
        return text("progress_summary", "en", done=min(self.checkins, self.required), required=self.required)

    @property
    def summary_ja(self) -> str:
        return text("progress_summary", "ja", done=min(self.checkins, self.required), required=self.required)


def holding_grant(db: Session, card_id: int, now: float) -> PremiumGrant | None:
    """The grant that makes (or will make) this card premium: active and unexpired, or pending/sending;
    the newest first (a renewal before the grant it extends)."""
    for grant in db.scalars(select(PremiumGrant).where(PremiumGrant.card_id == card_id,
                                                      PremiumGrant.status.in_(HOLDING_STATUSES))
                            .order_by(PremiumGrant.id.desc())):
        if grant.status != "active" or (grant.valid_until or 0) > now:
            return grant
    return None


def active_grant(db: Session, card_id: int, now: float) -> PremiumGrant | None:
    return db.scalar(select(PremiumGrant).where(PremiumGrant.card_id == card_id, PremiumGrant.status == "active",
                                                PremiumGrant.valid_until > now)
                     .order_by(PremiumGrant.valid_until.desc()).limit(1))


def progress(db: Session, card: CardView, holder: str, now: float | None = None) -> Progress:
    """Where this card stands: check-ins in the window, status, what to do next (en/ja)."""
    now = time.time() if now is None else now
    programme = programme_of(db, card.municipality_id)
    count = count_checkins(db, card.id, int(now) - programme.window_days * DAY)
    identity = identity_of(db, holder)
    identity_state = "missing" if identity is None else "consent_missing" if needs_consent(identity) else "verified"
    active = active_grant(db, card.id, now)
    waiting = db.scalar(select(PremiumGrant).where(PremiumGrant.card_id == card.id,
                                                  PremiumGrant.status.in_(("pending", "sending")))
                        .order_by(PremiumGrant.id.desc()).limit(1))
    premium_until = None
    if active is not None:
        status, premium_until = "premium", active.valid_until
    elif card.tier >= programme.premium_tier and card.valid_now(now):
        status, premium_until = "premium", card.expires_at or None  # issued premium directly (a campaign)
    elif waiting is not None and waiting.status == "pending":
        status = "pending"
    elif count >= programme.required_checkins:
        status = "eligible"
    else:
        status = "basic"
    result = Progress(card, card.municipality_id, count, programme.required_checkins, programme.window_days,
                      programme.premium_mode, status, premium_until, identity_state,
                      pending_grant_id=waiting.id if waiting is not None else None)
    if premium_until:
        result.renewal_due = premium_until - programme.renew_before_days * DAY <= now
    missing = max(0, programme.required_checkins - count)
    if identity_state == "missing":
        result.steps.append(step("verify_identity"))
    elif identity_state == "consent_missing":
        result.steps.append(step("guardian_consent"))
    if missing and (status != "premium" or result.renewal_due):
        result.steps.append(step("join_activities", "step_join_activity" if missing == 1 else None, missing=missing))
    if status == "eligible" and identity_state == "verified":
        if programme.premium_mode == "queue":
            result.steps.append(step("request_premium"))
        else:
            result.steps.append(step("become_premium"))
    if status == "pending":
        result.steps.append(step("wait_for_approval"))
    return result


# --- the cap ------------------------------------------------------------------------------------------------
def municipalities_held(db: Session, nullifier: str, now: float) -> set[int]:
    """Municipalities where this person holds (or is getting) premium: by a grant or by a voucher."""
    held = set()
    for grant in db.scalars(select(PremiumGrant).where(PremiumGrant.nullifier == nullifier,
                                                      PremiumGrant.status.in_(HOLDING_STATUSES))):
        if grant.status != "active" or (grant.valid_until or 0) > now:
            held.add(grant.municipality_id)
    return held | carded_by_voucher(db, nullifier, now)


def carded_by_voucher(db: Session, nullifier: str, now: float) -> set[int]:
    """Municipalities where a premium-tier voucher was signed for this person and can still be claimed (like a
    pending grant), or was claimed and its card is still valid and premium."""
    found = set()
    for voucher, campaign in db.execute(select(CampaignVoucher, Campaign)
                                        .join(Campaign, Campaign.id == CampaignVoucher.campaign_id)
                                        .where(CampaignVoucher.nullifier == nullifier)):
        if campaign.municipality_id in found:
            continue
        premium_tier = programme_of(db, campaign.municipality_id).premium_tier
        if int(voucher.document["voucher"]["tier"]) < premium_tier:
            continue
        if voucher.deadline >= now or any(
                card.valid_now(now) and card.tier >= premium_tier
                for card in cards_of_owner(db, voucher.recipient, collection_id=campaign.collection_id)):
            found.add(campaign.municipality_id)
    return found


def counted(db: Session, municipalities: set[int]) -> set[int]:
    """The municipalities that count toward the cap: a prefecture with one of its cities in the set does not."""
    result = set()
    for m in municipalities:
        programme = programme_of(db, m)
        if programme.kind == "prefecture" and set(cities_of(db, m)) & municipalities:
            continue
        result.add(m)
    return result


def _lock_identity(db: Session, nullifier: str) -> None:
    """Serialises cap decisions of one person: a row lock on PostgreSQL (SQLite already holds the write lock)."""
    if not is_sqlite(db.get_bind()):
        db.execute(select(Identity.nullifier).where(Identity.nullifier == nullifier).with_for_update())


def check_cap(db: Session, nullifier: str, municipality_id: int, now: float) -> None:
    held = municipalities_held(db, nullifier, now)
    if municipality_id in held:
        return
    if len(counted(db, held | {municipality_id})) > MAX_MUNICIPALITIES:
        names = [db.get(Municipality, m) for m in sorted(held)]
        towns = Texts(ja="、".join(m.name_ja for m in names), en=", ".join(m.name_en for m in names))
        raise PremiumError("premium_cap_reached", detail="premium_held_in", max=MAX_MUNICIPALITIES, towns=towns,
                           held=sorted(held))


def check_voucher(db: Session, nullifier: str, municipality_id: int, tier: int, now: float) -> None:
    """A voucher at the municipality's premium tier makes its holder premium there, so it meets a grant's
    rules first: a minor's guardian consent and the cap. Call it in the write transaction that keeps the
    voucher, so two at once cannot both pass the cap."""
    if tier < programme_of(db, municipality_id).premium_tier:
        return
    identity = db.get(Identity, nullifier)
    if identity is None:
        raise PremiumError("identity_required")
    if needs_consent(identity):
        raise PremiumError("guardian_consent_required")
    _lock_identity(db, nullifier)
    check_cap(db, nullifier, municipality_id, now)


# --- writing: request, approve, reject, send ---------------------------------------------------------------
@dataclass
class GrantOutcome:
    grant_id: int
    status: str
    kind: str
    valid_until: int | None
    tx_hashes: list[str]


def _outcome(grant: PremiumGrant) -> GrantOutcome:
    return GrantOutcome(grant.id, grant.status, grant.kind, grant.valid_until, list(grant.tx_hashes or []))


def request_premium(sessions: sessionmaker, issuer: Issuer | None, settings, holder: str, card_id: int,
                    now: float | None = None) -> GrantOutcome:
    """Judges the card and, if eligible, grants premium (automatic) or queues the request (queue).

    Automatic mode needs `issuer` (503 from the caller's dependency otherwise)."""
    now = time.time() if now is None else now
    with sessions() as db:
        begin_immediate(db)
        card = card_by_id(db, card_id)
        if card is None:
            raise PremiumError("card_not_found")
        if card.owner != to_checksum_address(holder):
            raise PremiumError("not_your_card")
        if not card.valid_now(now):
            raise PremiumError("card_not_valid")
        programme = programme_of(db, card.municipality_id)
        identity = identity_of(db, holder)
        if identity is None:
            raise PremiumError("identity_required", detail="premium_needs_identity")
        if needs_consent(identity):
            raise PremiumError("guardian_consent_required")
        _lock_identity(db, identity.nullifier)
        current = holding_grant(db, card.id, now)
        kind, start = "new", now
        if current is not None:
            if current.status == "pending":
                raise PremiumError("already_pending")
            if current.status == "sending":
                raise PremiumError("premium_in_progress")
            if current.valid_until - programme.renew_before_days * DAY > now:
                until = japan_date(current.valid_until)
                raise PremiumError("already_premium", detail="premium_until", until=until)
            kind, start = "renewal", max(now, current.valid_until)
        elif card.tier >= programme.premium_tier:
            raise PremiumError("already_premium")
        count = count_checkins(db, card.id, int(now) - programme.window_days * DAY)
        if count < programme.required_checkins:
            raise PremiumError("not_enough_activities", detail="checkins_counted", count=count,
                               required=programme.required_checkins, window_days=programme.window_days,
                               extra={"checkins": count, "required": programme.required_checkins})
        if kind == "new":
            check_cap(db, identity.nullifier, card.municipality_id, now)
        automatic = programme.premium_mode == "automatic"
        if automatic and issuer is None:
            raise Refusal("issuer_not_configured")
        grant = PremiumGrant(municipality_id=card.municipality_id, card_id=card.id, nullifier=identity.nullifier,
                             kind=kind, status="sending" if automatic else "pending", checkins_counted=count,
                             requested_at=int(now), decided_at=int(now) if automatic else None,
                             valid_until=int(start) + programme.validity_days * DAY, tx_hashes=[], note="")
        db.add(grant)
        db.commit()
        grant_id = grant.id
        outcome = _outcome(grant)
    if automatic:
        return send_grant(sessions, issuer, settings, grant_id)
    return outcome


def decide(sessions: sessionmaker, issuer: Issuer | None, settings, grant_id: int, staff_id: int, approve: bool,
           note: str = "", now: float | None = None, check_municipality=None) -> GrantOutcome:
    """Staff's decision on a pending grant; approval sends the transactions. `check_municipality(id)`
    raises unless the staff member may decide for that municipality."""
    now = time.time() if now is None else now
    with sessions() as db:
        begin_immediate(db)
        grant = db.get(PremiumGrant, grant_id)
        if grant is None:
            raise PremiumError("grant_not_found")
        if check_municipality is not None:
            check_municipality(grant.municipality_id)
        if grant.status != "pending":
            raise PremiumError("grant_not_pending", detail="grant_status", status=grant.status)
        if approve and issuer is None:
            raise Refusal("issuer_not_configured")
        grant.status = "sending" if approve else "rejected"
        grant.decided_at, grant.decided_by, grant.note = int(now), staff_id, note[:500]
        if approve and grant.kind == "new":
            programme = programme_of(db, grant.municipality_id)
            grant.valid_until = int(now) + programme.validity_days * DAY  # the year starts at approval
        db.commit()
        outcome = _outcome(grant)
    if approve:
        return send_grant(sessions, issuer, settings, grant_id)
    return outcome


def send_grant(sessions: sessionmaker, issuer: Issuer, settings, grant_id: int) -> GrantOutcome:
    """Sends a `sending` grant's transactions (setTier for a new grant, setExpiry always) and records the
    result: active, or failed with the reason (then raises the refusal)."""
    with sessions() as db:
        grant = db.get(PremiumGrant, grant_id)
        card = card_by_id(db, grant.card_id)
        collection = db.get(Collection, card.collection_id)
        programme = programme_of(db, grant.municipality_id)
        contract = contract_or_refuse(issuer, collection, settings.deployments_dir)
        token_id, tier, valid_until, kind = card.token_id, programme.premium_tier, grant.valid_until, grant.kind
    hashes = []
    try:
        if kind == "new" or card.tier != tier:
            hashes.append(send_or_refuse(issuer, contract.functions.setTier(token_id, tier)).tx_hash)
        hashes.append(send_or_refuse(issuer, contract.functions.setExpiry(token_id, valid_until)).tx_hash)
    except Refusal as exc:
        with sessions() as db:
            begin_immediate(db)
            grant = db.get(PremiumGrant, grant_id)
            grant.status, grant.note, grant.tx_hashes = "failed", exc.message_en[:500], hashes
            db.commit()
        raise
    with sessions() as db:
        begin_immediate(db)
        grant = db.get(PremiumGrant, grant_id)
        grant.status, grant.tx_hashes = "active", hashes
        if grant.kind == "renewal":
            for old in db.scalars(select(PremiumGrant).where(PremiumGrant.card_id == grant.card_id,
                                                            PremiumGrant.status == "active",
                                                            PremiumGrant.id != grant.id)):
                old.status = "renewed"
        db.commit()
        return _outcome(grant)


def pending_queue(db: Session, municipality_id: int) -> list[PremiumGrant]:
    return list(db.scalars(select(PremiumGrant).where(PremiumGrant.municipality_id == municipality_id,
                                                      PremiumGrant.status == "pending").order_by(PremiumGrant.id)))


# --- the periodic job: renew or lapse --------------------------------------------------------------------
@dataclass
class RenewalReport:
    renewed: list[int] = field(default_factory=list)  # grant ids created and sent
    queued: list[int] = field(default_factory=list)  # renewal grants waiting for staff
    lapsed: list[int] = field(default_factory=list)  # grants that fell back to basic
    resent: list[int] = field(default_factory=list)  # `sending` grants sent again
    failed: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"renewed": self.renewed, "queued": self.queued, "lapsed": self.lapsed, "resent": self.resent,
                "failed": [{"grant_id": g, "reason": r} for g, r in self.failed]}


def run_renewals(sessions: sessionmaker, issuer: Issuer, settings, now: float | None = None,
                 municipality_id: int | None = None) -> RenewalReport:
    """Renews premiums due for renewal whose card is still eligible, and lapses those that ended without
    renewal (back to the basic tier, no expiry). Call it from a periodic job (hourly is plenty) or through
    POST /staff/municipalities/{id}/premium/renewals; running it twice does nothing more."""
    now = time.time() if now is None else now
    report = RenewalReport()
    with sessions() as db:
        query = select(PremiumGrant).where(PremiumGrant.status.in_(("active", "sending")))
        if municipality_id is not None:
            query = query.where(PremiumGrant.municipality_id == municipality_id)
        grants = [(g.id, g.status, g.card_id, g.requested_at, g.decided_at) for g in db.scalars(query.order_by(
            PremiumGrant.id))]
    for grant_id, status, card_id, requested_at, decided_at in grants:
        try:
            if status == "sending":
                if (decided_at or requested_at) < now - RESEND_AFTER_SECONDS:
                    send_grant(sessions, issuer, settings, grant_id)
                    report.resent.append(grant_id)
                continue
            outcome = _renew_or_lapse(sessions, issuer, settings, grant_id, now)
            if outcome is not None:
                getattr(report, outcome[0]).append(outcome[1])
        except Refusal as exc:
            log.warning("premium grant %s: %s", grant_id, exc.message_en)
            report.failed.append((grant_id, exc.code))
    return report


def _renew_or_lapse(sessions, issuer, settings, grant_id: int, now: float):
    with sessions() as db:
        begin_immediate(db)
        grant = db.get(PremiumGrant, grant_id)
        if grant.status != "active":
            return None
        programme = programme_of(db, grant.municipality_id)
        if grant.valid_until - programme.renew_before_days * DAY > now:
            return None  # not due yet
        card = card_by_id(db, grant.card_id)
        if card is None or card.status != ACTIVE:
            grant.status, grant.note = "lapsed", "the card no longer exists"
            db.commit()
            return ("lapsed", grant.id)
        waiting = db.scalar(select(PremiumGrant.id).where(PremiumGrant.card_id == grant.card_id,
                                                         PremiumGrant.status.in_(("pending", "sending"))))
        if waiting is not None:
            return None  # a renewal is already on its way
        identity = db.get(Identity, grant.nullifier)
        count = count_checkins(db, card.id, int(now) - programme.window_days * DAY)
        eligible = (count >= programme.required_checkins and identity is not None and not needs_consent(identity))
        if eligible:
            automatic = programme.premium_mode == "automatic"
            renewal = PremiumGrant(municipality_id=grant.municipality_id, card_id=grant.card_id,
                                   nullifier=grant.nullifier, kind="renewal",
                                   status="sending" if automatic else "pending", checkins_counted=count,
                                   requested_at=int(now), decided_at=int(now) if automatic else None,
                                   valid_until=max(int(now), grant.valid_until) + programme.validity_days * DAY,
                                   tx_hashes=[], note="judged by the renewal job")
            db.add(renewal)
            db.commit()
            if not automatic:
                return ("queued", renewal.id)
            renewal_id = renewal.id
        elif grant.valid_until <= now:
            collection = db.get(Collection, card.collection_id)
            contract = contract_or_refuse(issuer, collection, settings.deployments_dir)
            token_id, basic = card.token_id, programme.basic_tier
            note = f"not renewed: {count} of {programme.required_checkins} activities"
            db.rollback()  # no lock while the chain works; a failed send leaves the grant active: retried next run
            hashes = [send_or_refuse(issuer, contract.functions.setTier(token_id, basic)).tx_hash,
                      send_or_refuse(issuer, contract.functions.setExpiry(token_id, 0)).tx_hash]
            with sessions() as db2:
                begin_immediate(db2)
                lapsed = db2.get(PremiumGrant, grant_id)
                lapsed.status, lapsed.note = "lapsed", note
                lapsed.tx_hashes = list(lapsed.tx_hashes or []) + hashes
                db2.commit()
            return ("lapsed", grant_id)
        else:
            return None
    send_grant(sessions, issuer, settings, renewal_id)
    return ("renewed", renewal_id)
