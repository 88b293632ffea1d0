"""Collection configs (what to deploy), deployment records (what was deployed) and the collections the
backend follows.

A config is the YAML a municipality's staff fill in; a record is the JSON that `scripts/deploy.py` (a
collection, <deployments>/<chain id>/<SYMBOL>.json) or `scripts/campaign.py` (its minter, <SYMBOL>.minter.json
next to it) writes and the backend reads: network, chain id, address, deployment block and ABI. `contract_for`
is the one way from a record to a contract; `register_deployments` puts records into the `collections` table.
No Brownie here, so scripts and the backend share it. The data directory is always handed in (from
`Settings.data_dir`): this module reads no environment.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import yaml
from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

# `Collection` and `Municipality` here are sections of a config; the database's rows are these:
from backend.db.models_chain import Collection as CollectionRow
from backend.db.models_chain import Municipality as MunicipalityRow
from backend.errors import CollectionConfigError, DeploymentRecordError
from backend.messages import english_first

if TYPE_CHECKING:
    from backend.chain.client import Chain, Contract

log = logging.getLogger("resident.chain")
ROOT = Path(__file__).resolve().parents[2]
RECORD_VERSION = 1

# Placeholders a config may use instead of an address; resolved at deploy time.
DEPLOYER = "deployer"
ADMIN = "admin"


def _address_or(placeholders: tuple[str, ...]):
    def check(value: str) -> str:
        if value in placeholders:
            return value
        if not isinstance(value, str) or not is_hex_address(value):
            allowed = " or ".join(repr(p) for p in placeholders)
            raise ValueError(f"must be a 0x-prefixed 20-byte address or {allowed} (got {value!r})")
        if value != value.lower() and not is_checksum_address(value):
            raise ValueError(f"has a wrong EIP-55 checksum; check the address for a typo (got {value})")
        return to_checksum_address(value)

    return check


class Municipality(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, description="Name in Japanese, e.g. 美祢市")
    name_en: str = Field(min_length=1, description="Name in English, e.g. Mine City")


class Royalty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    receiver: str = ADMIN
    basis_points: int = Field(default=0, ge=0, le=10_000, description="Out of 10000; 500 = 5%")

    _check_receiver = field_validator("receiver")(_address_or((ADMIN, DEPLOYER)))


class Collection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    symbol: str = Field(min_length=1, max_length=11, pattern=r"^[A-Z0-9]+$")
    policy: Literal["soulbound", "tradable"]
    max_cards_per_wallet: int | None = Field(default=None, ge=1, le=65_535)
    # Where tokenURI points: an absolute URI (ipfs://…/, https://…/), or a path such as /metadata/SYMBOL/ that
    # is joined to Settings.public_url at deploy time (the backend that serves the metadata), or "" for none.
    base_uri: str = ""
    royalty: Royalty = Royalty()


class CollectionConfig(BaseModel):
    """A municipality's collection, as staff write it in YAML."""

    model_config = ConfigDict(extra="forbid")
    municipality: Municipality
    collection: Collection
    admin: str = DEPLOYER

    _check_admin = field_validator("admin")(_address_or((DEPLOYER,)))

    @property
    def soulbound(self) -> bool:
        return self.collection.policy == "soulbound"

    @property
    def max_cards_per_wallet(self) -> int:
        """The configured cap; soulbound collections default to one card per wallet."""
        if self.collection.max_cards_per_wallet is not None:
            return self.collection.max_cards_per_wallet
        return 1 if self.soulbound else 5

    def base_uri_at(self, public_url: str) -> str:
        """The base URI to deploy with: a path is joined to `public_url` (Settings.public_url)."""
        base = self.collection.base_uri
        return public_url.rstrip("/") + base if base.startswith("/") else base

    def constructor_args(self, deployer: str, public_url: str) -> tuple:
        """The `ResidentCard.Config` tuple, with placeholders resolved against `deployer` and `public_url`."""
        admin = deployer if self.admin == DEPLOYER else self.admin
        receiver = {ADMIN: admin, DEPLOYER: deployer}.get(self.collection.royalty.receiver, self.collection.royalty.receiver)
        return (
            self.collection.name,
            self.collection.symbol,
            self.municipality.name_ja,
            self.municipality.name_en,
            self.soulbound,
            self.max_cards_per_wallet,
            self.base_uri_at(public_url),
            to_checksum_address(admin),
            to_checksum_address(receiver),
            self.collection.royalty.basis_points,
        )


