"""The issuer's observer (backend/chain/issuer.py `Issuer.observer`): one audit row per transaction sent.

Written in a session of its own and committed at once: the transaction is on its way whatever the
route's own unit of work does next (a later refusal rolls that back, not this). Who asked is the actor of
the route (`Issuer.acting_for`, backend/api/deps.py); jobs and the airdrop worker send as the system.
The row is scoped to the municipality whose card or minter contract was called, else the route's.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from backend.audit.actor import SYSTEM, Actor
from backend.chain.issuer import Broadcast
from backend.db.models_audit import AuditEvent
from backend.db.models_campaigns import Campaign
from backend.db.models_chain import Collection, unix_now
from backend.db.session import begin_immediate


class TransactionLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self, sent: Broadcast) -> None:
        actor = sent.actor if isinstance(sent.actor, Actor) else SYSTEM
        with self.sessions() as db:
            # It reads (whose contract?) then writes: on SQLite a deferred read that another writer
            # overtakes cannot become a write, and the row would be lost to "database is locked".
            begin_immediate(db)
            municipality_id = self._municipality(db, sent) or actor.municipality_id
            db.execute(insert(AuditEvent).values(
                at=unix_now(), actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name[:100],
                client_address=actor.client_address, route=actor.route, action="transaction",
                object_type="transaction", object_id=sent.tx_hash, municipality_id=municipality_id,
                changes={"chain_id": sent.chain_id, "from": sent.sender, "to": sent.to, "function": sent.function}))
            db.commit()

    @staticmethod
    def _municipality(db: Session, sent: Broadcast) -> int | None:
        if sent.to is None:
            return None
        found = db.scalar(select(Collection.municipality_id).where(Collection.chain_id == sent.chain_id,
                                                                   Collection.address == sent.to))
        if found is None:
            found = db.scalar(select(Campaign.municipality_id).where(Campaign.minter == sent.to).limit(1))
        return found
