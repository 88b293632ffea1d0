"""The minter's deployment record: which ResidentMinter serves a collection, and its campaigns by name.

Kept next to the collection's record, as data/deployments/<chain id>/<SYMBOL>.minter.json, so the
backend finds the minter the same way it finds the card contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from backend.chain.deployments import JsonRecord, record_path

RECORD_VERSION = 1


@dataclass
class MinterRecord(JsonRecord):
    network: str
    chain_id: int
    address: str
    deployment_block: int
    deployment_tx: str
    symbol: str
    collection: str  # the ResidentCard address it issues for
    abi: list[dict[str, Any]]
    # name -> {"id": campaign id, "tx": creating transaction, "root": allowlist root or null, "proofs": folder or null}
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    contract: str = "ResidentMinter"
    version: int = RECORD_VERSION

    MISSING_HINT: ClassVar[str] = "no minter record here; run scripts/campaign.py create first"
    REDO_HINT: ClassVar[str] = "delete it and run again"
    RECORD_VERSION: ClassVar[int] = RECORD_VERSION


def minter_record_path(chain_id: int, symbol: str, root: Path | None = None) -> Path:
    """Where the minter record of collection `symbol` on chain `chain_id` lives."""
    return record_path(chain_id, symbol, root).with_name(f"{symbol}.minter.json")
