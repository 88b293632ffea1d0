"""Property-based (stateful) tests of the collection's invariants.

Random sequences of issue, batch issue, transfer, revoke, opt out, re-issue,
unlock and time travel run against a tradable collection with a mix of
locked and unlocked cards. After every step:
- a locked card never changes holder except by burn or re-issue;
- resident numbers are unique among live cards and never reused;
- totalSupply() equals the sum of balances;
- no wallet holds more than the cap;
- an expired card is never valid.
"""

import brownie
from brownie import chain
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from card_setup import config

CAP = 2
DAY = 86_400
HOLDERS = st.integers(min_value=0, max_value=5)
TOKENS = st.integers(min_value=0, max_value=2**16)
DAYS = st.integers(min_value=0, max_value=400)


def collection_machine(accounts, ResidentCard):
    """A state machine class bound to a collection deployed once; each run starts from its snapshot.

    Brownie 1.22.2's own `state_machine` fixture fails on a mypyc type check,
    so this drives hypothesis directly and uses Brownie's chain snapshots.
    """
    admin = accounts[0]
    holders = list(accounts[1:7])
    contract = ResidentCard.deploy(config(admin, soulbound=False, cap=CAP), {"from": admin})
    chain.snapshot()

    class CollectionMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            chain.revert()
            self.owner = {}  # tokenId -> holder address
            self.number = {}  # tokenId -> resident number
            self.locked = {}
            self.expires = {}
            self.numbers_ever = []
            self.max_token = 0

        # --- helpers ----------------------------------------------------
        def _balance(self, address):
            return sum(1 for h in self.owner.values() if h == address)

        def _pick(self, token_pick):
            live = sorted(self.owner)
            return live[token_pick % len(live)] if live else None

        def _record_issue(self, token, holder, locked, expires):
            self.owner[token] = holder
            self.number[token] = contract.cardOf(token)["residentNumber"]
            self.numbers_ever.append(self.number[token])
            self.locked[token] = locked
            self.expires[token] = expires
            self.max_token = max(self.max_token, token)

        def _forget(self, token):
            for table in (self.owner, self.number, self.locked, self.expires):
                del table[token]

        # --- rules --------------------------------------------------------
        @rule(holder_index=HOLDERS, tier=st.integers(0, 1), lock=st.booleans(), days=DAYS)
        def issue(self, holder_index, tier, lock, days):
            holder = holders[holder_index]
            expires = 0 if days == 0 else chain.time() + days * DAY
            if self._balance(holder.address) >= CAP:
                with brownie.reverts():
                    contract.issueWithPolicy(holder, tier, expires, lock, {"from": admin})
                return
            tx = contract.issueWithPolicy(holder, tier, expires, lock, {"from": admin})
            self._record_issue(tx.return_value, holder.address, lock, expires)

        @rule(holder_index=HOLDERS, batch_size=st.integers(1, 4))
        def issue_batch(self, holder_index, batch_size):
            receivers = [holders[(holder_index + i) % len(holders)] for i in range(batch_size)]
            counts = {}
            for r in receivers:
                counts[r.address] = counts.get(r.address, 0) + 1
            if any(self._balance(a) + n > CAP for a, n in counts.items()):
                with brownie.reverts():
                    contract.issueBatch(receivers, 0, 0, {"from": admin})
                return
            first = contract.issueBatch(receivers, 0, 0, {"from": admin}).return_value
            for i, r in enumerate(receivers):
                self._record_issue(first + i, r.address, False, 0)

        @rule(token_pick=TOKENS, other_index=HOLDERS)
        def transfer(self, token_pick, other_index):
            token = self._pick(token_pick)
            if token is None:
                return
            holder = self.owner[token]
            to = holders[other_index]
            if to.address == holder:
                return
            if self.locked[token] or self._balance(to.address) >= CAP:
                with brownie.reverts():
                    contract.transferFrom(holder, to, token, {"from": holder})
            else:
                contract.transferFrom(holder, to, token, {"from": holder})
                self.owner[token] = to.address

        @rule(token_pick=TOKENS)
        def revoke(self, token_pick):
            token = self._pick(token_pick)
            if token is not None:
                contract.revoke(token, {"from": admin})
                self._forget(token)

        @rule(token_pick=TOKENS)
        def opt_out(self, token_pick):
            token = self._pick(token_pick)
            if token is not None:
                contract.optOut(token, {"from": self.owner[token]})
                self._forget(token)

        @rule(token_pick=TOKENS, other_index=HOLDERS)
        def reissue(self, token_pick, other_index):
            token = self._pick(token_pick)
            if token is None:
                return
            to = holders[other_index]
            if self._balance(to.address) > 0:
                with brownie.reverts():
                    contract.reissue(token, to, {"from": admin})
                return
            new = contract.reissue(token, to, {"from": admin}).return_value
            self.owner[new] = to.address
            self.number[new] = self.number[token]
            self.locked[new] = self.locked[token]
            self.expires[new] = self.expires[token]
            self.max_token = max(self.max_token, new)
            self._forget(token)

        @rule(token_pick=TOKENS, lock=st.booleans())
        def set_lock(self, token_pick, lock):
            token = self._pick(token_pick)
            if token is not None:
                contract.setLocked(token, lock, {"from": admin})
                self.locked[token] = lock

        @rule(days=DAYS)
        def time_passes(self, days):
            chain.sleep(days * DAY)
            chain.mine()

        # --- invariants ---------------------------------------------------
        @invariant()
        def holders_match_model(self):
            # "A locked card never changes holder": the model moves a locked
            # card only by burn or re-issue, and the chain must agree with it.
            for token, holder in self.owner.items():
                assert contract.ownerOf(token) == holder
                assert contract.locked(token) == self.locked[token]

        @invariant()
        def resident_numbers_unique_and_never_reused(self):
            live = list(self.number.values())
            assert len(live) == len(set(live))
            issued = len(set(self.numbers_ever))
            assert contract.residentCount() == issued
            assert sorted(set(self.numbers_ever)) == list(range(1, issued + 1))
            assert all(contract.cardOf(t)["residentNumber"] == n for t, n in self.number.items())

        @invariant()
        def total_supply_is_sum_of_balances(self):
            balances = sum(contract.balanceOf(h) for h in holders)
            assert contract.totalSupply() == balances == len(self.owner)

        @invariant()
        def no_wallet_over_cap(self):
            assert all(contract.balanceOf(h) <= CAP for h in holders)

        @invariant()
        def expired_cards_never_valid(self):
            now = chain[-1].timestamp
            for token, expires in self.expires.items():
                expired = expires != 0 and now >= expires
                assert contract.isValid(token) == (not expired)
            for token in range(1, self.max_token + 1):
                if token not in self.owner:
                    assert contract.isValid(token) is False

    return CollectionMachine


def test_collection_invariants(accounts, ResidentCard):
    machine = collection_machine(accounts, ResidentCard)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=25, stateful_step_count=15, deadline=None,
        suppress_health_check=list(HealthCheck),
    ))
