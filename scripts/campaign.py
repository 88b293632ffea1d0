"""Create, update or close a minting campaign from a YAML file (config/campaigns/*.yaml).

    .venv/bin/python tools/brownie_run.py scripts/campaign.py main create config/campaigns/free-claim.yaml
    .venv/bin/python tools/brownie_run.py scripts/campaign.py main update config/campaigns/free-claim.yaml
    .venv/bin/python tools/brownie_run.py scripts/campaign.py main close  config/campaigns/free-claim.yaml

(on the chain at RESIDENT_RPC_URL; see scripts/deploy.py)

The collection must be deployed first (scripts/deploy.py). The first campaign of a collection deploys
its ResidentMinter, records it next to the collection's record and makes it the card's minter
(`setMinter`: ISSUER_ROLE for it, revoked from any previous minter in the same transaction).
An allowlist CSV becomes a Merkle root on chain and one proofs file per wallet under
data/campaigns/<chain id>/<SYMBOL>/<campaign name>/ (what a wallet passes to `claim`).

Each campaign is then recorded in the backend's database (Settings: RESIDENT_DATABASE_URL, or the data
directory's resident.db), as a campaign made in the console is: it shows in the console's Campaigns tab and
on the holder page, under its one number, the on-chain campaign id. `update` and `close` record a campaign
that is not there yet (one made before the script recorded campaigns, or while the database was out of reach).
The acting account is $RESIDENT_DEPLOYER_KEY or the node's first account (see scripts/deploy.py).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import psycopg
from brownie import ResidentCard, ResidentMinter, network, web3
from brownie.network.account import Account
from sqlalchemy.exc import SQLAlchemyError

from backend.campaigns.config import CampaignConfig, allowlist_path, load_campaign_config
from backend.campaigns.merkle import write_proofs
from backend.audit import recorder
from backend.audit.actor import Actor, act_as
from backend.campaigns.scripted import keep_campaign
from backend.campaigns.store import read_allowlist_upload
from backend.chain.deployments import DeploymentRecord, MinterRecord, minter_record_path, record_path
from backend.db import begin_immediate, make_engine, migrate, session_factory
from backend.db.session import describe_database_error, shown_url
from backend.errors import DeploymentRecordError, ResidentError
from backend.settings import Settings
from scripts.deploy import data_dir, deployer, genesis_hash, on_settings_chain, recorded, records_root

ZERO = "0x0000000000000000000000000000000000000000"
# What a database out of reach raises: through SQLAlchemy, or from the driver itself (the migration lock).
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error)
ACTIONS = ("create", "update", "close")


class CampaignError(ResidentError):
    """Raised when a campaign cannot be created, updated or closed as asked."""


def collection_of(symbol: str) -> ResidentCard:
    """The recorded collection `symbol` on the connected chain."""
    path = record_path(web3.eth.chain_id, symbol, records_root())
    try:
        DeploymentRecord.read(path)
    except DeploymentRecordError as exc:
        raise CampaignError(f"collection {symbol} is not deployed on chain {web3.eth.chain_id}: deploy it first "
                            f"with scripts/deploy.py / コレクション {symbol} が未デプロイです ({exc})") from None
    record = recorded(DeploymentRecord, path)
    if record is None:
        raise CampaignError(f"the recorded collection {symbol} at {record.address} has no code on this chain "
                            "(a reset chain?): deploy it again / 記録されたコレクションがチェーン上にありません")
    return ResidentCard.at(record.address)


def ensure_minter(symbol: str, account: Account) -> tuple[ResidentMinter, MinterRecord, bool]:
    """The collection's minter: the recorded one, or a new one; makes sure it is the card's minter.

    A new minter names the card's current minter, if any, as its predecessor, so that a nullifier used there
    stays used; making it the minter revokes the previous one's ISSUER_ROLE in the same transaction.
    Returns (minter, record, deployed_now).
    """
    card = collection_of(symbol)
    path = minter_record_path(web3.eth.chain_id, symbol, records_root())
    record = recorded(MinterRecord, path)
    deployed_now = False
    if record is None or record.collection != card.address:
        current = card.minter()
        # An account without code (an EOA made minter by hand) has no nullifiers to ask about.
        predecessor = current if len(web3.eth.get_code(current)) else ZERO
        minter = ResidentMinter.deploy(card, account, predecessor, {"from": account})
        record = MinterRecord(
            network=network.show_active(),
            chain_id=web3.eth.chain_id,
            address=minter.address,
            deployment_block=minter.tx.block_number,
            deployment_tx=minter.tx.txid,
            genesis_hash=genesis_hash(),
            symbol=symbol,
            collection=card.address,
            abi=ResidentMinter.abi,
        )
        record.write(path)
        deployed_now = True
    else:
        minter = ResidentMinter.at(record.address)
    if card.minter() != minter.address:
        card.setMinter(minter, {"from": account})
    return minter, record, deployed_now


def _allowlist(config: CampaignConfig, config_path: Path, chain_id: int) -> tuple[bytes | None, Path | None, tuple | None]:
    """Builds the allowlist tree and writes its proofs; returns (root, proofs folder, (file name, rows, tree)),
    the last as a console upload has it, for the database."""
    csv_path = allowlist_path(config, config_path)
    if csv_path is None:
        return None, None, None
    if not csv_path.is_file():
        raise CampaignError(f"{config_path}: allowlist {csv_path} does not exist / 許可リストのファイルがありません")
    rows, tree = read_allowlist_upload(csv_path.read_bytes(), str(csv_path))
    folder = data_dir() / "campaigns" / str(chain_id) / config.collection / config.name
    write_proofs(tree, folder)
    return tree.root, folder, (csv_path.name, rows, tree)

SCRIPT = Actor("system", None, "scripts/campaign.py", route="scripts/campaign.py")


@contextmanager
def _database(settings: Settings):
    """A session on the backend's database, brought to the current schema, holding the write lock (a running
    backend's indexer may be writing too). Its changes are in the audit log, made by the script."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        recorder.install(sessions)
        with sessions() as session:
            begin_immediate(session)
            act_as(session, SCRIPT)
            yield session
    finally:
        engine.dispose()


