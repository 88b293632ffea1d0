"""The minter's deployment record: which ResidentMinter serves a collection, and its campaigns by name.

Kept next to the collection's record, as data/deployments/<chain id>/<SYMBOL>.minter.json, so the
backend finds the minter the same way it finds the card contract.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from backend.deployment import record_path
from backend.errors import DeploymentRecordError

RECORD_VERSION = 1


@dataclass
class MinterRecord:
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

    def write(self, path: Path) -> Path:
        """Writes the record atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, path: Path | str) -> MinterRecord:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeploymentRecordError(path, "no minter record here; run scripts/campaign.py create first") from None
        except json.JSONDecodeError as exc:
            raise DeploymentRecordError(path, f"not valid JSON ({exc}); delete it and run again") from None
        if data.get("version") != RECORD_VERSION:
            raise DeploymentRecordError(path, f"record version {data.get('version')!r} is not {RECORD_VERSION}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise DeploymentRecordError(path, f"missing or unknown fields ({exc})") from None


def minter_record_path(chain_id: int, symbol: str, root: Path | None = None) -> Path:
    """Where the minter record of collection `symbol` on chain `chain_id` lives."""
    return record_path(chain_id, symbol, root).with_name(f"{symbol}.minter.json")
