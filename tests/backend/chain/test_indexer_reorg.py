"""Reorgs on a private anvil chain: evm_snapshot / evm_revert replace indexed blocks with others."""

from __future__ import annotations

import pytest
from tests.backend.localchain import Anvil, LocalChain
from sqlalchemy import func, select

from backend.cards import card_by_token, cards_of_owner
from backend.db.models_chain import Card, CardEvent, Collection, IndexedBlock
from backend.chain.indexer.indexer import Indexer
from backend.settings import Settings


@pytest.fixture
def private_chain(tmp_path):
    node = Anvil()
    yield LocalChain(node.url, tmp_path / "data")
    node.stop()


def make_indexer(db_sessions, db_url, chain, **overrides):
    settings = Settings(_env_file=None, environment="test", rpc_url=chain.rpc_url, chain_id=31337,
                        data_dir=chain.data_dir, database_url=db_url, **overrides)
    return Indexer(settings, db_sessions)


def card(db_sessions, deployed, token_id):
    with db_sessions() as session:
        cid = session.scalar(select(Collection.id).where(Collection.address == deployed.address))
        return card_by_token(session, cid, token_id)


def test_reorg_rewinds_to_the_common_ancestor_and_reapplies_the_new_branch(db_sessions, migrated_db_url,
                                                                            private_chain):
    chain = private_chain
    deployed = chain.deploy("REORG")
    alice, bob, carol = (chain.new_holder().address for _ in range(3))
    first = deployed.issue(alice, tier=0)
    indexer = make_indexer(db_sessions, migrated_db_url, chain)
    indexer.catch_up()
    fork_point = chain.web3.eth.block_number
    snapshot = chain.snapshot()

    # Branch A: alice's card goes to bob, a second card is minted, a few empty blocks.
    deployed.transfer(first, bob)
    second = deployed.issue(bob, tier=1)
    deployed.set_tier(first, 1)
    chain.mine(3)
    indexer.catch_up()
    assert card(db_sessions, deployed, first).owner == bob
    assert card(db_sessions, deployed, second).status == "active"

    # Branch B replaces it: the card goes to carol instead, and the chain grows longer.
    chain.revert(snapshot)
    deployed.transfer(first, carol)
    chain.mine(6)
    result = indexer.catch_up()

    assert result.reorg_to == fork_point
    rewound = card(db_sessions, deployed, first)
    assert rewound.owner == carol and rewound.tier == 0
    assert rewound.owner == deployed.card_on_chain(first)["owner"]
    assert card(db_sessions, deployed, second).status == "orphaned"  # never existed on the canonical chain
    with db_sessions() as session:
        assert cards_of_owner(session, bob) == []
        assert [c.token_id for c in cards_of_owner(session, carol)] == [first]
        # every stored hash is canonical again
        for number, stored_hash in session.execute(select(IndexedBlock.number, IndexedBlock.hash)):
            assert chain.web3.eth.get_block(number)["hash"].to_0x_hex() == stored_hash

    # The orphaned token id is minted again on branch B: the same row comes back to life.
    with db_sessions() as session:
        row_id = session.scalar(select(Card.id).where(Card.token_id == second))
    again = deployed.issue(alice, tier=1)
    assert again == second
    indexer.catch_up()
    revived = card(db_sessions, deployed, second)
    assert (revived.id, revived.owner, revived.status) == (row_id, alice, "active")


def test_reorg_to_a_shorter_chain_is_detected(db_sessions, migrated_db_url, private_chain):
    chain = private_chain
    deployed = chain.deploy("SHORT")
    holder = chain.new_holder().address
    indexer = make_indexer(db_sessions, migrated_db_url, chain)
    indexer.catch_up()
    snapshot = chain.snapshot()
    token_id = deployed.issue(holder)
    chain.mine(5)
    indexer.catch_up()
    chain.revert(snapshot)  # the head is now below the indexed block
    result = indexer.catch_up()
    assert result.reorg_to is not None and result.indexed == chain.web3.eth.block_number
    assert card(db_sessions, deployed, token_id).status == "orphaned"
    with db_sessions() as session:
        assert session.scalar(select(func.count()).select_from(CardEvent)) == 0


def test_reorg_deeper_than_the_window_rebuilds_from_the_deployment(db_sessions, migrated_db_url, private_chain):
    chain = private_chain
    snapshot = chain.snapshot()  # before the collection even exists
    deployed = chain.deploy("DEEP")
    holder = chain.new_holder().address
    token_id = deployed.issue(holder)
    indexer = make_indexer(db_sessions, migrated_db_url, chain, reorg_window=2, log_chunk_blocks=1)
    indexer.catch_up()
    assert card(db_sessions, deployed, token_id).status == "active"
    chain.revert(snapshot)
    chain.mine(10)  # no collection at that address any more, nothing minted
    result = indexer.catch_up()
    assert result.reorg_to == -1
    assert card(db_sessions, deployed, token_id).status == "orphaned"