def keep(config: CampaignConfig, record: MinterRecord, campaign_id: int, allowlist: tuple | None) -> bool:
    """Records campaign `campaign_id` of `config` in the backend's database; False (and says why) when the
    backend follows another chain, whose console would not show it."""
    settings = Settings()
    if settings.chain_id != record.chain_id:
        print(f"Not recorded in the backend's database: it follows chain {settings.chain_id} (RESIDENT_CHAIN_ID), "
              f"this is chain {record.chain_id} / バックエンドは別のチェーン（{settings.chain_id}）を見ているため、"
              "データベースには記録していません")
        return False
    path = record_path(record.chain_id, config.collection, records_root())
    card = DeploymentRecord.read(path)
    root = record.campaigns[config.name].get("root")
    mode = "voucher" if config.voucher else "allowlist" if root or config.allowlist_root else "open"
    name_ja, name_en = config.shown_names
    try:
        with _database(settings) as session:
            keep_campaign(session, card=card, card_path=path, minter=record.address, onchain_id=campaign_id,
                          tx_hash=record.campaigns[config.name]["tx"], name_ja=name_ja, name_en=name_en, mode=mode,
                          allowlist=allowlist)
            session.commit()
    except DATABASE_ERRORS as exc:
        raise CampaignError(
            f"campaign #{campaign_id} is on chain, but the database {shown_url(settings.database_url)} could not "
            f"record it ({describe_database_error(exc, settings.database_url)}): run `update` with the same file "
            f"once it is reachable / キャンペーン番号 {campaign_id} はブロックチェーン上にありますが、データベースに"
            "記録できませんでした。データベースに接続できるようになったら、同じファイルで update を実行してください") from None
    print(f"Recorded in {shown_url(settings.database_url)}: the console and the holder page show it as campaign "
          f"#{campaign_id} / コンソールと住民カードのページにキャンペーン番号 {campaign_id} で表示されます")
    return True


