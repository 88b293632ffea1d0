"""What the indexer treats as final, on a private anvil chain: the node's `finalized` / `safe` block where the
profile has that tag, else head − confirmations; and eth_getLogs ranges within the chain's limit.

anvil answers the tags as a beacon chain would: `safe` is the head − slots-in-an-epoch, `finalized` the head − 2
× slots (started here with 3 slots: 3 and 6 blocks behind)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.cards import card_by_token
from backend.chain.client import Chain
from backend.chain.indexer.indexer import Indexer
from backend.db.models_chain import ChainCursor, Collection
from backend.errors import ChainError
from backend.settings import Settings
from tests.backend.localchain import Anvil, LocalChain

SLOTS = 3


@pytest.fixture
def tagged_chain(tmp_path):
    node = Anvil(extra=["--slots-in-an-epoch", str(SLOTS)])
    yield LocalChain(node.url, tmp_path / "data")
    node.stop()


def settings_for(chain, db_url, **overrides) -> Settings:
    return Settings(_env_file=None, environment="test", rpc_url=chain.rpc_url, chain_id=31337,
                    data_dir=chain.data_dir, database_url=db_url, **overrides)


def indexed_card(db_sessions, deployed, token_id):
    with db_sessions() as session:
        cid = session.scalar(select(Collection.id).where(Collection.address == deployed.address))
        return card_by_token(session, cid, token_id)


def tag_number(chain, tag: str) -> int:
    return chain.web3.eth.get_block(tag)["number"]


@pytest.mark.parametrize("tag, behind", [("finalized", 2 * SLOTS), ("safe", SLOTS)])
def test_the_index_follows_the_nodes_final_block_not_the_head(db_sessions, migrated_db_url, tagged_chain,
                                                              tag, behind):
    chain = tagged_chain
    deployed = chain.deploy("FINAL")
    chain.mine(2 * behind)  # the deployment itself final
    indexer = Indexer(settings_for(chain, migrated_db_url, finality=tag), db_sessions)
    indexer.catch_up()
    token_id = deployed.issue(chain.new_holder().address)
    issued_in = chain.web3.eth.block_number

    result = indexer.catch_up()
    assert result.final == tag_number(chain, tag) == result.head - behind
    assert result.indexed == result.final < issued_in
    assert indexed_card(db_sessions, deployed, token_id) is None  # mined, not final yet
    with db_sessions() as session:
        assert session.get(ChainCursor, 31337).indexed_block == result.final

    chain.mine(behind)
    result = indexer.catch_up()
    assert result.final == issued_in
    assert indexed_card(db_sessions, deployed, token_id).owner == deployed.card_on_chain(token_id)["owner"]


def test_without_a_tag_the_profile_counts_confirmations(db_sessions, migrated_db_url, tagged_chain):
    chain = tagged_chain
    settings = settings_for(chain, migrated_db_url, confirmations=2)
    assert settings.finality == "none"  # anvil's profile has no tag: the node's answer is not asked for
    chain.deploy("COUNTED")
    chain.mine(4)
    result = Indexer(settings, db_sessions).catch_up()
    assert result.final == result.indexed == result.head - 2 != tag_number(chain, "safe")


def test_a_profiles_tag_and_log_range_are_the_defaults():
    polygon = Settings(_env_file=None, environment="test", chain_id=137)
    joc = Settings(_env_file=None, environment="test", chain_id=81)
    assert (polygon.finality, polygon.log_chunk_blocks) == ("finalized", 1000)
    assert (joc.finality, joc.confirmations, joc.log_chunk_blocks) == ("none", 15, 1000)
    assert Settings(_env_file=None, environment="test", chain_id=137, finality="safe").finality == "safe"


class RangeLimitedChain(Chain):
    """A public provider's eth_getLogs range limit, which anvil does not have (anvil serves the logs; only the
    refusal is imitated, worded as Alchemy and Infura word it)."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(url)
        self.limit = limit
        self.asked: list[tuple[int, int]] = []

    def logs(self, addresses, from_block, to_block, topics=None):
        self.asked.append((from_block, to_block))
        if to_block - from_block + 1 > self.limit:
            raise ChainError(self.rpc_url, f"eth_getLogs error: block range limit exceeded ({self.limit})")
        return super().logs(addresses, from_block, to_block, topics)


def test_log_queries_stay_within_the_chunk_and_cover_every_block(db_sessions, migrated_db_url, tagged_chain):
    chain = tagged_chain
    deployed = chain.deploy("CHUNKED")
    holders = [chain.new_holder().address for _ in range(3)]
    tokens = []
    for holder in holders:
        tokens.append(deployed.issue(holder))
        chain.mine(7)
    node = RangeLimitedChain(chain.rpc_url, limit=5)
    indexer = Indexer(settings_for(chain, migrated_db_url, log_chunk_blocks=5), db_sessions, chain=node)
    result = indexer.catch_up()
    assert node.asked and all(end - start + 1 <= 5 for start, end in node.asked)
    ranges = result.ranges
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:])) and ranges[-1][1] == result.head
    for holder, token_id in zip(holders, tokens):
        assert indexed_card(db_sessions, deployed, token_id).owner == holder


def test_a_refused_range_is_halved_until_the_node_accepts_it(db_sessions, migrated_db_url, tagged_chain):
    chain = tagged_chain
    deployed = chain.deploy("HALVED")
    token_id = deployed.issue(chain.new_holder().address)
    chain.mine(30)
    node = RangeLimitedChain(chain.rpc_url, limit=4)
    indexer = Indexer(settings_for(chain, migrated_db_url, log_chunk_blocks=16), db_sessions, chain=node)
    indexer.catch_up()
    refused = [r for r in node.asked if r[1] - r[0] + 1 > 4]
    assert refused and len(refused) <= 3  # 16 → 8 → 4, then no range above the node's limit again
    assert indexer.chunk == 4
    assert indexed_card(db_sessions, deployed, token_id) is not None


def test_health_measures_the_index_against_the_final_block_not_the_head(migrated_db_url, tagged_chain):
    from fastapi.testclient import TestClient

    from backend.app import create_app

    chain = tagged_chain
    chain.deploy("HEALTHY")
    chain.mine(20)
    # Polled every 2.5 s, the index may be 2 blocks late; the finalized block is 6 behind the head.
    settings = settings_for(chain, migrated_db_url, finality="finalized", poll_interval=2.5, stale_after=30.0,
                            jobs_enabled=False)
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.services.indexer.catch_up(30)
        health = client.get("/health")
    body = health.json()
    assert body["lag"] == 2 * SLOTS and body["indexed_block"] == tag_number(chain, "finalized")
    assert health.status_code == 200 and body["status"] == "ok", body["problems"]
