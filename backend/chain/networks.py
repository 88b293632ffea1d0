"""What the backend must know about each chain a town may run on: one `Network` profile per chain id.

Finality, fees, the `eth_getLogs` range public nodes accept, the explorer and whether blocks carry a PoA
signature in extraData: the one table of these facts (the wallet's add-chain parameters, the airdrop's
currency name and the indexer's defaults read it). `Settings.network` gives the profile of RESIDENT_CHAIN_ID
with RESIDENT_MAX_FEE_GWEI / RESIDENT_MAX_PRIORITY_FEE_GWEI applied.

`fee_quote(chain, network)` prices a transaction within the profile's caps; `bump(fees)` raises a quote for a
replacement at the same nonce (geth-based nodes refuse one that pays less than 10% more; we take 12.5%), and
`replacement_fees` keeps that bump within the caps. Pure apart from the node's fee readings, for whoever sends
(Issuer.send without the outbox, the transaction manager backend/chain/outbox).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

GWEI = 10**9
# A replacement must pay at least 10% more (geth's txpool.pricebump) on each fee field; 12.5% leaves room
# for rounding and for nodes that ask more.
MIN_BUMP = Decimal("1.125")
# maxFeePerGas = base fee × this + tip: survives six full blocks of +12.5% base-fee rises (1.125^6 ≈ 2.03).
BASE_FEE_HEADROOM = 2


@dataclass(frozen=True)
class Network:
    """One chain's facts. `finality`: the block tag the node answers with a final block ("finalized" or
    "safe"), None where the chain has none (then `confirmations` blocks behind the head count as final)."""

    chain_id: int
    name_en: str
    name_ja: str
    symbol: str  # the native token
    currency: str  # its full name, as wallets show it
    explorer: str | None  # base URL, no trailing slash
    public_rpc: str | None  # what a wallet may be offered (never the backend's own URL, which may carry a key)
    fee_model: Literal["eip1559", "legacy"]
    max_fee_gwei: Decimal  # cap on maxFeePerGas (or gasPrice for legacy)
    max_priority_fee_gwei: Decimal  # cap on maxPriorityFeePerGas
    min_priority_fee_gwei: Decimal = Decimal(0)  # floor some chains enforce (Polygon's validators: 25 gwei)
    confirmations: int = 0
    finality: Literal["finalized", "safe"] | None = None
    log_range: int = 2000  # blocks per eth_getLogs the chain's public nodes accept
    poa: bool = False  # blocks' extraData is longer than 32 bytes: web3 needs ExtraDataToPOAMiddleware
    testnet: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    def tx_url(self, tx_hash: str) -> str | None:
        """The explorer's page of a transaction, or None when the chain has no explorer (anvil)."""
        return f"{self.explorer}/tx/{tx_hash}" if self.explorer else None

    def address_url(self, address: str) -> str | None:
        return f"{self.explorer}/address/{address}" if self.explorer else None

    def capped(self, max_fee_gwei: Decimal | None = None, max_priority_fee_gwei: Decimal | None = None) -> Network:
        """This profile with other fee caps (RESIDENT_MAX_FEE_GWEI / RESIDENT_MAX_PRIORITY_FEE_GWEI)."""
        from dataclasses import replace
        return replace(self, max_fee_gwei=self.max_fee_gwei if max_fee_gwei is None else Decimal(max_fee_gwei),
                       max_priority_fee_gwei=(self.max_priority_fee_gwei if max_priority_fee_gwei is None
                                              else Decimal(max_priority_fee_gwei)))


