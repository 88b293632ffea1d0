"""GET /staff/municipalities/{id}/transactions: the municipality's outbox rows by state, its sender's balance,
scoped to the municipality."""

from __future__ import annotations

import time

from backend.db.models_outbox import OutboxTx
from tests.backend.perks_setup import municipality_id_of, staff_headers


def add(app, municipality_id, state, key, **extra):
    now = time.time()
    with app.state.services.session_factory() as session:
        session.add(OutboxTx(idempotency_key=key, chain_id=31337, sender="0x" + "11" * 20, to="0x" + "22" * 20,
                             data="0x", value="0", gas=21000, purpose="issue", errors_abi="[]", state=state,
                             municipality_id=municipality_id, attempts=1, created_at=now, updated_at=now,
                             tx_hash="0x" + key.encode().hex().ljust(64, "0"), **extra))
        session.commit()


def test_staff_read_their_municipality_transactions_by_state(client, app, chain_with_collection, sync_index):
    sync_index()
    mid = municipality_id_of(app, chain_with_collection.collection)
    add(app, mid, "sent", "a", sent_at=time.time() - 10_000)
    add(app, mid, "failed", "b", error_code="reverted", error="ResidentCardNonexistent(7)")
    add(app, mid, "confirmed", "c")
    add(app, None, "failed", "system")  # the system's: no municipality sees it
    viewer = staff_headers(client, app, "viewer-1", municipality_id=mid, role="viewer")
    url = f"/staff/municipalities/{mid}/transactions"
    every = client.get(url, headers=viewer).json()["transactions"]
    assert [t["state"] for t in every] == ["confirmed", "failed", "sent"]
    failed = client.get(url, params={"state": "failed"}, headers=viewer).json()["transactions"]
    assert [(t["error_code"], t["error"], t["chain_id"]) for t in failed] == [
        ("reverted", "ResidentCardNonexistent(7)", 31337)]
    stuck = client.get(url, params={"state": "stuck"}, headers=viewer).json()["transactions"]
    assert [t["state"] for t in stuck] == ["sent"] and stuck[0]["tx_hash"].startswith("0x")
    assert client.get(url, params={"state": "nonsense"}, headers=viewer).status_code == 422
    other = client.get(f"/staff/municipalities/{mid + 1000}/transactions", headers=viewer)
    assert other.status_code in (403, 404)
