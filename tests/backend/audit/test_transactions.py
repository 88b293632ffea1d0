"""The issuer's observer (backend/audit/transactions.py) on a bare session factory: one row per transaction,
scoped to the contract's municipality, and not lost when another writer commits while it looks that up."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from backend.audit.actor import SYSTEM
from backend.audit.transactions import TransactionLog
from backend.chain.issuer import Broadcast
from backend.db.models_audit import AuditEvent
from backend.db.models_chain import Collection, Municipality

CARD = "0x" + "1" * 40


@pytest.fixture
def sessions(db_sessions):
    with db_sessions() as s:
        town = Municipality(slug="mine-city", name_ja="美祢市", name_en="Mine City")
        s.add(town)
        s.flush()
        s.add(Collection(municipality_id=town.id, chain_id=1, address=CARD, symbol="MINE", name_ja="美祢",
                         name_en="Mine", soulbound=True, deploy_block=1, indexed_block=0))
        s.commit()
    return db_sessions


def sent(tx_hash: str) -> Broadcast:
    return Broadcast(tx_hash, 1, "0x" + "2" * 40, CARD, "issueBatch", SYSTEM)


def events(sessions) -> list[AuditEvent]:
    with sessions() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_one_row_per_transaction_in_the_cards_municipality(sessions):
    TransactionLog(sessions)(sent("0x" + "a" * 64))
    [event] = events(sessions)
    with sessions() as s:
        town = s.scalar(select(Municipality.id))
    assert (event.action, event.object_id, event.municipality_id, event.actor_kind) == (
        "transaction", "0x" + "a" * 64, town, "system")
    assert event.changes == {"chain_id": 1, "from": "0x" + "2" * 40, "to": CARD, "function": "issueBatch"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL upgrades a read without conflict
def test_a_writer_that_commits_during_the_lookup_does_not_lose_the_row(sessions, db_url, monkeypatch):
    """CI lost an airdrop's audit row this way: the observer's read began a snapshot, the worker's lease
    heartbeat committed, and SQLite refused to upgrade the stale read to a write ("database is locked")."""
    path = make_url(db_url).database
    outcome = {}
    lookup = TransactionLog._municipality

    def lookup_then_another_writer(db, broadcast):
        found = lookup(db, broadcast)
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE municipalities SET name_en = 'Mine'")
            other.execute("COMMIT")
            outcome["other"] = "committed"
        except sqlite3.OperationalError as exc:
            outcome["other"] = str(exc)  # the observer holds the write lock: the other writer waits its turn
        finally:
            other.close()
        return found

    monkeypatch.setattr(TransactionLog, "_municipality", staticmethod(lookup_then_another_writer))
    TransactionLog(sessions)(sent("0x" + "b" * 64))
    assert outcome["other"] == "database is locked"
    assert [e.object_id for e in events(sessions)] == ["0x" + "b" * 64]
