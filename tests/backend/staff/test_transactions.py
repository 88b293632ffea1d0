"""GET /staff/municipalities/{id}/transactions: the municipality's outbox rows by status with explorer links and
plain words for a failure, the balances of the keys that pay for them with a low flag, scoped to the
municipality and to its staff."""

from __future__ import annotations

import time

import pytest
from eth_account import Account

from backend.chain.outbox.report import TYPICAL_GAS, funds, status_of
from backend.db.models_chain import Municipality
from backend.db.models_outbox import OutboxTx
from backend.db.models_sponsorship import SponsorshipPolicy
from backend.settings import Settings
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.perks_setup import municipality_id_of, staff_headers

RELAYER = Account.create()  # a key of its own with nothing on it: its balance is 0


@pytest.fixture
def settings(db_url, chain_with_collection, anvil):
    """The app holds an issuer key (anvil's first account, funded) and a relayer key that holds nothing."""
    return Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                    data_dir=chain_with_collection.data_dir, database_url=db_url, poll_interval=0.05,
                    stale_after=5.0, jobs_enabled=False, issuer_key=ANVIL_KEYS[0], relayer_key=RELAYER.key.hex())


def add(app, municipality_id, state, key, **extra):
    now = time.time()
    values = {"idempotency_key": key, "chain_id": 31337, "sender": "0x" + "11" * 20, "to": "0x" + "22" * 20,
              "data": "0x", "value": "0", "gas": 21000, "purpose": "issue", "errors_abi": "[]", "state": state,
              "municipality_id": municipality_id, "attempts": 1, "created_at": now, "updated_at": now,
              "tx_hash": "0x" + key.encode().hex().ljust(64, "0"), **extra}
    with app.state.services.session_factory() as session:
        session.add(OutboxTx(**values))
        session.commit()


def other_municipality(app) -> int:
    with app.state.services.session_factory() as db:
        elsewhere = Municipality(slug=f"elsewhere-{time.monotonic_ns()}", name_ja="他町", name_en="Elsewhere")
        db.add(elsewhere)
        db.commit()
        return elsewhere.id


@pytest.fixture
def town(app, client, chain_with_collection, sync_index):
    sync_index()
    return municipality_id_of(app, chain_with_collection.collection)


def test_staff_read_their_municipality_transactions_by_status(client, app, town):
    add(app, town, "sent", "a", sent_at=time.time() - 10_000)
    add(app, town, "failed", "b", error_code="reverted", error="ResidentCardNonexistent(7)")
    add(app, town, "confirmed", "c", block_number=5)
    add(app, town, "sent", "d", sent_at=time.time(), attempts=2)  # bumped once: stuck, however recent
    add(app, town, "queued", "e", tx_hash=None)
    add(app, None, "failed", "system")  # the system's: no municipality sees it
    viewer = staff_headers(client, app, "viewer-1", municipality_id=town, role="viewer")
    url = f"/staff/municipalities/{town}/transactions"
    every = client.get(url, headers=viewer).json()
    assert [(t["status"], t["state"]) for t in every["transactions"]] == [
        ("pending", "queued"), ("stuck", "sent"), ("confirmed", "confirmed"), ("failed", "failed"), ("stuck", "sent")]
    assert every["explorer"] is None and every["symbol"] == "ETH"  # anvil: no explorer, so no links
    assert all(t["tx_url"] is None for t in every["transactions"])
    assert every["transactions"][1]["bumped"] is True
    failed = client.get(url, params={"state": "failed"}, headers=viewer).json()["transactions"]
    assert [(t["error_code"], t["error"], t["chain_id"]) for t in failed] == [
        ("reverted", "ResidentCardNonexistent(7)", 31337)]
    assert failed[0]["problem_en"] == "The contract refused the transaction. (ResidentCardNonexistent)"
    stuck = client.get(url, params={"state": "stuck"}, headers=viewer).json()["transactions"]
    assert [t["tx_hash"][:4] for t in stuck] == ["0x64", "0x61"]
    pending = client.get(url, params={"state": "pending"}, headers=viewer).json()["transactions"]
    assert [t["state"] for t in pending] == ["queued"]
    assert client.get(url, params={"state": "nonsense"}, headers=viewer).status_code == 422


def test_a_pending_transaction_is_never_pushed_out_by_finished_ones(client, app, town):
    add(app, town, "queued", "old-pending", tx_hash=None)
    for n in range(5):
        add(app, town, "confirmed", f"done-{n}")
    viewer = staff_headers(client, app, "viewer-2", municipality_id=town, role="viewer")
    rows = client.get(f"/staff/municipalities/{town}/transactions", params={"limit": 2}, headers=viewer).json()
    assert [t["status"] for t in rows["transactions"]] == ["confirmed", "confirmed", "pending"]


