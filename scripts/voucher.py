"""Sign a voucher: one card of a voucher campaign for one verified person (one person, one resident).

    .venv/bin/python tools/brownie_run.py scripts/voucher.py main config/campaigns/voucher.yaml <wallet> <subject> [<issuer>]

Staff run this after the person's identity was verified (or after a payment in yen). The provider that
verified them (`issuer`, default the development provider) and their subject id there become the
person's nullifier (backend/identity/nullifier.py, keyed by Settings.identity_key): the same value the
backend knows them by when they verify on the holder page, so the minter's one card per person and the
backend's premium cap and polls agree. The subject is never stored or sent; the signed voucher is written
to data/vouchers/<chain>/<SYMBOL>/<campaign>/<wallet>.json for the holder's wallet to submit. Signing key: $RESIDENT_DEPLOYER_KEY or the node's first account, which
must hold the minter's VOUCHER_SIGNER_ROLE.
"""

from __future__ import annotations

import json
from pathlib import Path

from brownie import ResidentMinter, chain, web3
from eth_utils import is_address, to_checksum_address

from backend.campaigns import vouchers
from backend.campaigns.config import load_campaign_config
from backend.chain.deployments import MinterRecord, minter_record_path
from backend.errors import ResidentError
from backend.identity.nullifier import NullifierError, nullifier, onchain_nullifier
from backend.identity.verifier import DEV_ISSUER
from backend.settings import Settings
from scripts.deploy import data_dir, deployer, on_settings_chain, recorded, records_root

VALID_FOR_SECONDS = 7 * 86_400  # a week to claim


def _sign(account, domain: dict, voucher: vouchers.Voucher) -> bytes:
    """Signs with the key when we hold it, else asks the node (its unlocked development accounts)."""
    key = getattr(account, "private_key", None)
    if key:
        return vouchers.sign_voucher(domain, voucher, key)
    typed = vouchers.typed_data(domain, voucher)
    typed["message"] = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in typed["message"].items()}
    typed["domain"] = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in typed["domain"].items()}
    result = web3.provider.make_request("eth_signTypedData_v4", [account.address, json.dumps(typed)])
    if "error" in result:
        raise vouchers.VoucherError(f"the node refused to sign: {result['error'].get('message')}")
    return bytes.fromhex(result["result"].removeprefix("0x"))


def person_of(settings: Settings, issuer: str, subject: str) -> str:
    """The verified person's nullifier, as the voucher carries it; only a provider the backend trusts."""
    trusted = set(settings.identity_providers) | ({DEV_ISSUER} if settings.environment != "production" else set())
    if issuer not in trusted:
        raise vouchers.VoucherError(f"{issuer!r} is not a trusted identity provider (trusted: {sorted(trusted)}) / "
                                    "信頼されていない本人確認事業者です")
    if settings.identity_key is None:
        raise vouchers.VoucherError("set RESIDENT_IDENTITY_SECRET (the backend's) to sign vouchers for verified "
                                    "people / RESIDENT_IDENTITY_SECRET を設定してください")
    try:
        return nullifier(settings.identity_key, issuer, subject.strip())
    except NullifierError as exc:
        raise vouchers.VoucherError(f"{exc} / 本人確認の情報が足りません") from None


def sign(config_path: str | Path, recipient: str, subject: str, account, issuer: str = DEV_ISSUER,
         settings: Settings | None = None) -> Path:
    """Signs a voucher of the campaign in `config_path` for `recipient`, the wallet of the person `issuer`
    verified as `subject`; returns the voucher file."""
    if not is_address(recipient):
        raise vouchers.VoucherError(f"{recipient!r} is not a wallet address / ウォレットアドレスが正しくありません")
    config = load_campaign_config(config_path)
    record = recorded(MinterRecord, minter_record_path(web3.eth.chain_id, config.collection, records_root()))
    if record is None or config.name not in record.campaigns:
        raise vouchers.VoucherError(f"campaign {config.name} was never created: run scripts/campaign.py create first / "
                                    "キャンペーンがまだ作成されていません")
    minter = ResidentMinter.at(record.address)
    campaign_id = record.campaigns[config.name]["id"]
    voucher = vouchers.voucher_for_campaign(
        minter, campaign_id, to_checksum_address(recipient),
        onchain_nullifier(person_of(settings or Settings(), issuer, subject), record.chain_id, record.collection),
        now=chain.time(), valid_for_seconds=VALID_FOR_SECONDS)
    if minter.nullifierUsed(voucher.nullifier):
        raise vouchers.VoucherError("this person already received a card of this collection / "
                                    "この方はすでにこのコレクションの住民カードを受け取っています")
    domain = vouchers.domain_of(minter)
    signature = _sign(account, domain, voucher)
    if not minter.hasRole(minter.VOUCHER_SIGNER_ROLE(), vouchers.signer_of(domain, voucher, signature)):
        raise vouchers.VoucherError(f"{account.address} may not sign vouchers for this minter (VOUCHER_SIGNER_ROLE) / "
                                    "このアカウントにはバウチャーの署名権限がありません")
    path = data_dir() / "vouchers" / str(record.chain_id) / config.collection / config.name / f"{voucher.recipient}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(vouchers.to_json(domain, voucher, signature), indent=2) + "\n", encoding="utf-8")
    return path


def main(config_path: str, recipient: str, subject: str, issuer: str = DEV_ISSUER):
    try:
        on_settings_chain()
        path = sign(config_path, recipient, subject, deployer(), issuer)
    except ResidentError as exc:
        raise SystemExit(str(exc)) from None
    print(f"Voucher for {to_checksum_address(recipient)} written to {path}")
    print("The holder claims it with their wallet (or, on the local chain: scripts/claim.py) / "
          "受け取りはウォレットから行います")
    return path