def load_collection_config(path: Path | str) -> CollectionConfig:
    """Reads and validates a collection config; every problem is reported at once."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CollectionConfigError(path, ["the file does not exist; copy config/demo.yaml and edit it"]) from None
    except yaml.YAMLError as exc:
        raise CollectionConfigError(path, [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise CollectionConfigError(path, ["expected a mapping with 'municipality' and 'collection' sections"])
    try:
        return CollectionConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()]
        raise CollectionConfigError(path, problems) from None


class JsonRecord:
    """A dataclass kept as one JSON file: written atomically, read back with errors that say what to do.

    Subclasses are dataclasses with a `version` field and set MISSING_HINT / REDO_HINT / RECORD_VERSION.
    """

    MISSING_HINT: ClassVar[str] = "no record here"
    REDO_HINT: ClassVar[str] = "delete it and run again"
    RECORD_VERSION: ClassVar[int] = RECORD_VERSION

    def write(self, path: Path) -> Path:
        """Writes the record atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, path: Path | str):
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeploymentRecordError(path, cls.MISSING_HINT) from None
        except json.JSONDecodeError as exc:
            raise DeploymentRecordError(path, f"not valid JSON ({exc}); {cls.REDO_HINT}") from None
        if data.get("version") != cls.RECORD_VERSION:
            raise DeploymentRecordError(path, f"record version {data.get('version')!r} is not {cls.RECORD_VERSION}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise DeploymentRecordError(path, f"missing or unknown fields ({exc})") from None


@dataclass(frozen=True)
class DeploymentRecord(JsonRecord):
    """What the backend needs to find and decode a deployed collection."""

    network: str
    chain_id: int
    contract: str
    address: str
    deployment_block: int
    deployment_tx: str
    symbol: str
    municipality_name_ja: str
    municipality_name_en: str
    soulbound: bool
    abi: list[dict[str, Any]]
    # The hash of the chain's block 0: chain ids are not unique (every anvil is 31337), the first block is.
    # None in records written before it was kept (check_record adopts them).
    genesis_hash: str | None = None
    version: int = RECORD_VERSION

    MISSING_HINT: ClassVar[str] = "no deployment record here; run `make run` or scripts/deploy.py first"
    REDO_HINT: ClassVar[str] = "delete it and deploy again"


@dataclass
class MinterRecord(JsonRecord):
    """Which ResidentMinter serves a collection, and its campaigns by name."""

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
    genesis_hash: str | None = None  # as DeploymentRecord's
    version: int = RECORD_VERSION

    MISSING_HINT: ClassVar[str] = "no minter record here; run scripts/campaign.py create first"
    REDO_HINT: ClassVar[str] = "delete it and run again"


class ForeignRecordError(DeploymentRecordError):
    """Raised when a record was written on another chain than the one it is used with (same chain id)."""

    def __init__(self, path: Path, record: DeploymentRecord | MinterRecord, genesis_hash: str) -> None:
        self.record_genesis, self.chain_genesis = record.genesis_hash, genesis_hash
        super().__init__(path, english_first("record_foreign_chain", path=path, chain_id=record.chain_id,
                                             record_genesis=record.genesis_hash, chain_genesis=genesis_hash,
                                             name=path.name))

    def __str__(self) -> str:  # the message names the path already
        return self.reason


def check_record(record: DeploymentRecord | MinterRecord, path: Path, genesis_hash: str, code: bytes):
    """`record` as used on the chain whose block 0 is `genesis_hash` and whose code at the record's address is
    `code`: the record itself, the record with the hash adopted (a record written before hashes were kept, its
    contract still there: the caller writes it back), or None when the address has no code (a reset chain: deploy
    again). Raises ForeignRecordError when the record names another block 0: another chain with the same id,
    whose contract may well sit at the same address (addresses follow the deployer's nonce, not the chain)."""
    genesis_hash = genesis_hash.lower()
    if record.genesis_hash is not None and record.genesis_hash.lower() != genesis_hash:
        raise ForeignRecordError(Path(path), record, genesis_hash)
    if len(code) == 0:
        return None
    if record.genesis_hash is None:
        return replace(record, genesis_hash=genesis_hash)
    return record


def deployments_root(data_dir: Path) -> Path:
    """The folder of every chain's records in a data directory (Settings.deployments_dir is one chain's)."""
    return Path(data_dir) / "deployments"


def record_path(chain_id: int, symbol: str, root: Path) -> Path:
    """Where the record of collection `symbol` on chain `chain_id` lives under `root` (deployments_root)."""
    return Path(root) / str(chain_id) / f"{symbol}.json"


def minter_record_path(chain_id: int, symbol: str, root: Path) -> Path:
    """Where the minter record of collection `symbol` on chain `chain_id` lives under `root`."""
    return record_path(chain_id, symbol, root).with_name(f"{symbol}.minter.json")


# -- one chain's folder (Settings.deployments_dir): what the backend looks up ------------------------------
def card_record(deployments_dir: Path, symbol: str) -> DeploymentRecord | None:
    """The record of collection `symbol` in one chain's deployments folder, or None."""
    try:
        return DeploymentRecord.read(Path(deployments_dir) / f"{symbol}.json")
    except DeploymentRecordError:
        return None


def minter_record(deployments_dir: Path, symbol: str) -> MinterRecord | None:
    """The recorded minter of collection `symbol` in one chain's deployments folder, or None."""
    try:
        return MinterRecord.read(Path(deployments_dir) / f"{symbol}.minter.json")
    except DeploymentRecordError:
        return None


def collection_record(collection: CollectionRow, deployments_dir: Path) -> DeploymentRecord:
    """The record of a followed collection: the file it was registered from, else the chain's folder; raises
    DeploymentRecordError when neither holds a record of that address."""
    candidates = [Path(collection.record_path)] if collection.record_path else []
    candidates.append(Path(deployments_dir) / f"{collection.symbol}.json")
    for path in candidates:
        try:
            record = DeploymentRecord.read(path)
        except DeploymentRecordError:
            continue
        if to_checksum_address(record.address) == to_checksum_address(collection.address):
            return record
    raise DeploymentRecordError(candidates[-1], f"no deployment record of {collection.symbol} at {collection.address}")


def contract_for(chain: Chain, record: DeploymentRecord | MinterRecord) -> Contract:
    """The contract of a record (its address and ABI) on `chain`."""
    return chain.contract_at(record.address, record.abi)


# -- the collections the backend follows -----------------------------------------------------------------
def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "municipality"


def ensure_municipality(session: Session, name_ja: str, name_en: str) -> MunicipalityRow:
    """The municipality with this English name's slug, created if new."""
    slug = slugify(name_en)
    found = session.scalar(select(MunicipalityRow).where(MunicipalityRow.slug == slug))
    if found:
        return found
    municipality = MunicipalityRow(slug=slug, name_ja=name_ja, name_en=name_en)
    session.add(municipality)
    session.flush()
    return municipality


def register_record(session: Session, record: DeploymentRecord, path: Path | None = None) -> CollectionRow:
    """The collection of `record`, added (with its municipality) if the database does not know it yet."""
    address = to_checksum_address(record.address)
    found = session.scalar(select(CollectionRow).where(CollectionRow.chain_id == record.chain_id,
                                                       CollectionRow.address == address))
    if found:
        return found
    municipality = ensure_municipality(session, record.municipality_name_ja, record.municipality_name_en)
    collection = CollectionRow(
        municipality_id=municipality.id, chain_id=record.chain_id, address=address, symbol=record.symbol,
        name_ja=record.municipality_name_ja, name_en=record.municipality_name_en, soulbound=record.soulbound,
        deploy_block=record.deployment_block, record_path=str(path) if path else None,
        indexed_block=record.deployment_block - 1,
    )
    session.add(collection)
    session.flush()
    return collection


def record_on_chain(chain: Chain, record: DeploymentRecord | MinterRecord, path: Path) -> bool:
    """Whether `record` belongs to `chain` (check_record: block 0, code at its address); a record of another
    chain with the same id is logged with what to do. ChainError when the node does not answer."""
    genesis = chain.request("eth_getBlockByNumber", ["0x0", False])["hash"]
    code = chain.request("eth_getCode", [to_checksum_address(record.address), "latest"]) or "0x"
    try:
        return check_record(record, path, genesis, bytes.fromhex(code.removeprefix("0x"))) is not None
    except ForeignRecordError as exc:
        log.error("%s", exc)
        return False


def register_deployments(session: Session, deployments_dir: Path, chain_id: int,
                         chain: Chain | None = None) -> list[CollectionRow]:
    """Registers every readable record in `deployments_dir` for `chain_id`; unreadable ones are skipped
    (a record being written is replaced atomically, so it is either whole or absent). With `chain`, so are
    records that are not that chain's (record_on_chain): another chain with the same id, or a reset one."""
    collections = []
    if not deployments_dir.is_dir():
        return collections
    for path in sorted(deployments_dir.glob("*.json")):
        try:
            record = DeploymentRecord.read(path)
        except DeploymentRecordError:
            continue
        if record.chain_id == chain_id and (chain is None or record_on_chain(chain, record, path)):
            collections.append(register_record(session, record, path))
    return collections
