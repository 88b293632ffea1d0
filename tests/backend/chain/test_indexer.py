"""The chain indexer against a real anvil chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from backend.cards import card_by_token, cards_of_owner, index_state
from backend.db.models_chain import CardEvent, Collection
from backend.chain.indexer.indexer import LEASE_SECONDS, Indexer
from backend.settings import Settings
from tests.backend.manual_clock import ManualClock


def make_indexer(db_sessions, migrated_db_url, rpc_url, data_dir, clock=None, **overrides) -> Indexer:
    settings = Settings(_env_file=None, environment="test", rpc_url=rpc_url, chain_id=31337, data_dir=data_dir,
                        database_url=migrated_db_url, **overrides)
    return Indexer(settings, db_sessions) if clock is None else Indexer(settings, db_sessions, clock=clock)


@pytest.fixture
def indexer(db_sessions, migrated_db_url, chain_with_collection):
    return make_indexer(db_sessions, migrated_db_url, chain_with_collection.rpc_url, chain_with_collection.data_dir)


def collection_id(session, deployed) -> int:
    return session.scalar(select(Collection.id).where(Collection.address == deployed.address))


def indexed(db_sessions, deployed, token_id):
    with db_sessions() as session:
        return card_by_token(session, collection_id(session, deployed), token_id)


def assert_matches_chain(card, deployed, token_id):
    on_chain = deployed.card_on_chain(token_id)
    assert (card.owner, card.resident_number, card.tier, card.locked, card.issued_at, card.expires_at) == (
        on_chain["owner"], on_chain["resident_number"], on_chain["tier"], on_chain["locked"],
        on_chain["issued_at"], on_chain["expires_at"])
    assert card.status == "active"


def test_issued_card_is_indexed_with_the_contracts_data(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    holder = chain.new_holder()
    token_id = deployed.issue(holder.address, tier=1, expires_at=chain.now() + 86_400)
    indexer.catch_up()
    card = indexed(db_sessions, deployed, token_id)
    assert_matches_chain(card, deployed, token_id)
    assert card.holding_since == card.issued_at
    assert card.valid_now()
    with db_sessions() as session:
        assert [c.token_id for c in cards_of_owner(session, holder.address.lower())] == [token_id]


def test_batch_issue_gives_consecutive_resident_numbers(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    holders = [chain.new_holder().address for _ in range(5)]
    first = deployed.issue_batch(holders, tier=1)
    indexer.catch_up()
    numbers = []
    for offset, holder in enumerate(holders):
        card = indexed(db_sessions, deployed, first + offset)
        assert card.owner == holder
        assert_matches_chain(card, deployed, first + offset)
        numbers.append(card.resident_number)
    assert numbers == list(range(numbers[0], numbers[0] + 5))


def test_transfer_moves_the_card_and_resets_holding_since(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    alice, bob = chain.new_holder(), chain.new_holder()
    token_id = deployed.issue(alice.address)
    indexer.catch_up()
    issued = indexed(db_sessions, deployed, token_id)
    chain.rpc("evm_increaseTime", [120])
    deployed.transfer(token_id, bob.address)
    indexer.catch_up()
    card = indexed(db_sessions, deployed, token_id)
    assert card.owner == bob.address
    assert card.holding_since >= issued.holding_since + 120
    assert card.issued_at == issued.issued_at
    with db_sessions() as session:
        assert cards_of_owner(session, alice.address) == []
        assert [c.token_id for c in cards_of_owner(session, bob.address)] == [token_id]


def test_revoke_and_opt_out_end_validity(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    alice, bob = chain.new_holder(), chain.new_holder()
    revoked, opted = deployed.issue(alice.address), deployed.issue(bob.address)
    indexer.catch_up()
    deployed.revoke(revoked)
    deployed.opt_out(opted)
    indexer.catch_up()
    assert indexed(db_sessions, deployed, revoked).status == "revoked"
    assert indexed(db_sessions, deployed, opted).status == "opted_out"
    assert not indexed(db_sessions, deployed, revoked).valid_now()
    assert indexed(db_sessions, deployed, revoked).invalid_reason() == "revoked"
    with db_sessions() as session:
        assert cards_of_owner(session, alice.address) == []
        assert [c.status for c in cards_of_owner(session, alice.address, active_only=False)] == ["revoked"]


def test_tier_expiry_and_lock_changes_are_followed(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    token_id = deployed.issue(chain.new_holder().address, tier=0)
    indexer.catch_up()
    soon = chain.now() + 100
    deployed.set_tier(token_id, 1)
    deployed.set_expiry(token_id, soon)
    deployed.set_locked(token_id, True)
    indexer.catch_up()
    card = indexed(db_sessions, deployed, token_id)
    assert_matches_chain(card, deployed, token_id)
    assert (card.tier, card.expires_at, card.locked) == (1, soon, True)
    assert card.valid_now(now=soon - 1) and not card.valid_now(now=soon)
    assert card.invalid_reason(now=soon) == "expired"


def test_reissue_moves_the_resident_to_a_new_card(indexer, db_sessions, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.soulbound_collection
    lost, new_wallet = chain.new_holder(), chain.new_holder()
    old = deployed.issue(lost.address, tier=1, expires_at=chain.now() + 10_000)
    indexer.catch_up()
    new = deployed.reissue(old, new_wallet.address)
    indexer.catch_up()
    old_card, new_card = indexed(db_sessions, deployed, old), indexed(db_sessions, deployed, new)
    assert old_card.status == "reissued" and not old_card.valid_now()
    assert_matches_chain(new_card, deployed, new)
    assert (new_card.resident_number, new_card.tier, new_card.issued_at, new_card.expires_at, new_card.locked) == (
        old_card.resident_number, old_card.tier, old_card.issued_at, old_card.expires_at, True)
    assert new_card.soulbound and new_card.owner == new_wallet.address


def test_restart_resumes_from_the_stored_block(db_sessions, migrated_db_url, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    first = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    first.catch_up()
    with db_sessions() as session:
        stored = index_state(session, 31337).indexed_block
        events_before = session.scalar(select(func.count()).select_from(CardEvent))
    first.release()  # as on shutdown
    token_id = deployed.issue(chain.new_holder().address)
    restarted = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    result = restarted.catch_up()
    assert result.ranges and result.ranges[0][0] == stored + 1  # nothing read twice
    assert indexed(db_sessions, deployed, token_id).status == "active"
    with db_sessions() as session:
        # the new card's mint, lock status and CardsIssued: exactly three new events
        assert session.scalar(select(func.count()).select_from(CardEvent)) == events_before + 3


def test_small_chunks_give_the_same_index(db_sessions, migrated_db_url, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    chain.mine(4)  # more blocks than two chunks hold, whatever ran before (alone, the chain has 3)
    token_id = deployed.issue(chain.new_holder().address, tier=1)
    chunked = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir, log_chunk_blocks=2)
    result = chunked.catch_up()
    assert len(result.ranges) > 2
    assert all(end - start <= 1 for start, end in result.ranges)
    assert_matches_chain(indexed(db_sessions, deployed, token_id), deployed, token_id)


def test_confirmations_hold_back_recent_blocks(db_sessions, migrated_db_url, chain_with_collection):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    careful = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir, confirmations=3)
    careful.catch_up()
    token_id = deployed.issue(chain.new_holder().address)
    careful.catch_up()
    assert indexed(db_sessions, deployed, token_id) is None
    chain.mine(3)
    careful.catch_up()
    assert indexed(db_sessions, deployed, token_id).status == "active"


def test_a_collection_deployed_later_is_picked_up_and_backfilled(indexer, db_sessions, chain_with_collection):
    chain = chain_with_collection
    indexer.catch_up()
    later = chain.deploy("LATER" + str(chain.web3.eth.block_number))
    token_id = later.issue(chain.new_holder().address)
    indexer._registered_at = 0  # as after REGISTER_EVERY_SECONDS
    indexer.catch_up()
    assert_matches_chain(indexed(db_sessions, later, token_id), later, token_id)


def test_one_indexer_per_database_holds_the_lease(db_sessions, migrated_db_url, chain_with_collection):
    chain = chain_with_collection
    leader = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    other = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    assert leader.poll().leader
    result = other.poll()
    assert not result.leader and result.ranges == []
    leader.release()
    assert other.poll().leader
    assert not leader.poll().leader


def test_an_expired_lease_is_taken_over(db_sessions, migrated_db_url, chain_with_collection):
    chain, clock = chain_with_collection, ManualClock(time.time())
    crashed = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir, clock=clock)
    crashed.poll()  # then it dies without releasing
    successor = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir, clock=clock)
    clock.advance(LEASE_SECONDS - 1)
    assert not successor.poll().leader
    clock.advance(1)
    assert successor.poll().leader
    assert not crashed.poll().leader  # back from its stall, it finds the lease taken


def test_an_indexer_that_lost_its_lease_writes_nothing(db_sessions, migrated_db_url, chain_with_collection):
    """Stalled past its lease while another took over, an indexer that still believes it leads fails its next
    write (the renewal is inside it) instead of writing over the new leader's index."""
    from sqlalchemy import update

    from backend.chain.indexer.indexer import LeaseLost
    from backend.db.models_chain import ChainCursor

    chain, deployed = chain_with_collection, chain_with_collection.collection
    stalled = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    stalled.catch_up()
    token_id = deployed.issue(chain.new_holder().address)
    with db_sessions() as session:  # the new leader, as another process sees it
        session.execute(update(ChainCursor).where(ChainCursor.chain_id == 31337)
                        .values(leader="another-process", lease_until=time.time() + 60))
        session.commit()
    with pytest.raises(LeaseLost):
        stalled.poll()
    assert indexed(db_sessions, deployed, token_id) is None
    assert not stalled.poll().leader


