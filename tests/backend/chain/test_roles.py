"""backend/chain/roles.py on a real anvil: the check says when a key holds a role it should not (the issuer
key also the card's admin) or lacks one it needs, and is quiet for keys that hold exactly their roles."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.chain.issuer import Issuer
from backend.chain.roles import check_roles
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID, ROOT

ADMIN = Account.from_key(ANVIL_KEYS[0]).address  # the test card's deployer: admin, issuer and pauser


@pytest.fixture
def contracts(chain_with_collection, anvil):
    chain = Chain(anvil.url)
    card = contract_for(chain, chain_with_collection.collection.record)
    art = json.loads((ROOT / "build" / "contracts" / "ResidentMinter.json").read_text())
    web3 = chain_with_collection.web3
    factory = web3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = web3.eth.wait_for_transaction_receipt(
        factory.constructor(card.address, ADMIN, "0x" + "00" * 20).transact({"from": ADMIN}))
    return {"card": card, "minter": chain.contract_at(receipt["contractAddress"], art["abi"])}


def _grant(contracts, name: str, role: str, address: str, anvil) -> None:
    contract = contracts[name]
    Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID).send(
        contract.functions.grantRole(getattr(contract.functions, role)().call(), address))


def test_the_admin_key_as_issuer_is_named_for_each_role_too_many(contracts):
    findings = check_roles(contracts, {"issuer": ADMIN})
    assert {(f.contract, f.role, f.kind) for f in findings} == {("card", "DEFAULT_ADMIN_ROLE", "excess"),
                                                                ("card", "PAUSER_ROLE", "excess")}
    assert "revoke it" in str(findings[0]) and ADMIN in str(findings[0])


def test_separate_keys_with_exactly_their_roles_pass_and_a_missing_role_is_named(contracts, anvil):
    issuer, voucher, relayer = (Account.create().address for _ in range(3))
    keys = {"issuer": issuer, "voucher": voucher, "relayer": relayer}
    missing = check_roles(contracts, keys)
    assert {(f.key, f.role, f.kind) for f in missing} == {("issuer", "ISSUER_ROLE", "missing"),
                                                          ("voucher", "VOUCHER_SIGNER_ROLE", "missing")}
    _grant(contracts, "card", "ISSUER_ROLE", issuer, anvil)
    _grant(contracts, "minter", "VOUCHER_SIGNER_ROLE", voucher, anvil)
    assert check_roles(contracts, keys) == []
    _grant(contracts, "minter", "VOUCHER_SIGNER_ROLE", relayer, anvil)  # a relayer able to sign vouchers
    (finding,) = check_roles(contracts, keys)
    assert (finding.key, finding.contract, finding.role, finding.kind) == ("relayer", "minter", "VOUCHER_SIGNER_ROLE",
                                                                           "excess")


def test_one_key_for_two_roles_is_a_finding(contracts, anvil):
    key = Account.create().address
    _grant(contracts, "card", "ISSUER_ROLE", key, anvil)
    findings = check_roles({"card": contracts["card"]}, {"issuer": key, "relayer": key})
    assert "shared" in {f.kind for f in findings}
    assert any("give each role its own key" in str(f) for f in findings)