def create(config_path: str | Path, account: Account) -> int:
    """Creates the campaign of `config_path`; returns its id. Refuses a name already created."""
    config_path = Path(config_path)
    config = load_campaign_config(config_path)
    minter, record, _ = ensure_minter(config.collection, account)
    if config.name in record.campaigns:
        raise CampaignError(f"campaign {config.name} already exists as #{record.campaigns[config.name]['id']}: "
                            "use update / このキャンペーンは作成済みです。update を使ってください")
    # The proofs are written before the transaction: a campaign never exists on chain without them.
    root, proofs, allowlist = _allowlist(config, config_path, record.chain_id)
    tx = minter.createCampaign(config.settings(root), {"from": account})
    campaign_id = tx.events["CampaignCreated"]["campaignId"]
    record.campaigns[config.name] = {"id": campaign_id, "tx": tx.txid, "root": "0x" + root.hex() if root else None,
                                     "proofs": str(proofs) if proofs else None}
    record.write(minter_record_path(record.chain_id, config.collection, records_root()))
    keep(config, record, campaign_id, allowlist)
    return campaign_id


def _recorded(config: CampaignConfig, account: Account) -> tuple[ResidentMinter, MinterRecord, int]:
    minter, record, _ = ensure_minter(config.collection, account)
    if config.name not in record.campaigns:
        raise CampaignError(f"campaign {config.name} was never created on chain {record.chain_id}: use create / "
                            "このキャンペーンはまだ作成されていません。create を使ってください")
    return minter, record, record.campaigns[config.name]["id"]


def update(config_path: str | Path, account: Account) -> int:
    """Replaces the settings of the recorded campaign with those of `config_path`; returns its id."""
    config_path = Path(config_path)
    config = load_campaign_config(config_path)
    minter, record, campaign_id = _recorded(config, account)
    root, proofs, allowlist = _allowlist(config, config_path, record.chain_id)
    minter.updateCampaign(campaign_id, config.settings(root), {"from": account})
    entry = record.campaigns[config.name]
    entry.update(root="0x" + root.hex() if root else None, proofs=str(proofs) if proofs else None)
    record.write(minter_record_path(record.chain_id, config.collection, records_root()))
    keep(config, record, campaign_id, allowlist)
    return campaign_id


def close(config_path: str | Path, account: Account) -> int:
    """Closes the recorded campaign of `config_path` for good; returns its id."""
    config_path = Path(config_path)
    config = load_campaign_config(config_path)
    minter, record, campaign_id = _recorded(config, account)
    minter.closeCampaign(campaign_id, {"from": account})
    csv_path = allowlist_path(config, config_path)
    allowlist = None
    if csv_path is not None and csv_path.is_file():  # only for a campaign recorded now; its proofs stay as written
        allowlist = (csv_path.name, *read_allowlist_upload(csv_path.read_bytes(), str(csv_path)))
    keep(config, record, campaign_id, allowlist)
    return campaign_id


def main(action: str = "create", config_path: str = "config/campaigns/free-claim.yaml"):
    if action not in ACTIONS:
        raise SystemExit(f"unknown action {action!r}: use one of {', '.join(ACTIONS)} / 操作は create・update・close のいずれかです")
    try:
        on_settings_chain()
        account = deployer()
        campaign_id = {"create": create, "update": update, "close": close}[action](config_path, account)
    except ResidentError as exc:
        raise SystemExit(str(exc)) from None
    config = load_campaign_config(config_path)
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, config.collection, records_root()))
    done = {"create": "Created", "update": "Updated", "close": "Closed"}[action]
    print(f"{done} campaign #{campaign_id} ({config.name}) on minter {record.address}, chain {record.chain_id}")
    entry = record.campaigns.get(config.name, {})
    if entry.get("proofs"):
        print(f"Allowlist root {entry['root']}; proofs per wallet in {entry['proofs']}")
    return campaign_id
