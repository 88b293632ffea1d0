"""Basic inactivity: a card whose holder has done nothing for the municipality's inactive period gets a
notice (in the app, and by email if the holder gave one); if nothing happens within the notice period,
the card is revoked on chain with the backend's issuer key. Any activity after the notice cancels it.

Activity is recorded per wallet by `record_activity`: sign-in (backend/auth/holders.py calls it), a vote
(backend/civic/polls via the API), a check-in (the residency module calls it). A card's last activity
is the later of its holder's last activity and the time the holder received the card.

A notice's mail is only queued (the outbox, in the notice's own transaction); the mail job
(backend/civic/jobs.py) sends it, so a run never waits on an SMTP server.

`run_inactivity` is the job (the staff console runs it; a cron can too). It is safe to run again at any
time: an open notice is unique per card (UNIQUE open_card_id), a revocation is re-checked against fresh
activity just before it is sent, and one run at a time per process.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.civic import announcements, mail
from backend.db.models_chain import ACTIVE, Card, Collection
from backend.db.models_civic import HolderActivity, InactivityNotice, InactivityRule
from backend.db.session import begin_immediate, one_at_a_time
from backend.chain.deployments import DeploymentRecord
from backend.errors import ChainError, DeploymentRecordError
from backend.messages import texts
from backend.perks.rules import DAY_SECONDS, japan_date

REVOKE_ABI = [{"type": "function", "name": "revoke", "stateMutability": "nonpayable",
               "inputs": [{"name": "tokenId", "type": "uint256"}], "outputs": []}]
_RUNNING = threading.Lock()


# --- activity ---------------------------------------------------------------------------------------------
def record_activity(session: Session, address: str, at: int, kind: str = "sign_in") -> None:
    """Notes that `address` was active at `at` (keeps the latest) and lifts its open inactivity notices at
    once, so the holder sees at sign-in that the card is kept. Part of the caller's transaction."""
    address = to_checksum_address(address)
    at = int(at)
    session.execute(update(InactivityNotice).where(InactivityNotice.address == address,
                                                   InactivityNotice.status == "open",
                                                   InactivityNotice.last_active_at < at)
                    .values(status="cancelled", open_card_id=None, resolved_at=at)
                    .execution_options(synchronize_session=False))
    updated = session.execute(
        update(HolderActivity).where(HolderActivity.address == address, HolderActivity.last_active_at <= at)
        .values(last_active_at=at, last_kind=kind[:24]).execution_options(synchronize_session=False)
    ).rowcount
    if updated or session.get(HolderActivity, address) is not None:
        return
    try:
        with session.begin_nested():
            session.add(HolderActivity(address=address, last_active_at=at, last_kind=kind[:24]))
    except IntegrityError:  # a concurrent first activity of this wallet
        session.execute(update(HolderActivity).where(HolderActivity.address == address,
                                                     HolderActivity.last_active_at <= at)
                        .values(last_active_at=at, last_kind=kind[:24]))


def last_activity(session: Session, address: str) -> int | None:
    row = session.get(HolderActivity, address)
    return row.last_active_at if row else None


# --- the rule -------------------------------------------------------------------------------------------
def rule_of(session: Session, municipality_id: int) -> InactivityRule:
    """The municipality's rule; a disabled default (730 days, 60 days' notice) if none was saved."""
    rule = session.get(InactivityRule, municipality_id)
    return rule or InactivityRule(municipality_id=municipality_id, enabled=False, inactive_days=730, notice_days=60)


def save_rule(session: Session, municipality_id: int, *, enabled: bool, inactive_days: int, notice_days: int,
              now: int) -> InactivityRule:
    rule = session.get(InactivityRule, municipality_id)
    if rule is None:
        rule = InactivityRule(municipality_id=municipality_id)
        session.add(rule)
    rule.enabled, rule.inactive_days, rule.notice_days, rule.updated_at = enabled, inactive_days, notice_days, now
    session.flush()
    return rule


# --- planning (reads only) ------------------------------------------------------------------------------
@dataclass
class Plan:
    notify: list[dict] = field(default_factory=list)  # cards to notice now
    cancel: list[dict] = field(default_factory=list)  # open notices answered by activity (or card gone)
    revoke: list[dict] = field(default_factory=list)  # open notices past their deadline without activity
    waiting: list[dict] = field(default_factory=list)  # open notices still within their notice period

    def summary(self) -> dict:
        return {k: len(v) for k, v in asdict(self).items()}


def plan(session: Session, municipality_id: int, now: int) -> Plan:
    rule = rule_of(session, municipality_id)
    out = Plan()
    notices = list(session.scalars(select(InactivityNotice).where(InactivityNotice.municipality_id == municipality_id,
                                                                  InactivityNotice.status == "open")))
    noticed_cards = {n.card_id for n in notices}
    cards = {c.id: (c, col) for c, col in session.execute(
        select(Card, Collection).join(Collection, Collection.id == Card.collection_id)
        .where(Collection.municipality_id == municipality_id))}
    activity = dict(session.execute(select(HolderActivity.address, HolderActivity.last_active_at)).all())
    for n in notices:
        card, col = cards[n.card_id]
        entry = {"notice_id": n.id, "card_id": card.id, "token_id": card.token_id, "symbol": col.symbol,
                 "address": n.address, "noticed_at": n.noticed_at, "deadline_at": n.deadline_at}
        if card.status != ACTIVE or card.owner != n.address:
            out.cancel.append({**entry, "why": "card_changed"})
        elif activity.get(n.address, 0) > n.last_active_at:
            out.cancel.append({**entry, "why": "activity"})
        elif now >= n.deadline_at:
            out.revoke.append(entry)
        else:
            out.waiting.append(entry)
    if not rule.enabled:
        return out
    threshold = now - rule.inactive_days * DAY_SECONDS
    for card, col in cards.values():
        if card.status != ACTIVE or card.id in noticed_cards:
            continue
        last = max(activity.get(card.owner, 0), card.holding_since)
        if last <= threshold:
            out.notify.append({"card_id": card.id, "token_id": card.token_id, "symbol": col.symbol,
                               "collection_id": col.id, "address": card.owner, "last_active_at": last,
                               "deadline_at": now + rule.notice_days * DAY_SECONDS})
    return out


