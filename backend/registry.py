"""Collections the backend follows: registered from deployment records (data/deployments/<chain id>/*.json)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_chain import Collection, Municipality
from backend.chain.deployments import DeploymentRecord
from backend.errors import DeploymentRecordError


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "municipality"


def ensure_municipality(session: Session, name_ja: str, name_en: str) -> Municipality:
    """The municipality with this English name's slug, created if new."""
    slug = slugify(name_en)
    found = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if found:
        return found
    municipality = Municipality(slug=slug, name_ja=name_ja, name_en=name_en)
    session.add(municipality)
    session.flush()
    return municipality


def register_record(session: Session, record: DeploymentRecord, path: Path | None = None) -> Collection:
    """The collection of `record`, added (with its municipality) if the database does not know it yet."""
    address = to_checksum_address(record.address)
    found = session.scalar(select(Collection).where(Collection.chain_id == record.chain_id,
                                                    Collection.address == address))
    if found:
        return found
    municipality = ensure_municipality(session, record.municipality_name_ja, record.municipality_name_en)
    collection = Collection(
        municipality_id=municipality.id, chain_id=record.chain_id, address=address, symbol=record.symbol,
        name_ja=record.municipality_name_ja, name_en=record.municipality_name_en, soulbound=record.soulbound,
        deploy_block=record.deployment_block, record_path=str(path) if path else None,
        indexed_block=record.deployment_block - 1,
    )
    session.add(collection)
    session.flush()
    return collection


def register_deployments(session: Session, deployments_dir: Path, chain_id: int) -> list[Collection]:
    """Registers every readable record in `deployments_dir` for `chain_id`; unreadable ones are skipped
    (a record being written is replaced atomically, so it is either whole or absent)."""
    collections = []
    if not deployments_dir.is_dir():
        return collections
    for path in sorted(deployments_dir.glob("*.json")):
        try:
            record = DeploymentRecord.read(path)
        except DeploymentRecordError:
            continue
        if record.chain_id == chain_id:
            collections.append(register_record(session, record, path))
    return collections
