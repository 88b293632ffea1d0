"""The staff path of a voucher campaign (scripts/voucher.py) and a holder's claim (scripts/claim.py)."""

import json

import pytest
from brownie import accounts

from backend.campaigns import vouchers
from backend.chain.deployments import load_collection_config
from backend.identity.verifier import DEV_ISSUER, IdentityVerifier
from backend.perks.rules import japan_date
from backend.settings import Settings
from scripts import campaign as campaign_script
from scripts import claim as claim_script
from scripts import demo, deploy
from scripts import voucher as voucher_script
from tests.backend.production import production_settings
from test_campaign import write_campaign


@pytest.fixture
def collection(data_dir):
    contract, _, _ = deploy.ensure_collection(load_collection_config(demo.DEMO_CONFIG), accounts[0])
    return contract


@pytest.fixture
def voucher_campaign(collection, tmp_path):
    path = write_campaign(tmp_path, name="e-resident", voucher="true", per_wallet=1)
    campaign_script.create(path, accounts[0])
    return path


def test_signed_voucher_is_claimed_once_per_person(collection, voucher_campaign, data_dir):
    # The node signs for its unlocked account 0 (eth_signTypedData_v4), as on `make run`'s chain.
    path = voucher_script.sign(voucher_campaign, accounts[5].address, "xid-subject-123", accounts[0])
    assert path.is_relative_to(data_dir)
    document = json.loads(path.read_text())
    assert "xid-subject-123" not in path.read_text()  # only the person's nullifier leaves the office
    token_id = claim_script.claim(voucher_campaign, accounts[5], path)
    assert collection.ownerOf(token_id) == accounts[5]
    # The same person with another wallet: refused before signing, and on chain if signed anyway.
    with pytest.raises(vouchers.VoucherError, match="already received"):
        voucher_script.sign(voucher_campaign, accounts[6].address, "xid-subject-123", accounts[0])
    voucher, signature = vouchers.from_json(document)
    forged = json.loads(path.read_text())
    forged["voucher"]["recipient"] = accounts[6].address
    other = path.with_name("other.json")
    other.write_text(json.dumps(forged))
    with pytest.raises(claim_script.ClaimError, match="ResidentMinterVoucherSignerNotAuthorised"):
        claim_script.claim(voucher_campaign, accounts[6], other)
    with pytest.raises(claim_script.ClaimError, match="ResidentMinterVoucherReplayed"):
        claim_script.claim(voucher_campaign, accounts[5], path)


def test_private_key_signer_without_role_is_refused(voucher_campaign):
    stranger = accounts.add("0x" + "42" * 32)
    with pytest.raises(vouchers.VoucherError, match="VOUCHER_SIGNER_ROLE"):
        voucher_script.sign(voucher_campaign, accounts[5].address, "someone", stranger)


def test_the_script_knows_the_person_as_the_backend_does(tmp_path):
    settings = Settings(_env_file=None, environment="development", identity_secret="dev-only-" + "s" * 32)
    backend = IdentityVerifier.from_settings(settings)
    person = voucher_script.person_of(settings, DEV_ISSUER, " xid-subject-9 ")
    assert person == backend.nullifier(DEV_ISSUER, "xid-subject-9")
    assert person != voucher_script.person_of(settings, DEV_ISSUER, "xid-subject-10")
    with pytest.raises(vouchers.VoucherError, match="not a trusted identity provider"):
        voucher_script.person_of(settings, "https://idp.example", "xid-subject-9")
    production = production_settings(tmp_path, identity_providers={"https://xid.example": "0x" + "11" * 64})
    with pytest.raises(vouchers.VoucherError, match="not a trusted identity provider"):
        voucher_script.person_of(production, DEV_ISSUER, "xid-subject-9")  # no development provider there
    assert len(voucher_script.person_of(production, "https://xid.example", "xid-subject-9")) == 64


def test_allowlisted_wallet_claims_and_others_are_told(collection, tmp_path):
    listed, unlisted = accounts[3], accounts[4]
    path = write_campaign(tmp_path, name="listed", allowlist_rows=[(listed.address, "", "")])
    campaign_script.create(path, accounts[0])
    token_id = claim_script.claim(path, listed)
    assert collection.ownerOf(token_id) == listed
    with pytest.raises(claim_script.ClaimError, match="not on this campaign's allowlist"):
        claim_script.claim(path, unlisted)
    with pytest.raises(claim_script.ClaimError, match="ResidentMinterWalletLimitExceeded"):
        claim_script.claim(path, listed)


def test_the_claim_command_prints_the_expiry_as_a_japan_date(collection, tmp_path, capsys):
    path = write_campaign(tmp_path, name="dated")  # cards valid for 365 days
    campaign_script.create(path, accounts[0])
    capsys.readouterr()
    token_id = claim_script.main(str(path), "8")
    printed = capsys.readouterr().out
    expires = collection.cardOf(token_id)["expiresAt"]
    assert f"valid until {japan_date(expires)} (Japan date)" in printed
    assert str(expires) not in printed
