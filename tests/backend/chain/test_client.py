"""backend/chain/client.py against anvil: raw reads, per-card reads, and a node that is down."""

from __future__ import annotations

import pytest
from tests.backend.localchain import free_port

from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.errors import ChainError


def test_raw_reads(chain_with_collection):
    chain = Chain(chain_with_collection.rpc_url)
    assert chain.chain_id() == 31337
    head = chain.head()
    block = chain.block(head)
    assert block.number == head and block.hash.startswith("0x") and len(block.hash) == 66
    assert chain.block(head + 1000) is None
    deployed = chain_with_collection.collection
    logs = chain.logs([deployed.address], deployed.record.deployment_block, head)
    assert logs and all(entry["address"].lower() == deployed.address.lower() for entry in logs)


def test_read_card_follows_the_contract(chain_with_collection):
    local, deployed = chain_with_collection, chain_with_collection.collection
    chain = Chain(local.rpc_url)
    contract = contract_for(chain, deployed.record)
    holder = local.new_holder().address
    token_id = deployed.issue(holder, tier=1)
    card = chain.read_card(contract, token_id)
    assert (card.owner, card.valid, card.tier, card.locked) == (holder, True, 1, False)
    assert card.resident_number == deployed.card_on_chain(token_id)["resident_number"]
    deployed.revoke(token_id)
    assert chain.read_card(contract, token_id).owner is None
    assert chain.read_card(contract, 10**9).valid is False


def test_expired_card_is_held_but_not_valid(anvil, tmp_path):
    from tests.backend.localchain import LocalChain

    local = LocalChain(anvil.url, tmp_path)
    deployed = local.deploy("EXPIRE" + str(local.web3.eth.block_number))
    holder = local.new_holder().address
    token_id = deployed.issue(holder, expires_at=local.now() + 50)
    local.rpc("evm_increaseTime", [100])
    local.mine()
    card = Chain(local.rpc_url).read_card(contract_for(Chain(local.rpc_url), deployed.record), token_id)
    assert card.owner == holder and card.valid is False


def test_node_down_raises_a_chain_error_naming_the_node():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChainError) as exc:
        Chain(url, timeout=1).head()
    assert url in str(exc.value) and "eth_blockNumber" in str(exc.value)


def test_erc1271_is_false_for_an_account_without_code(chain_with_collection):
    chain = Chain(chain_with_collection.rpc_url)
    assert chain.is_valid_signature(chain_with_collection.new_holder().address, b"\0" * 32, b"\1" * 65) is False
    # a contract without isValidSignature (the card contract) is not a wallet either
    assert chain.is_valid_signature(chain_with_collection.collection.address, b"\0" * 32, b"\1" * 65) is False


def test_contract_calls_on_a_node_that_is_down_raise_a_chain_error(chain_with_collection):
    """Callers catch the project's ChainError, never web3's or requests' exceptions."""
    url = f"http://127.0.0.1:{free_port()}"
    card = contract_for(Chain(url, timeout=1), chain_with_collection.collection.record)
    with pytest.raises(ChainError) as exc:
        card.functions.symbol().call()
    assert url in str(exc.value) and "symbol" in str(exc.value)
