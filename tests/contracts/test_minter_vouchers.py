"""Voucher campaigns: EIP-712 vouchers signed with eth-account from the contract's own domain."""

from brownie import ResidentMinter, accounts, chain, web3
from eth_account import Account
from eth_utils import encode_hex

from backend.campaigns import vouchers
from card_setup import ZERO
from minter_setup import (  # noqa: F401  (fixtures)
    DAY, ETHER, NO_NULLIFIER, collection, created, domain, minter, paid_by, person_nullifier, reverts_with, role_error,
    signer, signer_key, voucher,
)


def redeem(minter, v, signature, sender, value=0):
    return minter.claimWithVoucher(v.as_tuple(), signature, {"from": sender, "value": value})


def signed(domain, signer, v):
    return vouchers.sign_voucher(domain, v, signer.key)


def test_domain_is_read_from_the_contract(minter, domain):
    assert domain == {
        "name": "ResidentMinter",
        "version": "1",
        "chainId": web3.eth.chain_id,
        "verifyingContract": minter.address,
    }


def test_domain_reads_the_same_through_web3(minter, domain):
    assert vouchers.domain_of(web3.eth.contract(address=minter.address, abi=minter.abi)) == domain


def test_python_digest_equals_the_contract_digest(minter, domain, alice):
    v = voucher(alice, 1, tier=1, expires_at=chain.time() + 400 * DAY, price=123)
    assert encode_hex(vouchers.digest(domain, v)) == minter.voucherDigest(v.as_tuple())


def test_voucher_issues_its_tier_and_expiry_to_the_recipient(minter, collection, admin, signer, domain, alice, bob):
    campaign_id = created(minter, admin, voucher=True)
    expires = chain.time() + 365 * DAY
    v = voucher(alice, campaign_id, tier=1, expires_at=expires)
    tx = redeem(minter, v, signed(domain, signer, v), bob)  # staff or a relayer may submit it
    assert collection.ownerOf(tx.return_value) == alice
    card = collection.cardOf(tx.return_value)
    assert (card["tier"], card["expiresAt"]) == (1, expires)
    claimed = tx.events["Claimed"]
    assert (claimed["recipient"], claimed["quantity"], claimed["key"]) == (alice, 1, encode_hex(v.nullifier))
    assert minter.nullifierUsed(v.nullifier) is True
    assert minter.claimedBy(campaign_id, alice) == 1


def test_voucher_signed_by_someone_else_is_refused(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True)
    stranger = Account.create()
    v = voucher(alice, campaign_id)
    with reverts_with("ResidentMinterVoucherSignerNotAuthorised", stranger.address):
        redeem(minter, v, signed(domain, stranger, v), alice)


def test_voucher_for_another_chain_is_refused(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True)
    v = voucher(alice, campaign_id)
    elsewhere = {**domain, "chainId": 81}  # Japan Open Chain
    signature = signed(elsewhere, signer, v)
    recovered = Account._recover_hash(vouchers.digest(domain, v), signature=signature)
    assert recovered != signer.address
    with reverts_with("ResidentMinterVoucherSignerNotAuthorised", recovered):
        redeem(minter, v, signature, alice)


def test_voucher_for_another_minter_is_refused(minter, collection, admin, signer, domain, alice):
    other = ResidentMinter.deploy(collection, admin, ZERO, {"from": admin})
    collection.grantRole(collection.ISSUER_ROLE(), other, {"from": admin})
    other.grantRole(other.VOUCHER_SIGNER_ROLE(), signer.address, {"from": admin})
    created(other, admin, voucher=True)
    campaign_id = created(minter, admin, voucher=True)
    v = voucher(alice, campaign_id)
    signature = signed(vouchers.domain_of(other), signer, v)
    recovered = Account._recover_hash(vouchers.digest(domain, v), signature=signature)
    with reverts_with("ResidentMinterVoucherSignerNotAuthorised", recovered):
        redeem(minter, v, signature, alice)
    redeem(other, v, signature, alice)  # where it was meant to go, it works


def test_altered_voucher_is_refused(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True)
    v = voucher(alice, campaign_id, tier=0)
    signature = signed(domain, signer, v)
    upgraded = vouchers.Voucher(**{**v.__dict__, "tier": 1})
    recovered = Account._recover_hash(vouchers.digest(domain, upgraded), signature=signature)
    with reverts_with("ResidentMinterVoucherSignerNotAuthorised", recovered):
        redeem(minter, upgraded, signature, alice)


def test_malformed_signature_is_refused(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True)
    v = voucher(alice, campaign_id)
    with reverts_with("ECDSAInvalidSignatureLength", 64):
        redeem(minter, v, signed(domain, signer, v)[:64], alice)


