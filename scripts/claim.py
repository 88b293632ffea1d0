"""Claim a card as one of the local chain's test wallets: what a holder's wallet does, for trying campaigns.

    .venv/bin/python tools/brownie_run.py scripts/claim.py main config/campaigns/free-claim.yaml <account index>
    .venv/bin/python tools/brownie_run.py scripts/claim.py main config/campaigns/voucher.yaml <account index> <voucher.json>

An allowlist campaign reads the wallet's proof from the proofs folder scripts/campaign.py wrote; a
voucher campaign submits the signed voucher from scripts/voucher.py. Pays the price when there is one.
The contract's named error is shown when the claim is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from brownie import ResidentCard, ResidentMinter, accounts, web3
from brownie.exceptions import VirtualMachineError

from backend.campaigns import vouchers
from backend.campaigns.config import load_campaign_config
from backend.chain.deployments import MinterRecord, minter_record_path
from backend.errors import ResidentError
from backend.perks.rules import japan_date
from scripts.deploy import on_settings_chain, recorded, records_root

CAMPAIGN_PRICE = 2**256 - 1


class ClaimError(ResidentError):
    """Raised when a claim cannot be sent or is refused."""


def _allowlist_args(entry: dict, wallet: str) -> tuple[list[str], int, int]:
    proofs = entry.get("proofs")
    if not proofs:
        return [], CAMPAIGN_PRICE, 0
    path = Path(proofs) / f"{wallet}.json"
    if not path.exists():
        raise ClaimError(f"{wallet} is not on this campaign's allowlist / このウォレットは許可リストにありません")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["proof"], int(data["value"][1]), int(data["value"][2])


def claim(config_path: str | Path, wallet, voucher_path: str | Path | None = None) -> int:
    """Claims one card of the campaign in `config_path` for `wallet`; returns its token id."""
    config = load_campaign_config(config_path)
    record = recorded(MinterRecord, minter_record_path(web3.eth.chain_id, config.collection, records_root()))
    entry = record.campaigns.get(config.name) if record is not None else None
    if entry is None:
        raise ClaimError(f"campaign {config.name} was never created / キャンペーンがまだ作成されていません")
    minter = ResidentMinter.at(record.address)
    settings, _, _ = minter.campaign(entry["id"])
    try:
        if voucher_path:
            voucher, signature = vouchers.from_json(json.loads(Path(voucher_path).read_text(encoding="utf-8")))
            tx = minter.claimWithVoucher(voucher.as_tuple(), signature, {"from": wallet, "value": voucher.price})
        else:
            proof, price, limit = _allowlist_args(entry, wallet.address)
            pay = settings["price"] if price == CAMPAIGN_PRICE else price
            tx = minter.claim(entry["id"], 1, proof, price, limit, {"from": wallet, "value": pay})
    except VirtualMachineError as exc:
        raise ClaimError(f"the claim was refused: {exc.revert_msg} / 受け取りできませんでした") from None
    return tx.events["Claimed"]["firstTokenId"]


def main(config_path: str, account_index: str, voucher_path: str | None = None):
    wallet = accounts[int(account_index)]
    try:
        on_settings_chain()
        token_id = claim(config_path, wallet, voucher_path)
    except ResidentError as exc:
        raise SystemExit(str(exc)) from None
    config = load_campaign_config(config_path)
    card = ResidentCard.at(MinterRecord.read(minter_record_path(web3.eth.chain_id, config.collection, records_root())).collection)
    data = card.cardOf(token_id)
    expires = f"valid until {japan_date(data['expiresAt'])} (Japan date)" if data["expiresAt"] else "no expiry"
    print(f"{wallet.address} received card #{token_id}: resident number {data['residentNumber']}, "
          f"tier {data['tier']}, {expires}")
    print(f"tokenURI: {card.tokenURI(token_id)}")
    return token_id
