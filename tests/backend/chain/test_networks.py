"""backend/chain/networks.py: the chain profiles, Settings reading them, and fee quotes and bumps on a real anvil."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from eth_account import Account
from tests.backend.localchain import ANVIL_KEYS, Anvil
from tests.backend.production import production_settings

from backend.campaigns.airdrop import _native_token
from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.chain.issuer import Issuer
from backend.chain.networks import GWEI, NETWORKS, bump, fee_quote, known
from backend.errors import ChainError
from backend.settings import Settings
from backend.web.chains import add_chain_params

TOWNS_CHAINS = {81, 10081, 137, 80002, 1868, 1946, 1, 11155111, 31337}


def test_every_chain_towns_use_has_a_profile():
    assert TOWNS_CHAINS <= set(NETWORKS)
    for network in NETWORKS.values():
        assert network.name_en and network.name_ja and network.symbol
        assert network.log_range >= 100 and network.max_priority_fee_gwei <= network.max_fee_gwei
        assert network.finality is not None or network.confirmations > 0 or network.chain_id == 31337


def test_proof_of_authority_chains_are_legacy_or_need_the_extradata_middleware():
    assert known(81).fee_model == "legacy" and known(81).poa and known(81).finality is None
    assert known(137).poa and known(137).min_priority_fee_gwei >= 25  # Bor drops tips under 25 gwei
    assert not known(1).poa and known(1).finality == "finalized"


def test_explorer_links_name_the_transaction_and_the_address():
    tx = "0x" + "ab" * 32
    assert known(81).tx_url(tx) == f"https://explorer.japanopenchain.org/tx/{tx}"
    assert known(137).address_url("0x" + "1" * 40) == "https://polygonscan.com/address/0x" + "1" * 40
    assert known(31337).tx_url(tx) is None  # anvil has no explorer


def test_wallet_parameters_and_the_airdrop_currency_read_the_profile():
    assert add_chain_params(81, "")["nativeCurrency"]["symbol"] == known(81).symbol == _native_token(81)
    assert add_chain_params(1868, "")["blockExplorerUrls"] == ["https://soneium.blockscout.com"]
    assert _native_token(424242) == "(this chain's currency)"


def test_settings_default_indexer_finality_and_log_range_from_the_profile():
    polygon = Settings(_env_file=None, chain_id=137)
    assert (polygon.confirmations, polygon.log_chunk_blocks) == (64, 1000)
    assert Settings(_env_file=None, chain_id=137, confirmations=3, log_chunk_blocks=50).confirmations == 3
    local = Settings(_env_file=None)
    assert (local.confirmations, local.log_chunk_blocks) == (0, 2000)


def test_fee_cap_settings_override_the_profile():
    settings = Settings(_env_file=None, chain_id=1, max_fee_gwei="50", max_priority_fee_gwei="1.5")
    assert settings.network.max_fee_gwei == Decimal(50) and settings.network.max_priority_fee_gwei == Decimal("1.5")
    assert Settings(_env_file=None, chain_id=1).network.max_fee_gwei == known(1).max_fee_gwei


def test_production_refuses_a_chain_without_a_profile_naming_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match="RESIDENT_CHAIN_ID=424242") as refused:
        production_settings(tmp_path, chain_id=424242)
    assert "81 (Japan Open Chain)" in str(refused.value) and "チェーン" in str(refused.value)
    assert production_settings(tmp_path, chain_id=81).network.symbol == "JOC"
    assert Settings(_env_file=None, chain_id=424242).network.chain_id == 424242  # a private test chain elsewhere


# -- fees on anvil ----------------------------------------------------------
@pytest.fixture
def paused_chain():
    """An anvil of its own that mines only when asked: transactions stay pending, to be replaced."""
    node = Anvil(extra=["--no-mining"])
    yield Chain(node.url)
    node.stop()


def _send(chain: Chain, fees: dict, nonce: int = 0) -> str:
    account = Account.from_key(ANVIL_KEYS[1])
    tx = {"to": "0x" + "22" * 20, "value": 1, "gas": 21_000, "nonce": nonce, "chainId": 31337, **fees}
    return chain.send_raw(account.sign_transaction(tx).raw_transaction)


def test_eip1559_quote_follows_the_base_fee_under_the_caps(anvil):
    chain = Chain(anvil.url)
    fees = fee_quote(chain, known(31337))
    base = chain.base_fee()
    assert set(fees) == {"maxFeePerGas", "maxPriorityFeePerGas"}
    assert fees["maxPriorityFeePerGas"] <= known(31337).max_priority_fee_gwei * GWEI
    assert fees["maxFeePerGas"] == 2 * base + fees["maxPriorityFeePerGas"]
    receipt = chain.wait_for_receipt(_send(chain, fees, chain.nonce(Account.from_key(ANVIL_KEYS[1]).address)), 10)
    assert receipt.status == 1


def test_a_base_fee_spike_is_capped(paused_chain):
    chain = paused_chain  # its own chain: the session's rewind does not undo a base fee
    chain.request("anvil_setNextBlockBaseFeePerGas", [hex(80 * GWEI)])
    chain.request("evm_mine", [])
    assert chain.base_fee() >= 80 * GWEI
    fees = fee_quote(chain, known(31337).capped(max_fee_gwei=Decimal(30), max_priority_fee_gwei=Decimal(1)))
    assert fees["maxFeePerGas"] == 30 * GWEI and fees["maxPriorityFeePerGas"] <= GWEI


def test_legacy_quote_is_a_capped_gas_price(anvil):
    chain = Chain(anvil.url)
    legacy = replace(known(31337), fee_model="legacy")
    assert fee_quote(chain, legacy) == {"gasPrice": chain.gas_price()}
    tiny = replace(legacy, max_fee_gwei=Decimal("0.000000001"))  # 1 wei
    assert fee_quote(chain, tiny) == {"gasPrice": 1}


def test_priority_floor_is_kept(anvil):
    polygon_like = replace(known(31337), min_priority_fee_gwei=Decimal(30), max_priority_fee_gwei=Decimal(100))
    assert fee_quote(Chain(anvil.url), polygon_like)["maxPriorityFeePerGas"] == 30 * GWEI


def test_bump_raises_every_field_by_at_least_an_eighth():
    assert bump({"maxFeePerGas": 800, "maxPriorityFeePerGas": 8}) == {"maxFeePerGas": 900,
                                                                        "maxPriorityFeePerGas": 9}
    assert bump({"gasPrice": 1000}, 1.01) == {"gasPrice": 1125}  # never under the nodes' minimum
    assert bump({"gasPrice": 1000}, 2) == {"gasPrice": 2000}
    assert bump({"gasPrice": 1}) == {"gasPrice": 2}


def test_a_bumped_transaction_replaces_a_pending_one_and_the_same_fees_do_not(paused_chain):
    chain = paused_chain
    fees = fee_quote(chain, known(31337))
    first = _send(chain, fees)
    with pytest.raises(ChainError, match="(?i)underpriced|replacement"):
        _send_different(chain, fees)  # same nonce, same fees: the node keeps the first
    second = _send_different(chain, bump(fees))
    chain.request("evm_mine", [])
    assert chain.receipt(second).status == 1 and chain.receipt(first) is None


def _send_different(chain: Chain, fees: dict) -> str:
    """Another transaction at nonce 0 (a different value, so a different hash)."""
    account = Account.from_key(ANVIL_KEYS[1])
    tx = {"to": "0x" + "22" * 20, "value": 2, "gas": 21_000, "nonce": 0, "chainId": 31337, **fees}
    return chain.send_raw(account.sign_transaction(tx).raw_transaction)


def test_the_issuer_pays_within_its_profiles_caps(anvil, chain_with_collection):
    chain = Chain(anvil.url)
    capped = known(31337).capped(max_fee_gwei=Decimal(7), max_priority_fee_gwei=Decimal("0.5"))
    issuer = Issuer(chain, ANVIL_KEYS[0], 31337, network=capped)
    card = contract_for(chain, chain_with_collection.collection.record)
    sent = issuer.send(card.functions.issue(Account.create().address, 1, 0))
    tx = chain.transaction(sent.tx_hash)
    assert int(tx["maxFeePerGas"], 16) <= 7 * GWEI and int(tx["maxPriorityFeePerGas"], 16) <= GWEI // 2