D = Decimal
# Sources: each chain's developer documentation and chainlist entries (December 2026). Log ranges are the
# smallest limit of the usual public providers; a private node accepts more (RESIDENT_LOG_CHUNK_BLOCKS).
NETWORKS: dict[int, Network] = {n.chain_id: n for n in (
    Network(81, "Japan Open Chain", "ジャパンオープンチェーン", "JOC", "Japan Open Chain Token",
            "https://explorer.japanopenchain.org", "https://rpc-1.japanopenchain.org:8545", "legacy",
            max_fee_gwei=D(100), max_priority_fee_gwei=D(100), confirmations=15, log_range=1000, poa=True,
            notes=("Geth with proof of authority (validators run by Japanese companies): no finalized tag, "
                   "signers in extraData; legacy gasPrice is accepted by every release",)),
    Network(10081, "Japan Open Chain Testnet", "ジャパンオープンチェーン テストネット", "JOCT",
            "Japan Open Chain Token", "https://explorer.testnet.japanopenchain.org",
            "https://rpc-1.testnet.japanopenchain.org:8545", "legacy", max_fee_gwei=D(100),
            max_priority_fee_gwei=D(100), confirmations=15, log_range=1000, poa=True, testnet=True),
    Network(137, "Polygon", "Polygon PoS", "POL", "POL", "https://polygonscan.com", "https://polygon-rpc.com",
            "eip1559", max_fee_gwei=D(1000), max_priority_fee_gwei=D(100), min_priority_fee_gwei=D(30),
            finality="finalized", confirmations=64, log_range=1000, poa=True,
            notes=("Bor: milestones make `finalized` final within seconds; validators drop tips under 25 gwei",)),
    Network(80002, "Polygon Amoy", "Polygon Amoy テストネット", "POL", "POL", "https://amoy.polygonscan.com",
            "https://rpc-amoy.polygon.technology", "eip1559", max_fee_gwei=D(1000), max_priority_fee_gwei=D(100),
            min_priority_fee_gwei=D(30), finality="finalized", confirmations=64, log_range=1000, poa=True,
            testnet=True),
    Network(1868, "Soneium", "Soneium", "ETH", "Ether", "https://soneium.blockscout.com", "https://rpc.soneium.org",
            "eip1559", max_fee_gwei=D(10), max_priority_fee_gwei=D(1), finality="finalized", confirmations=10,
            log_range=2000, notes=("OP Stack rollup: `safe` once posted to Ethereum, `finalized` once it is final",)),
    Network(1946, "Soneium Minato", "Soneium Minato テストネット", "ETH", "Sepolia Ether",
            "https://soneium-minato.blockscout.com", "https://rpc.minato.soneium.org", "eip1559",
            max_fee_gwei=D(10), max_priority_fee_gwei=D(1), finality="finalized", confirmations=10, log_range=2000,
            testnet=True),
    Network(1, "Ethereum", "イーサリアム", "ETH", "Ether", "https://etherscan.io", None, "eip1559",
            max_fee_gwei=D(200), max_priority_fee_gwei=D(3), finality="finalized", confirmations=12, log_range=2000),
    Network(11155111, "Sepolia", "Sepolia テストネット", "ETH", "Sepolia Ether", "https://sepolia.etherscan.io",
            "https://rpc.sepolia.org", "eip1559", max_fee_gwei=D(200), max_priority_fee_gwei=D(3),
            finality="finalized", confirmations=12, log_range=2000, testnet=True),
    # `make run`'s chain: instant blocks, no reorgs unless a test makes one.
    Network(31337, "Local development chain (anvil)", "ローカル開発チェーン（anvil）", "ETH", "Ether", None, None,
            "eip1559", max_fee_gwei=D(100), max_priority_fee_gwei=D(2), confirmations=0, log_range=2000,
            testnet=True),
)}
LOCAL_CHAIN_ID = 31337


def known(chain_id: int) -> Network | None:
    return NETWORKS.get(chain_id)


def catalogue() -> str:
    """The chains we have profiles for, as a refusal lists them: "81 (Japan Open Chain), 137 (Polygon), …"."""
    return ", ".join(f"{n.chain_id} ({n.name_en})" for n in NETWORKS.values())


def unprofiled(chain_id: int) -> Network:
    """Outside production, a chain without a profile (a private test chain): EIP-1559, no explorer, final at once."""
    return Network(chain_id, f"chain {chain_id}", f"チェーン {chain_id}", "ETH", "Ether", None, None, "eip1559",
                   max_fee_gwei=D(100), max_priority_fee_gwei=D(2), testnet=True)


# -- fees -----------------------------------------------------------------
def fee_quote(chain, network: Network) -> dict[str, int]:
    """The fee fields of a transaction sent now on `chain` (a backend.chain.client.Chain), within `network`'s caps:
    {"maxFeePerGas", "maxPriorityFeePerGas"} or {"gasPrice"} for a legacy chain, in wei.

    A quote at the cap may wait for the base fee to fall: capping is the point (a spike does not empty the
    issuer's balance); the transaction manager watches and bumps within the caps."""
    cap = int(network.max_fee_gwei * GWEI)
    if network.fee_model == "legacy":
        return {"gasPrice": min(chain.gas_price(), cap)}
    base_fee = chain.base_fee()
    tip_cap = int(network.max_priority_fee_gwei * GWEI)
    tip = max(chain.priority_fee(), int(network.min_priority_fee_gwei * GWEI))
    tip = min(tip, tip_cap, cap)
    return {"maxFeePerGas": min(base_fee * BASE_FEE_HEADROOM + tip, cap), "maxPriorityFeePerGas": tip}


def bump(fees: dict[str, int], factor: Decimal | float | str = MIN_BUMP) -> dict[str, int]:
    """`fees` raised by `factor` (at least +12.5%, rounded up, +1 wei at least) on every field: what a replacement
    at the same nonce pays. Not capped: a replacement below the node's bump is refused, so the caller decides
    whether a bump past the caps is worth sending."""
    factor = max(Decimal(str(factor)), MIN_BUMP)
    return {name: max(math.ceil(Decimal(value) * factor), value + 1) for name, value in fees.items()}


def replacement_fees(old: dict[str, int], now: dict[str, int], network: Network) -> dict[str, int] | None:
    """The fees of a replacement at the same nonce: `old` bumped (the node's rule), or today's quote `now` where
    that is higher; None when the bump would pass `network`'s caps (the stuck transaction then waits for the
    base fee to fall, as a capped quote does)."""
    fees = {name: max(value, now.get(name, 0)) for name, value in bump(old).items()}
    caps = {"gasPrice": network.max_fee_gwei, "maxFeePerGas": network.max_fee_gwei,
            "maxPriorityFeePerGas": network.max_priority_fee_gwei}
    if any(value > int(caps[name] * GWEI) for name, value in fees.items()):
        return None
    return fees
