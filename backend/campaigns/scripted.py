"""Campaigns made by the engineer's script (scripts/campaign.py), kept in the same records as the console's:
one campaign world, so staff see them in the console's Campaigns tab and holders on the holder page.

The chain is done first, as in the console; then the script keeps its campaign here. Keeping it again
(an `update`, a `close`, or a second run after the database was out of reach) finds the same row by its
minter and on-chain id and refreshes its names, mode and allowlist, so a campaign made before the script
recorded anything shows up on its next run. The caller commits.
"""

from __future__ import annotations

from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.campaigns.csvfile import AllowlistRow
from backend.campaigns.merkle import StandardMerkleTree
from backend.campaigns.service import record_campaign
from backend.campaigns.store import save_allowlist
from backend.chain.deployments import DeploymentRecord, register_record
from backend.db.models_campaigns import Allowlist, Campaign


def keep_campaign(session: Session, *, card: DeploymentRecord, card_path: Path | None, minter: str,
                  onchain_id: int, tx_hash: str, name_ja: str, name_en: str, mode: str,
                  allowlist: tuple[str, list[AllowlistRow], StandardMerkleTree] | None = None) -> Campaign:
    """The campaign `onchain_id` of `minter`, recorded for the municipality of the collection `card` (registered
    first if the backend has not seen it yet). `allowlist` is (file name, rows, tree) of its CSV: stored like
    a console upload, so a listed holder claims on the holder page with the proof kept here."""
    collection = register_record(session, card, card_path)
    minter = to_checksum_address(minter)
    allowlist_id = None
    if allowlist is not None:
        allowlist_id = _allowlist_id(session, collection.municipality_id, *allowlist)
    found = session.scalar(select(Campaign).where(Campaign.minter == minter, Campaign.onchain_id == onchain_id))
    if found is None:
        return record_campaign(session, municipality_id=collection.municipality_id, collection_id=collection.id,
                               minter=minter, onchain_id=onchain_id, name_ja=name_ja, name_en=name_en, mode=mode,
                               allowlist_id=allowlist_id, tx_hash=tx_hash, staff_id=None)
    found.name_ja, found.name_en, found.mode, found.allowlist_id = name_ja, name_en, mode, allowlist_id
    session.flush()
    return found


def _allowlist_id(session: Session, municipality_id: int, filename: str, rows: list[AllowlistRow],
                  tree: StandardMerkleTree) -> int:
    """The municipality's allowlist with this root and file name (a rerun does not store it twice), or a new one."""
    same = session.scalar(select(Allowlist.id).where(Allowlist.municipality_id == municipality_id,
                                                     Allowlist.root == tree.root_hex, Allowlist.filename == filename)
                          .order_by(Allowlist.id.desc()).limit(1))
    if same is not None:
        return same
    return save_allowlist(session, municipality_id, filename, rows, tree, None).id
