"""Revoking a card and re-issuing it to a new wallet (a lost wallet: same resident number, tier and expiry),
sent with the backend's issuer key (backend/chain/issuer.py; the key holds the card's ISSUER_ROLE).

An action is a row (backend/db/models_holders.py) made in the caller's transaction, so who asked, when
and why are kept (and in the audit log) even if the transaction never makes it; `carry_out` then sends
it and records its progress: queued → sent (the node has it) → mined (in a block), or failed with a code
whose text says what to do. "indexed" is not stored: `progress` reads it from the index's height.

The console's routes use these in two steps (request, then carry_out after the answer) so the page can
follow the progress; `reissue_card` does both at once for code outside a request (issue 14: a holder who
lost their passkey gets their card re-issued the same way).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain.deployments import collection_record, contract_for
from backend.chain.indexer.fold import decode
from backend.chain.issuer import Issuer, TxReverted
from backend.db.models_chain import ACTIVE, Card, Collection
from backend.db.models_holders import CardAction
from backend.db.session import begin_immediate
from backend.errors import ChainError, DeploymentRecordError, Refusal
from backend.messages import texts
from backend.staff.holders import ADDRESS_RE

log = logging.getLogger(__name__)

# An action still queued or sent after this long was lost with its process (a restart while it waited):
# it no longer blocks the card, and says what to check.
STUCK_AFTER = 15 * 60

# The contract's refusals staff can act on, in plain words (backend/messages/staff.py); others: card_action_refused.
REVERTS = {
    "ResidentCardReceiverHoldsCard": "card_action_receiver_holds_card",
    "ResidentCardWalletCapExceeded": "card_action_receiver_holds_card",
    "ERC721InvalidReceiver": "card_action_bad_receiver",
    "AccessControlUnauthorizedAccount": "card_action_not_issuer",
    "ResidentCardPaused": "card_action_paused",
    "EnforcedPause": "card_action_paused",
    "ResidentCardNonexistent": "card_action_card_gone",
    "ERC721NonexistentToken": "card_action_card_gone",
}


# --- asking ---------------------------------------------------------------------------------------------
def _release_stuck(session: Session, card_id: int, now: int) -> None:
    session.execute(update(CardAction).where(CardAction.busy_card_id == card_id,
                                             CardAction.updated_at < now - STUCK_AFTER)
                    .values(status="failed", busy_card_id=None, error_code="card_action_unconfirmed",
                            updated_at=now).execution_options(synchronize_session=False))


def _request(session: Session, card: Card, collection: Collection, kind: str, *, reason: str,
             staff_id: int | None, staff_name: str, now: int, new_owner: str | None = None) -> CardAction:
    if card.status != ACTIVE:
        raise Refusal("card_not_active", token_id=card.token_id, card_status=card.status)
    # One line of printable text: control characters (NUL, which PostgreSQL refuses) become spaces.
    reason = " ".join("".join(ch if ch.isprintable() else " " for ch in reason).split())
    if not reason:
        raise Refusal("card_action_reason_missing")
    _release_stuck(session, card.id, now)
    # Mined but not yet in the index: the card still reads as active here, and a second try would only fail.
    unindexed = session.scalar(select(CardAction.id).where(
        CardAction.card_id == card.id, CardAction.status == "mined",
        CardAction.block_number > collection.indexed_block).limit(1))
    if unindexed is not None:
        raise Refusal("card_action_in_progress", token_id=card.token_id)
    action = CardAction(municipality_id=collection.municipality_id, card_id=card.id, busy_card_id=card.id,
                        kind=kind, reason=reason[:500], new_owner=new_owner, staff_id=staff_id,
                        staff_name=staff_name[:100], status="queued", requested_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(action)
            session.flush()
    except IntegrityError:
        raise Refusal("card_action_in_progress", token_id=card.token_id) from None
    return action


def request_revoke(session: Session, card: Card, collection: Collection, *, reason: str, staff_id: int | None,
                   staff_name: str, now: int) -> CardAction:
    """Records that the card is to be revoked (409 if it is not active or an action is under way)."""
    return _request(session, card, collection, "revoke", reason=reason, staff_id=staff_id, staff_name=staff_name,
                    now=now)


def request_reissue(session: Session, card: Card, collection: Collection, *, new_owner: str, reason: str,
                    staff_id: int | None, staff_name: str, now: int) -> CardAction:
    """Records that the card is to be re-issued to `new_owner`, refused at once when the contract would refuse
    it for what the index already knows (the same wallet; a wallet that holds a card of the collection)."""
    if not ADDRESS_RE.match(new_owner or ""):
        raise Refusal("reissue_address_invalid")
    new_owner = to_checksum_address(new_owner)
    if new_owner == card.owner:
        raise Refusal("reissue_same_wallet")
    if int(new_owner, 16) == 0:
        raise Refusal("reissue_address_invalid")
    held = session.scalar(select(func.count()).select_from(Card).where(
        Card.collection_id == card.collection_id, Card.owner == new_owner, Card.status == ACTIVE))
    if held:
        raise Refusal("reissue_receiver_holds_card", wallet=new_owner, count=held)
    return _request(session, card, collection, "reissue", reason=reason, staff_id=staff_id, staff_name=staff_name,
                    now=now, new_owner=new_owner)


# --- sending --------------------------------------------------------------------------------------------
def _update(session_factory, action_id: int, **values) -> None:
    with session_factory() as session:
        begin_immediate(session)
        values.setdefault("updated_at", int(time.time()))
        if values.get("status") in ("mined", "failed"):
            values["busy_card_id"] = None
        session.execute(update(CardAction).where(CardAction.id == action_id).values(**values))
        session.commit()


def carry_out(session_factory, issuer: Issuer, deployments_dir: Path, action_id: int) -> str:
    """Sends the action's transaction and records how far it got; returns the final status (mined or failed).

    Never raises for chain trouble: the row says what happened (the console shows it)."""
    with session_factory() as session:
        action = session.get(CardAction, action_id)
        if action is None or action.status != "queued":
            return action.status if action else "failed"
        card = session.get(Card, action.card_id)
        collection = session.get(Collection, card.collection_id)
        token_id, kind, new_owner, symbol = card.token_id, action.kind, action.new_owner, collection.symbol
        municipality_id = action.municipality_id
        try:
            contract = contract_for(issuer.chain, collection_record(collection, deployments_dir))
        except DeploymentRecordError:
            contract = None
    if contract is None:
        _update(session_factory, action_id, status="failed", error_code="card_action_no_record",
                error_detail=symbol)
        return "failed"
    functions = contract.functions
    call = functions.revoke(token_id) if kind == "revoke" else functions.reissue(token_id, new_owner)
    sent_hash: list[str] = []

    def on_sent(tx_hash: str) -> None:
        sent_hash.append(tx_hash)
        try:
            _update(session_factory, action_id, status="sent", tx_hash=tx_hash)
        except Exception:  # the transaction is out: its receipt matters more than this step's record
            log.exception("card action %s: recording the sent transaction failed", action_id)

    try:
        # The action's row is the request: carried out twice (two workers, a retry), it is still one transaction.
        sent = issuer.send(call, on_sent=on_sent, idempotency_key=f"card-action:{action_id}",
                           municipality_id=municipality_id)
    except TxReverted as exc:
        code = REVERTS.get(exc.revert.name, "card_action_refused")
        _update(session_factory, action_id, status="failed", error_code=code, error_detail=exc.error[:300],
                tx_hash=sent_hash[0] if sent_hash else None)
        return "failed"
    except ChainError as exc:
        code = "card_action_unconfirmed" if sent_hash else "card_action_chain_down"
        _update(session_factory, action_id, status="failed", error_code=code, error_detail=exc.reason[:300],
                tx_hash=sent_hash[0] if sent_hash else None)
        return "failed"
    new_token_id = None
    for raw in sent.logs:
        found = decode(raw) if _from(raw, contract.address) else None
        if found and found[0] == "reissued":
            new_token_id = found[2]["new"]
    _update(session_factory, action_id, status="mined", tx_hash=sent.tx_hash, block_number=sent.block_number,
            new_token_id=new_token_id)
    return "mined"


def _from(raw: dict, address: str) -> bool:
    return str(raw.get("address", "")).lower() == address.lower()


# --- following ------------------------------------------------------------------------------------------
def action_of(session: Session, municipality_id: int, action_id: int) -> CardAction:
    action = session.get(CardAction, action_id)
    if action is None or action.municipality_id != municipality_id:
        raise Refusal("card_action_not_found", action_id=action_id)
    return action


def progress(session: Session, action: CardAction) -> dict:
    """The action as the console shows it: `step` is queued, sent, mined, indexed or failed; a failure has
    `message_ja`/`message_en` saying in plain words what to do."""
    step = action.status
    if step == "mined":
        collection = session.scalar(select(Collection).join(Card, Card.collection_id == Collection.id)
                                    .where(Card.id == action.card_id))
        if collection.indexed_block >= (action.block_number or 0):
            step = "indexed"
    out = {"id": action.id, "card_id": action.card_id, "kind": action.kind, "reason": action.reason,
           "new_owner": action.new_owner, "staff_id": action.staff_id, "staff_name": action.staff_name,
           "status": action.status, "step": step, "tx_hash": action.tx_hash, "block_number": action.block_number,
           "new_token_id": action.new_token_id, "new_card_id": None, "requested_at": action.requested_at,
           "updated_at": action.updated_at, "error_code": action.error_code, "message_ja": None, "message_en": None}
    if step == "indexed" and action.new_token_id is not None:
        out["new_card_id"] = session.scalar(select(Card.id).where(
            Card.collection_id == collection.id, Card.token_id == action.new_token_id))
    if action.error_code:
        said = texts(action.error_code, detail=action.error_detail or "", tx_hash=action.tx_hash or "",
                     wallet=action.new_owner or "", symbol=action.error_detail or "")
        out["message_ja"], out["message_en"] = said.ja, said.en
    return out


def latest_action(session: Session, card_id: int) -> CardAction | None:
    return session.scalar(select(CardAction).where(CardAction.card_id == card_id).order_by(CardAction.id.desc())
                          .limit(1))


# --- both at once (outside a request) -------------------------------------------------------------------
def reissue_card(session_factory, issuer: Issuer, deployments_dir: Path, *, card_id: int, new_owner: str,
                 reason: str, staff_id: int | None = None, staff_name: str = "system",
                 now: int | None = None) -> dict:
    """Re-issues card `card_id` to `new_owner` and waits for the receipt; returns its `progress`. Refusals
    (card not active, bad wallet, an action under way) raise before anything is sent."""
    with session_factory() as session:
        begin_immediate(session)
        card = session.get(Card, card_id)
        if card is None:
            raise Refusal("card_not_found")
        collection = session.get(Collection, card.collection_id)
        action = request_reissue(session, card, collection, new_owner=new_owner, reason=reason, staff_id=staff_id,
                                 staff_name=staff_name, now=int(time.time() if now is None else now))
        session.commit()
        action_id = action.id
    carry_out(session_factory, issuer, deployments_dir, action_id)
    with session_factory() as session:
        return progress(session, session.get(CardAction, action_id))
