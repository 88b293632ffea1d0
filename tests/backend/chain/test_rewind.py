"""Each test on the session's anvil node starts from the same chain (tests/backend/conftest.py
`_chain_rewound`): the blocks, contracts, cards and deployment records one test made are gone for the
next. The tests run in this order (pytest keeps a file's order)."""

from __future__ import annotations

LEFT_BEHIND: dict = {}  # what the first test made, for the second to look for


def test_the_sessions_collections_are_deployed(chain_with_collection):
    # (first, so the session's chain exists before the test below: what a test's session fixtures build stays)
    chain = chain_with_collection
    assert chain.web3.eth.get_code(chain.collection.address) and chain.web3.eth.get_code(
        chain.soulbound_collection.address)


def test_a_test_deploys_issues_and_mines(chain_with_collection):
    chain = chain_with_collection
    start = chain.web3.eth.block_number
    supply = chain.collection.contract.functions.totalSupply().call()
    deployed = chain.deploy("REWIND" + str(start))
    chain.collection.issue(chain.new_holder().address)
    chain.mine(5)
    assert deployed.record_file.exists() and chain.web3.eth.get_code(deployed.address)
    assert chain.collection.contract.functions.totalSupply().call() == supply + 1
    LEFT_BEHIND.update(start=start, supply=supply, address=deployed.address, record=deployed.record_file)


def test_and_the_next_test_finds_the_chain_as_it_was(chain_with_collection):
    chain = chain_with_collection
    if LEFT_BEHIND:  # (run alone, there is nothing to look for)
        assert chain.web3.eth.block_number == LEFT_BEHIND["start"]
        assert chain.web3.eth.get_code(LEFT_BEHIND["address"]) == b""
        assert not LEFT_BEHIND["record"].exists()
        assert chain.collection.contract.functions.totalSupply().call() == LEFT_BEHIND["supply"]
    assert not list(chain.deployments_dir.rglob("*REWIND*"))
