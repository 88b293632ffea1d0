"""Property-based (stateful) tests of the minter's invariants.

Random sequences of paid claims (with overpayment), voucher redemptions for a small set of identities,
pauses and withdrawals run against a paid open campaign and a voucher campaign. A model predicts every
outcome; after every step:
- a campaign's claimed count equals the sum of its wallets' counts, never above its supply;
- no wallet passes its campaign's limit;
- the cards in existence are exactly the cards claimed;
- an identity gets at most one card, however many vouchers it is given;
- the minter holds exactly the prices paid since the last withdrawal (every excess refunded),
  and the treasury exactly what was withdrawn.
"""

from brownie import ResidentCard, ResidentMinter, accounts, chain
from brownie.exceptions import VirtualMachineError
from eth_account import Account
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.campaigns import vouchers
from card_setup import ZERO, config
from minter_setup import person_nullifier

PRICE = 10**16
SUPPLY, LIMIT = 8, 3
VOUCHER_SUPPLY = 5
WALLETS = st.integers(min_value=0, max_value=4)
IDENTITIES = ["JP-1", "JP-2", "JP-3", "JP-4", "JP-5", "JP-6"]


def minter_machine():
    admin, treasury = accounts[0], accounts[9]
    wallets = list(accounts[1:6])
    card = ResidentCard.deploy(config(admin, cap=20), {"from": admin})
    minter = ResidentMinter.deploy(card, admin, ZERO, {"from": admin})
    card.grantRole(card.ISSUER_ROLE(), minter, {"from": admin})
    signer = Account.from_key(keccak(text="stateful signer"))
    minter.grantRole(minter.VOUCHER_SIGNER_ROLE(), signer.address, {"from": admin})
    now = chain.time()
    base = [now - 60, now + 365 * 86_400, PRICE, SUPPLY, LIMIT, 0, 0, 0, "0x" + "00" * 32, False, False]
    minter.createCampaign(tuple(base), {"from": admin})
    voucher_settings = base.copy()
    voucher_settings[2:5] = [0, VOUCHER_SUPPLY, 1]
    voucher_settings[9] = True
    minter.createCampaign(tuple(voucher_settings), {"from": admin})
    domain = vouchers.domain_of(minter)
    chain.snapshot()

    class MinterMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            chain.revert()
            self.claimed = {1: {}, 2: {}}  # campaign -> wallet -> cards
            self.paused = False
            self.held = 0  # wei the minter should hold
            self.withdrawn = 0
            self.treasury_start = treasury.balance()
            self.identities_used = set()

        def _total(self, campaign_id):
            return sum(self.claimed[campaign_id].values())

        @rule(wallet=WALLETS, quantity=st.integers(1, 4), extra=st.sampled_from([0, 1, PRICE]))
        def claim(self, wallet, quantity, extra):
            who = wallets[wallet]
            mine = self.claimed[1].get(who.address, 0)
            ok = not self.paused and self._total(1) + quantity <= SUPPLY and mine + quantity <= LIMIT
            value = PRICE * quantity + extra
            try:
                minter.claim(1, quantity, [], 2**256 - 1, 0, {"from": who, "value": value})
            except VirtualMachineError:
                assert not ok
                return
            assert ok
            self.claimed[1][who.address] = mine + quantity
            self.held += PRICE * quantity

        @rule(wallet=WALLETS, identity=st.sampled_from(IDENTITIES))
        def redeem(self, wallet, identity):
            who = wallets[wallet]
            v = vouchers.Voucher(who.address, 2, 0, 0, person_nullifier(identity), 0, chain.time() + 3600)
            ok = (not self.paused and identity not in self.identities_used
                  and self._total(2) < VOUCHER_SUPPLY and self.claimed[2].get(who.address, 0) < 1)
            try:
                minter.claimWithVoucher(v.as_tuple(), vouchers.sign_voucher(domain, v, signer.key), {"from": who})
            except VirtualMachineError:
                assert not ok
                return
            assert ok
            self.identities_used.add(identity)
            self.claimed[2][who.address] = 1

        @rule()
        def toggle_pause(self):
            self.paused = not self.paused
            for campaign_id in (1, 2):
                minter.setCampaignPaused(campaign_id, self.paused, {"from": admin})

        @rule()
        def withdraw(self):
            if self.held == 0:
                try:
                    minter.withdraw(treasury, {"from": admin})
                except VirtualMachineError:
                    return
                raise AssertionError("withdrawing nothing must revert")
            minter.withdraw(treasury, {"from": admin})
            self.withdrawn += self.held
            self.held = 0

        @invariant()
        def counts_match_the_model(self):
            for campaign_id, supply in ((1, SUPPLY), (2, VOUCHER_SUPPLY)):
                _, claimed, _ = minter.campaign(campaign_id)
                assert claimed == self._total(campaign_id) <= supply
                assert minter.remaining(campaign_id) == supply - claimed
                for who in wallets:
                    assert minter.claimedBy(campaign_id, who) == self.claimed[campaign_id].get(who.address, 0)

        @invariant()
        def no_wallet_over_its_limit(self):
            assert all(n <= LIMIT for n in self.claimed[1].values())
            assert all(n <= 1 for n in self.claimed[2].values())

        @invariant()
        def cards_are_the_claims(self):
            assert card.totalSupply() == self._total(1) + self._total(2)
            for who in wallets:
                expected = self.claimed[1].get(who.address, 0) + self.claimed[2].get(who.address, 0)
                assert card.balanceOf(who) == expected

        @invariant()
        def one_card_per_identity(self):
            assert self._total(2) == len(self.identities_used)
            for identity in IDENTITIES:
                used = minter.nullifierUsed(person_nullifier(identity))
                assert used == (identity in self.identities_used)

        @invariant()
        def money_is_where_it_should_be(self):
            assert minter.balance() == self.held
            assert treasury.balance() == self.treasury_start + self.withdrawn

    return MinterMachine


def test_minter_invariants():
    run_state_machine_as_test(minter_machine(), settings=settings(
        max_examples=10, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)))
