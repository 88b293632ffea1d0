"""Airdrop from the command line: issue cards to every wallet of a CSV list, in batches, resumably.

    .venv/bin/python tools/brownie_run.py scripts/airdrop.py main <csv> <SYMBOL> [-- OPTIONS]   (RESIDENT_RPC_URL's chain)

    OPTIONS: --tier N           tier of rows without one (default 0 = basic)
             --validity-days D  cards expire D days after the airdrop starts (default: never)
             --dry-run          print batches, gas and cost; send nothing
             --batch-size N     at most N cards per transaction (default: what fits in 90% of a block)

(Brownie's own option parser refuses unknown options: put ours after `--`.)

The batching, the journal and resuming live in backend/campaigns/airdrop.py, which the staff
console's airdrop jobs use too; read its docstring for who is skipped and how a run resumes.

Who sends: the backend's issuer when Settings names one (RESIDENT_ISSUER_SIGNER, or in development
RESIDENT_ISSUER_KEY), the key that holds ISSUER_ROLE, and then, with RESIDENT_OUTBOX_ENABLED, through the
backend's transaction outbox in its database: the key keeps one nonce sequence whichever process sends. A
running backend's leader holds the sender's lease and sends this script's batches; with no backend running,
this script's own manager takes the lease and sends them. Without an issuer in Settings: Brownie's deployer
account, sending itself (a node-held development account signs through the node).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.campaigns import airdrop as core
from backend.campaigns.airdrop import (  # noqa: F401  (re-exported: tests and older callers use scripts.airdrop)
    ESTIMATE_MARGIN,
    GAS_FRACTION,
    AirdropError,
    AirdropResult,
    Batch,
    DryRun,
    Journal,
    batch_size_for,
    list_digest,
    plan_batches,
)
from backend.campaigns.csvfile import read_recipients
from backend.chain.client import Chain
from backend.chain.issuer import Issuer, make_issuer
from backend.errors import ResidentError
from backend.settings import Settings


def issuer_of(account, rpc_url: str | None = None) -> Issuer:
    """Brownie's `account` as an issuer on Brownie's connected chain: signing with its key when Brownie
    holds one (accounts.add), through the node for an unlocked development account (anvil's)."""
    from brownie import web3

    chain = Chain(rpc_url or web3.provider.endpoint_uri, timeout=120)
    key = getattr(account, "private_key", None)
    return Issuer(chain, key, chain.chain_id(), address=None if key else account.address)


def sending_issuer(deployer):
    """(issuer, outbox worker or None): the backend's issuer and its outbox (started) when Settings has them,
    else `deployer()`, Brownie's account, sending itself (see the module's docstring)."""
    from backend.audit.transactions import TransactionLog
    from backend.chain.outbox.worker import make_outbox_worker
    from backend.db import make_engine, migrate, session_factory

    settings = Settings()
    issuer = make_issuer(settings)
    if issuer is None:
        return issuer_of(deployer()), None
    if not settings.outbox_enabled:
        return issuer, None
    migrate(settings.database_url)  # already at head when the backend has run: a quick check
    sessions = session_factory(make_engine(settings.database_url))
    issuer.observer = TransactionLog(sessions)  # the console's audit log lists what the script sent, as the backend's
    worker = make_outbox_worker(settings, sessions, issuer.chain, issuer)
    if worker is not None:
        worker.start()
    return issuer, worker


def airdrop(card, rows, *, sender, **options):
    """backend.campaigns.airdrop.airdrop for a Brownie ResidentCard sent by a Brownie account; the journal
    goes in the data directory unless `journal` is given."""
    from scripts.deploy import data_dir

    issuer = issuer_of(sender)
    contract = issuer.chain.contract_at(card.address, card.abi)
    if options.get("journal") is None:
        options["data_dir"] = data_dir()
    return core.airdrop(issuer, contract, rows, **options)


def journal_path(chain_id: int, symbol: str, digest: str) -> Path:
    """Where this chain's journal of list `digest` for `symbol` is in the data directory."""
    from scripts.deploy import data_dir

    return core.journal_path(chain_id, symbol, digest, data_dir())

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brownie run scripts/airdrop.py main", add_help=False)
    parser.add_argument("csv")
    parser.add_argument("symbol")
    parser.add_argument("--tier", type=int, default=0)
    parser.add_argument("--validity-days", type=int, default=None)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--batch-size", type=int, default=None)
    return parser


def main(*args: str):
    """Airdrops the CSV list to collection SYMBOL (its deployment record on this chain)."""
    from brownie import web3

    from backend.chain.deployments import DeploymentRecord, contract_for, record_path
    from scripts.deploy import deployer, on_settings_chain, recorded, records_root

    try:
        options = _parser().parse_args([a for a in args if a != "--"])
    except SystemExit:
        raise SystemExit("usage: brownie run scripts/airdrop.py main <csv> <SYMBOL> --network <net> "
                         "-- [--tier N] [--validity-days D] [--batch-size N] [--dry-run]") from None
    csv_path = Path(options.csv)
    try:
        on_settings_chain()
        rows = read_recipients(csv_path)
        path = record_path(web3.eth.chain_id, options.symbol, records_root())
        record = recorded(DeploymentRecord, path)
        if record is None:  # no record, or its contract is gone from this chain: say which
            DeploymentRecord.read(path)
            raise AirdropError(f"{path}: the recorded {options.symbol} at its address has no code on this chain "
                               "(a reset chain?): deploy it again / 記録されたコレクションがチェーン上にありません")
        issuer, outbox = sending_issuer(deployer)
        try:
            result = core.airdrop(issuer, contract_for(issuer.chain, record), rows, tier=options.tier,
                                  validity_days=options.validity_days, dry_run=options.dry_run,
                                  max_batch_size=options.batch_size,
                                  journal=journal_path(record.chain_id, record.symbol, list_digest(rows)))
        finally:
            if outbox is not None:
                outbox.stop()
    except ResidentError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    if isinstance(result, DryRun):
        print(result)
    elif result.sent_now == 0:
        print(f"Nothing to send: this list was already airdropped ({result.issued:,} cards issued, "
              f"{len(result.skipped)} skipped).\n送信するものはありません。このリストは発行済みです"
              f"（{result.issued:,}枚）。\nJournal: {result.journal}")
    else:
        print(f"Issued {result.issued:,} cards of {options.symbol} in {len(result.batches)} batches "
              f"({result.sent_now} sent in this run, {result.gas_used:,} gas); "
              f"{len(result.skipped)} wallet(s) skipped as they already hold a card.\n"
              f"{options.symbol} を{result.issued:,}枚発行しました。すでにカードを持つ{len(result.skipped)}件は"
              f"スキップしました。\nJournal: {result.journal}")
    return result