# --- running --------------------------------------------------------------------------------------------
def _date(ts: int) -> str:
    return japan_date(ts)


def notice_text(deadline_at: int, symbol: str, token_id: int) -> dict:
    title, body = texts("inactivity_title"), texts("inactivity_body", symbol=symbol, token_id=token_id,
                                                    day=_date(deadline_at))
    return {"title_ja": title.ja, "title_en": title.en, "body_ja": body.ja, "body_en": body.en}


def _contract(issuer, session: Session, collection: Collection):
    abi = REVOKE_ABI
    if collection.record_path and Path(collection.record_path).exists():
        try:
            abi = DeploymentRecord.read(collection.record_path).abi
        except DeploymentRecordError:
            pass
    return issuer.chain.contract_at(collection.address, abi)


def run_inactivity(session_factory, settings, issuer, *, municipality_id: int, now: int) -> dict:
    """Applies the plan: cancels answered notices, sends new ones, revokes cards whose notice ran out.

    Returns the plan's summary plus what was done (`revoked`: [{token_id, tx_hash}], `failed`, `errors`).
    Revocation needs `issuer`; without one, due revocations are reported as skipped.
    """
    from backend.chain.issuer import TxReverted

    report = {"noticed": 0, "cancelled": 0, "revoked": [], "failed": [], "skipped": 0, "errors": []}
    # Across API workers too: a staff run in one worker and the leader's job never revoke or notify twice.
    with _RUNNING, one_at_a_time(session_factory, "inactivity"):
        with session_factory() as session:
            begin_immediate(session)
            todo = plan(session, municipality_id, now)
            for entry in todo.cancel:
                session.execute(update(InactivityNotice).where(InactivityNotice.id == entry["notice_id"],
                                                               InactivityNotice.status == "open")
                                .values(status="cancelled", open_card_id=None, resolved_at=now))
                report["cancelled"] += 1
            for entry in todo.notify:
                text = notice_text(entry["deadline_at"], entry["symbol"], entry["token_id"])
                try:
                    with session.begin_nested():
                        a = announcements.notice(session, municipality_id=municipality_id,
                                                 collection_id=entry["collection_id"], recipient=entry["address"],
                                                 now=now, **text)
                        session.add(InactivityNotice(
                            municipality_id=municipality_id, card_id=entry["card_id"], open_card_id=entry["card_id"],
                            address=entry["address"], announcement_id=a.id, last_active_at=entry["last_active_at"],
                            noticed_at=now, deadline_at=entry["deadline_at"], status="open"))
                        session.flush()
                except IntegrityError:  # another run noticed this card meanwhile
                    continue
                body = f"{text['body_ja']}\n\n{text['body_en']}\n\n{settings.public_url.rstrip('/')}/app\n"
                mail.mail_holder(session, settings, entry["address"], f"{text['title_ja']} / {text['title_en']}",
                                 body, "inactivity_notice", now)
                report["noticed"] += 1
            session.commit()
        for entry in todo.revoke:
            if issuer is None:
                report["skipped"] += 1
                continue
            with session_factory() as session:
                begin_immediate(session)
                notice = session.get(InactivityNotice, entry["notice_id"])
                card = session.get(Card, notice.card_id)
                if (notice.status != "open" or card.status != ACTIVE or card.owner != notice.address
                        or (last_activity(session, notice.address) or 0) > notice.last_active_at):
                    session.rollback()
                    continue  # answered since the plan was made: the next run cancels it
                collection = session.get(Collection, card.collection_id)
                contract = _contract(issuer, session, collection)
                session.rollback()  # do not hold the write lock while the transaction is mined
                try:
                    sent = issuer.send(contract.functions.revoke(card.token_id))
                except TxReverted as exc:
                    _resolve(session_factory, notice.id, "failed", now, error=f"revoke reverted: {exc.error}")
                    report["failed"].append({"token_id": card.token_id, "error": exc.error})
                    continue
                except ChainError as exc:
                    report["errors"].append({"token_id": card.token_id, "error": str(exc)[:300]})
                    continue  # stays open; the next run tries again
                _resolve(session_factory, notice.id, "revoked", now, tx_hash=sent.tx_hash)
                report["revoked"].append({"token_id": card.token_id, "symbol": entry["symbol"],
                                          "tx_hash": sent.tx_hash})
    report["plan"] = todo.summary()
    return report


def _resolve(session_factory, notice_id: int, status: str, now: int, *, tx_hash: str | None = None,
             error: str | None = None) -> None:
    with session_factory() as session:
        session.execute(update(InactivityNotice).where(InactivityNotice.id == notice_id)
                        .values(status=status, open_card_id=None, resolved_at=now, tx_hash=tx_hash, error=error))
        session.commit()


def notices_of(session: Session, address: str) -> list[InactivityNotice]:
    return list(session.scalars(select(InactivityNotice).where(InactivityNotice.address == address)
                                .order_by(InactivityNotice.id.desc()).limit(50)))