def test_revoked_signer_can_no_longer_sign(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True)
    minter.revokeRole(minter.VOUCHER_SIGNER_ROLE(), signer.address, {"from": admin})
    v = voucher(alice, campaign_id)
    with reverts_with("ResidentMinterVoucherSignerNotAuthorised", signer.address):
        redeem(minter, v, signed(domain, signer, v), alice)


def test_voucher_after_its_deadline_is_refused(minter, admin, signer, domain, alice):
    from minter_setup import next_block_at

    campaign_id = created(minter, admin, voucher=True)
    deadline = chain.time() + 3600
    v = voucher(alice, campaign_id, deadline=deadline)
    next_block_at(deadline + 1)
    with reverts_with("ResidentMinterVoucherExpired", deadline, deadline + 1):
        redeem(minter, v, signed(domain, signer, v), alice)


def test_voucher_cannot_be_replayed(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True, maxPerWallet=5)
    v = voucher(alice, campaign_id)
    signature = signed(domain, signer, v)
    redeem(minter, v, signature, alice)
    with reverts_with("ResidentMinterVoucherReplayed", vouchers.digest(domain, v)):
        redeem(minter, v, signature, alice)


def test_one_identity_claims_once_per_collection(minter, admin, signer, domain, alice, bob):
    first = created(minter, admin, voucher=True)
    second = created(minter, admin, voucher=True)
    v = voucher(alice, first, identity="JP-0001")
    redeem(minter, v, signed(domain, signer, v), alice)
    # The same person again: in the same campaign, and in another campaign of the collection.
    for again in (voucher(bob, first, identity="JP-0001"), voucher(bob, second, identity="JP-0001")):
        with reverts_with("ResidentMinterNullifierUsed", again.nullifier):
            redeem(minter, again, signed(domain, signer, again), bob)
    other = voucher(bob, second, identity="JP-0002")
    redeem(minter, other, signed(domain, signer, other), bob)


def test_voucher_without_nullifier_is_single_use_by_its_digest(minter, collection, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True, maxPerWallet=2)
    first = voucher(alice, campaign_id, null=NO_NULLIFIER, price=0)
    second = voucher(alice, campaign_id, null=NO_NULLIFIER, price=0, deadline=first.deadline + 1)
    tx = redeem(minter, first, signed(domain, signer, first), alice)
    assert tx.events["Claimed"]["key"] == encode_hex(vouchers.digest(domain, first))
    redeem(minter, second, signed(domain, signer, second), alice)
    assert collection.balanceOf(alice) == 2
    with reverts_with("ResidentMinterVoucherReplayed", vouchers.digest(domain, first)):
        redeem(minter, first, signed(domain, signer, first), alice)