def test_a_failure_says_why_in_plain_words(client, app, town):
    add(app, town, "failed", "full", error_code="reverted",
        error="ResidentCardReceiverHoldsCard(0x" + "33" * 20 + ")")
    add(app, town, "failed", "refused", error_code="broadcast_refused", error="insufficient funds for gas")
    add(app, town, "replaced", "taken", error_code="nonce_taken", error="nonce 4 was used by another transaction")
    add(app, town, "failed", "bare", error_code="reverted", error="reverted on chain")
    viewer = staff_headers(client, app, "viewer-3", municipality_id=town, role="viewer")
    rows = client.get(f"/staff/municipalities/{town}/transactions", headers=viewer).json()["transactions"]
    words = {t["error_code"] + ":" + t["error"][:8]: (t["problem_ja"], t["problem_en"]) for t in rows}
    assert words["reverted:Resident"] == (
        "このウォレットは、このコレクションの住民カードを上限まで保有しています。（ResidentCardReceiverHoldsCard）",
        "This wallet already holds as many cards of this collection as it may (one per person for resident cards). "
        "(ResidentCardReceiverHoldsCard)")
    assert words["broadcast_refused:insuffic"][1].startswith("The network would not accept this transaction")
    assert words["nonce_taken:nonce 4 "][1].startswith("Another transaction from the same sender")
    assert words["reverted:reverted"] == ("コントラクトが取引を拒否しました。", "The contract refused the transaction.")


def test_each_paying_key_shows_its_balance_and_a_low_one_is_flagged(client, app, town):
    viewer = staff_headers(client, app, "viewer-4", municipality_id=town, role="viewer")
    url = f"/staff/municipalities/{town}/transactions"
    issuer = Account.from_key(ANVIL_KEYS[0]).address
    senders = client.get(url, headers=viewer).json()["senders"]
    assert [(s["role"], s["address"], s["low"]) for s in senders] == [("issuer", issuer, False)]  # no sponsorship
    balance = app.state.services.chain.balance(issuer)
    assert int(senders[0]["balance_wei"]) == balance and senders[0]["address_url"] is None
    assert int(senders[0]["cost_wei"]) > 0 and int(senders[0]["cost_wei"]) % TYPICAL_GAS == 0
    assert senders[0]["transactions_left"] == balance // int(senders[0]["cost_wei"])

    with app.state.services.session_factory() as db:  # the town pays residents' claim fees: the relayer counts
        db.add(SponsorshipPolicy(municipality_id=town, enabled=True, daily_budget_wei="10", monthly_budget_wei="10"))
        db.commit()
    senders = client.get(url, headers=viewer).json()["senders"]
    assert [(s["role"], s["address"], s["balance_wei"], s["low"]) for s in senders] == [
        ("issuer", issuer, str(balance), False), ("relayer", RELAYER.address, "0", True)]

    app.state.services.settings.outbox_low_balance_wei = balance + 1  # the floor: whatever the fees
    assert [s["low"] for s in client.get(url, headers=viewer).json()["senders"]] == [True, True]


def test_only_the_municipalitys_staff_read_it(client, app, town):
    url = f"/staff/municipalities/{town}/transactions"
    assert client.get(url).status_code == 401
    elsewhere = other_municipality(app)
    stranger = staff_headers(client, app, "stranger-1", municipality_id=elsewhere, role="admin")
    assert client.get(url, headers=stranger).status_code == 403
    add(app, elsewhere, "failed", "theirs", error_code="reverted", error="ResidentCardPaused")
    add(app, town, "queued", "ours", tx_hash=None)
    theirs = client.get(f"/staff/municipalities/{elsewhere}/transactions", headers=stranger).json()["transactions"]
    assert [t["error"] for t in theirs] == ["ResidentCardPaused"]  # and not ours
    viewer = staff_headers(client, app, "viewer-5", municipality_id=town, role="viewer")
    assert [t["state"] for t in client.get(url, headers=viewer).json()["transactions"]] == ["queued"]


def test_status_and_low_funds_are_pure_rules():
    row = OutboxTx(state="sent", attempts=1, sent_at=1000.0)
    assert status_of(row, now=1089.0, stuck_after=90) == "pending"
    assert status_of(row, now=1090.0, stuck_after=90) == "stuck"
    assert status_of(OutboxTx(state="mined", attempts=3, sent_at=0.0), now=1e9, stuck_after=90) == "pending"
    assert status_of(OutboxTx(state="replaced", attempts=1), now=0, stuck_after=90) == "failed"
    enough = funds(10 * 200_000 * 5, 200_000, 5, wanted=10, floor_wei=0)
    assert (enough.low, enough.transactions_left) == (False, 10)
    assert funds(10 * 200_000 * 5 - 1, 200_000, 5, wanted=10, floor_wei=0).low is True
    assert funds(10**18, 200_000, 0, wanted=10, floor_wei=10**18 + 1).low is True  # a free chain: the floor


def test_odd_inputs_are_refused_not_failed(client, app, town):
    admin = staff_headers(client, app, "super-odd")  # a superuser passes the role check for any id
    for path, params in [(f"/staff/municipalities/{2**64}/transactions", {}),
                         (f"/staff/municipalities/{town}/transactions", {"limit": 0}),
                         (f"/staff/municipalities/{town}/transactions", {"limit": 501}),
                         (f"/staff/municipalities/{town}/transactions", {"state": "done", "limit": 500}),
                         ("/staff/municipalities/-1/transactions", {"state": "stuck"})]:
        assert client.get(path, params=params, headers=admin).status_code < 500, (path, params)
