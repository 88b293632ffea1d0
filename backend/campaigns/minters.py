"""A collection's ResidentMinter as the backend sees it: found from its record, campaigns read as values.

The minter record (data/deployments/<chain>/<SYMBOL>.minter.json, backend/chain/deployments.py) is
written by scripts/campaign.py and by `make run`'s demo; the backend never deploys a minter itself.
Calls go through the web3 connection of backend/chain/client.py; transactions through backend/chain/issuer.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_utils import to_checksum_address

from backend.campaigns.merkle import CAMPAIGN_PRICE
from backend.chain.client import Chain
from backend.chain.deployments import DeploymentRecord, MinterRecord, card_record, contract_for, minter_record

ZERO_ROOT = "0x" + "00" * 32
DAY_SECONDS = 86_400

# A campaign's state now, as the console shows it and the holder API refuses with.
OPEN, SCHEDULED, ENDED, PAUSED, CLOSED, SOLD_OUT = "open", "scheduled", "ended", "paused", "closed", "sold_out"


@dataclass(frozen=True)
class CampaignState:
    """ResidentMinter.campaign(id) as a value, with the cards claimed and whether it is closed."""

    onchain_id: int
    start: int
    end: int
    price: int
    supply: int
    max_per_wallet: int
    tier: int
    valid_for: int
    expires_at: int
    root: str  # 0x…; ZERO_ROOT = no allowlist
    voucher: bool
    paused: bool
    claimed: int
    closed: bool

    @property
    def remaining(self) -> int:
        return 0 if self.closed else self.supply - self.claimed

    @property
    def mode(self) -> str:
        return "voucher" if self.voucher else "allowlist" if self.root != ZERO_ROOT else "open"

    def status(self, now: int) -> str:
        """What a claim made at `now` meets first, in the contract's order (ResidentMinter._open, then supply)."""
        if self.closed:
            return CLOSED
        if self.paused:
            return PAUSED
        if now >= self.end:
            return ENDED
        if now < self.start:
            return SCHEDULED
        if self.claimed >= self.supply:
            return SOLD_OUT
        return OPEN


def read_campaign(minter, onchain_id: int) -> CampaignState:
    """Reads campaign `onchain_id` of the web3 contract `minter` (one call)."""
    settings, claimed, closed = minter.functions.campaign(onchain_id).call()
    start, end, price, supply, per_wallet, tier, valid_for, expires_at, root, voucher, paused = tuple(settings)
    return CampaignState(onchain_id, int(start), int(end), int(price), int(supply), int(per_wallet), int(tier),
                         int(valid_for), int(expires_at), "0x" + bytes(root).hex(), bool(voucher), bool(paused),
                         int(claimed), bool(closed))


def campaign_tuple(*, start: int, end: int, price: int, supply: int, max_per_wallet: int, tier: int,
                   valid_for: int = 0, expires_at: int = 0, root: str | None = None, voucher: bool = False,
                   paused: bool = False) -> tuple:
    """ResidentMinter's Campaign struct for createCampaign / updateCampaign."""
    return (start, end, price, supply, max_per_wallet, tier, valid_for, expires_at, root or ZERO_ROOT, voucher, paused)


def leaf_price_to_pay(state: CampaignState, leaf_price: int) -> int:
    """What one card costs a wallet whose allowlist leaf says `leaf_price` (2**256-1 = the campaign's price)."""
    return state.price if leaf_price == CAMPAIGN_PRICE else leaf_price


class Minter:
    """The minter of one collection on `chain`: its web3 contract and the card contract it issues for."""

    def __init__(self, chain: Chain, record: MinterRecord, card: DeploymentRecord) -> None:
        self.chain = chain
        self.record = record
        self.address = to_checksum_address(record.address)
        self.contract = contract_for(chain, record)
        self.card = contract_for(chain, card)

    @classmethod
    def of(cls, chain: Chain, deployments_dir: Path, symbol: str) -> Minter | None:
        """The collection's minter, or None when no minter (or no card) is recorded for it."""
        record = minter_record(deployments_dir, symbol)
        card = card_record(deployments_dir, symbol)
        if record is None or card is None or to_checksum_address(record.collection) != to_checksum_address(card.address):
            return None
        return cls(chain, record, card)

    def deployed(self) -> bool:
        return self.chain.has_code(self.address)

    def campaign(self, onchain_id: int) -> CampaignState:
        return read_campaign(self.contract, onchain_id)

    def now(self) -> int:
        """The latest block's time: what the contract compares with start and end."""
        return self.chain.latest().timestamp

    def claimed_by(self, onchain_id: int, wallet: str) -> int:
        return int(self.contract.functions.claimedBy(onchain_id, to_checksum_address(wallet)).call())

    def has_role(self, role_getter: str, account: str) -> bool:
        role = getattr(self.contract.functions, role_getter)().call()
        return bool(self.contract.functions.hasRole(role, to_checksum_address(account)).call())

    def is_card_issuer(self) -> bool:
        role = self.card.functions.ISSUER_ROLE().call()
        return bool(self.card.functions.hasRole(role, self.address).call())

    def cards_held(self, wallet: str) -> tuple[int, int]:
        """(cards `wallet` holds in the collection, the most a wallet may hold)."""
        wallet = to_checksum_address(wallet)
        return int(self.card.functions.balanceOf(wallet).call()), int(self.card.functions.maxCardsPerWallet().call())