def test_voucher_price_is_paid_and_excess_refunded(minter, admin, signer, domain, alice, bob):
    campaign_id = created(minter, admin, voucher=True, price=ETHER)  # the voucher's price rules
    v = voucher(alice, campaign_id, price=ETHER // 100)
    signature = signed(domain, signer, v)
    with reverts_with("ResidentMinterWrongPayment", ETHER // 100, ETHER // 100 - 1):
        redeem(minter, v, signature, bob, value=ETHER // 100 - 1)
    before = bob.balance()
    tx = redeem(minter, v, signature, bob, value=ETHER)
    assert bob.balance() == before - ETHER // 100 - paid_by(tx)
    assert minter.balance() == ETHER // 100


def test_fiat_sale_voucher_is_free_on_chain(minter, collection, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True, price=ETHER)
    v = voucher(alice, campaign_id, price=0)
    redeem(minter, v, signed(domain, signer, v), alice)
    assert collection.balanceOf(alice) == 1
    assert minter.balance() == 0


def test_voucher_for_an_open_campaign_is_refused(minter, admin, signer, domain, alice):
    campaign_id = created(minter, admin)
    v = voucher(alice, campaign_id)
    with reverts_with("ResidentMinterNotVoucherCampaign", campaign_id):
        redeem(minter, v, signed(domain, signer, v), alice)


def test_voucher_campaign_keeps_window_supply_and_wallet_limit(minter, admin, signer, domain, alice, bob, carol):
    campaign_id = created(minter, admin, voucher=True, supply=2)
    first = voucher(alice, campaign_id, identity="A")
    redeem(minter, first, signed(domain, signer, first), alice)
    again = voucher(alice, campaign_id, identity="B")
    with reverts_with("ResidentMinterWalletLimitExceeded", alice, 2, 1):
        redeem(minter, again, signed(domain, signer, again), alice)
    assert minter.nullifierUsed(again.nullifier) is False  # the refused voucher stays usable
    redeem(minter, voucher(bob, campaign_id, identity="C"), signed(domain, signer, voucher(bob, campaign_id, identity="C")), bob)
    last = voucher(carol, campaign_id, identity="D")
    with reverts_with("ResidentMinterSoldOut", campaign_id, 1, 0):
        redeem(minter, last, signed(domain, signer, last), carol)
    minter.closeCampaign(campaign_id, {"from": admin})
    with reverts_with("ResidentMinterCampaignClosed", campaign_id):
        redeem(minter, last, signed(domain, signer, last), carol)


def test_successor_minter_honours_its_predecessor_nullifiers(minter, collection, admin, signer, domain, alice, bob):
    campaign_id = created(minter, admin, voucher=True)
    v = voucher(alice, campaign_id, identity="JP-0001")
    redeem(minter, v, signed(domain, signer, v), alice)
    successor = ResidentMinter.deploy(collection, admin, minter, {"from": admin})
    collection.setMinter(successor, {"from": admin})
    successor.grantRole(successor.VOUCHER_SIGNER_ROLE(), signer.address, {"from": admin})
    new_id = created(successor, admin, voucher=True)
    assert successor.nullifierUsed(v.nullifier) is True
    again = voucher(bob, new_id, identity="JP-0001")
    with reverts_with("ResidentMinterNullifierUsed", again.nullifier):
        redeem(successor, again, signed(vouchers.domain_of(successor), signer, again), bob)
    fresh = voucher(bob, new_id, identity="JP-0002")
    redeem(successor, fresh, signed(vouchers.domain_of(successor), signer, fresh), bob)
    assert collection.balanceOf(bob) == 1


def test_a_nullifier_used_on_the_new_minter_cannot_claim_on_the_old_one(minter, collection, admin, signer, domain,
                                                                       alice, bob):
    """The probe of issue 12: the old minter kept ISSUER_ROLE, and knew nothing of its successor's nullifiers."""
    old_campaign = created(minter, admin, voucher=True)
    successor = ResidentMinter.deploy(collection, admin, minter, {"from": admin})
    collection.setMinter(successor, {"from": admin})
    successor.grantRole(successor.VOUCHER_SIGNER_ROLE(), signer.address, {"from": admin})
    new_domain = vouchers.domain_of(successor)
    used = voucher(alice, created(successor, admin, voucher=True), identity="JP-0042")
    redeem(successor, used, signed(new_domain, signer, used), alice)
    assert successor.nullifierUsed(used.nullifier) and not minter.nullifierUsed(used.nullifier)
    again = voucher(bob, old_campaign, identity="JP-0042")
    with reverts_with(*role_error(minter, collection.ISSUER_ROLE())):
        redeem(minter, again, signed(domain, signer, again), bob)
    fresh = voucher(bob, old_campaign, identity="JP-0043")  # nor anyone else: the old minter issues nothing
    with reverts_with(*role_error(minter, collection.ISSUER_ROLE())):
        redeem(minter, fresh, signed(domain, signer, fresh), bob)
    assert collection.balanceOf(bob) == 0 and collection.minter() == successor


def test_python_verify_helper_agrees_with_the_chain(minter, domain, signer, alice):
    v = voucher(alice, 1)
    signature = signed(domain, signer, v)
    assert vouchers.verify_voucher(domain, v, signature, signer.address) is True
    assert vouchers.verify_voucher({**domain, "chainId": 1}, v, signature, signer.address) is False
    assert vouchers.signer_of(domain, v, signature) == signer.address


def test_voucher_for_campaign_takes_the_campaign_defaults(minter, collection, admin, signer, domain, alice):
    campaign_id = created(minter, admin, voucher=True, tier=1, validFor=30 * DAY, price=ETHER // 100)
    now = chain.time()
    v = vouchers.voucher_for_campaign(minter, campaign_id, alice.address, person_nullifier("JP-9"), now=now)
    assert (v.tier, v.expires_at, v.price, v.deadline) == (1, now + 30 * DAY, ETHER // 100, now + 3600)
    fiat = vouchers.voucher_for_campaign(web3.eth.contract(address=minter.address, abi=minter.abi), campaign_id,
                                         alice.address, v.nullifier, now=now, price=0)
    assert fiat.price == 0
    tx = redeem(minter, fiat, signed(domain, signer, fiat), alice)
    assert collection.cardOf(tx.return_value)["expiresAt"] == now + 30 * DAY


def test_voucher_for_campaign_refuses_open_and_closed_campaigns(minter, admin, alice):
    import pytest

    open_id = created(minter, admin)
    closed_id = created(minter, admin, voucher=True)
    minter.closeCampaign(closed_id, {"from": admin})
    for campaign_id, message in ((open_id, "not a voucher campaign"), (closed_id, "closed")):
        with pytest.raises(vouchers.VoucherError, match=message):
            vouchers.voucher_for_campaign(minter, campaign_id, alice.address, NO_NULLIFIER, now=chain.time())