def test_indexing_alongside_busy_writers_neither_fails(db_sessions, migrated_db_url, chain_with_collection):
    """Other requests writing all the time (as redemptions do) make the indexer wait its turn, never fail."""
    import threading
    import uuid

    from backend.db.models_chain import Municipality
    from backend.db.session import begin_immediate

    chain, deployed = chain_with_collection, chain_with_collection.collection
    indexer = make_indexer(db_sessions, migrated_db_url, chain.rpc_url, chain.data_dir)
    stop, errors = threading.Event(), []

    def writer():
        while not stop.is_set():
            try:
                with db_sessions() as session:
                    begin_immediate(session)
                    session.scalar(select(func.count()).select_from(Municipality))
                    session.add(Municipality(slug=uuid.uuid4().hex, name_ja="町", name_en="Town"))
                    time.sleep(0.002)
                    session.commit()
            except Exception as exc:
                errors.append(exc)
            time.sleep(0.003)

    writers = [threading.Thread(target=writer) for _ in range(3)]
    for thread in writers:
        thread.start()
    try:
        tokens = []
        for _ in range(8):
            tokens.append(deployed.issue(chain.new_holder().address))
            indexer.poll()
        indexer.catch_up()
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert errors == []
    assert all(indexed(db_sessions, deployed, token_id).status == "active" for token_id in tokens)


def test_a_record_of_another_chain_with_the_same_id_is_not_followed(db_sessions, chain_with_collection, tmp_path,
                                                                     caplog):
    import json

    from backend.chain.client import Chain
    from backend.chain.deployments import register_deployments

    chain = Chain(chain_with_collection.rpc_url)
    genesis = chain.request("eth_getBlockByNumber", ["0x0", False])["hash"]
    record = json.loads(chain_with_collection.collection.record_file.read_text(encoding="utf-8"))
    registered = {}
    # The same address (it has code here), three ways: this chain's, another chain's, and an older record.
    for symbol, genesis_hash in (("MINE", genesis), ("OTHER", "0x" + "33" * 32), ("OLDER", None)):
        folder = tmp_path / symbol
        folder.mkdir()
        (folder / f"{symbol}.json").write_text(json.dumps({**record, "symbol": symbol, "genesis_hash": genesis_hash}))
        with db_sessions() as session:
            registered[symbol] = len(register_deployments(session, folder, 31337, chain))
            session.rollback()
    assert registered == {"MINE": 1, "OTHER": 0, "OLDER": 1}
    assert "another chain with the same chain id 31337" in caplog.text and "OTHER.json" in caplog.text
