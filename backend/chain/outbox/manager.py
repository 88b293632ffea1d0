"""The outbox's cycle, one `step()` at a time, run by the leader process only.

For each sender whose lease this manager holds (backend/workers/lease.py; two managers racing: one gets
the sender, the other does nothing for it):
1. queued → signed: nonces from the sender's sequence in the database (renewed lease in the same
   transaction, so a manager whose lease was taken over cannot assign one), signed, and the raw and hash
   committed BEFORE the node sees them;
2. signed → sent: the recorded raw broadcast (again after a crash: the same bytes, the same hash);
3. sent → mined → confirmed: the receipt of any attempt wins; a mined revert is failed with its decoded
   error; a transaction the node forgot is resubmitted; one not mined after `stuck_after` seconds is
   replaced at its nonce with fees bumped ≥ 12.5% (every attempt's hash kept). Confirmed: at or below the
   chain's `safe` block where its profile has a finality tag, else `confirmations` blocks deep; until then a
   transaction reorganised out of the chain goes back to sent and is broadcast again (the same raw, the
   same nonce: it can land once only);
4. a nonce whose transaction the node refused is filled with a cancel (0 to the sender itself), so later
   nonces are not stuck behind a gap.

Fees come from the sender's network profile (backend/chain/networks.py: EIP-1559 or legacy gasPrice, within
RESIDENT_MAX_FEE_GWEI / RESIDENT_MAX_PRIORITY_FEE_GWEI); a replacement that would pass a cap is not sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import Chain
from backend.chain import networks
from backend.chain.reverts import decode_revert
from backend.db.models_outbox import OutboxAttempt, OutboxSender, OutboxTx
from backend.errors import ChainError
from backend.workers.lease import Lease

log = logging.getLogger("resident.outbox")

CANCEL_GAS = 21_000
OPEN_STATES = ("queued", "signed", "sent", "mined")  # confirmed, failed and replaced need nothing more
ALREADY = ("already known", "known transaction", "already imported", "nonce too low", "replacement transaction")


def _hex(raw) -> str:
    return raw if isinstance(raw, str) else "0x" + bytes(raw).hex()


class Manager:
    def __init__(self, sessions: sessionmaker, chain: Chain, signers: Iterable, *, confirmations: int = 1,
                 stuck_after: float = 60.0, lease_seconds: float = 30.0, holder: str | None = None,
                 clock: Callable[[], float] = time.time, batch: int = 50,
                 network: networks.Network | None = None) -> None:
        self.sessions = sessions
        self.chain = chain
        self.signers = {signer.address: signer for signer in signers}  # Issuer-like: address, chain_id, sign_transaction
        # The fee rules and finality of the chain (Settings.network, caps applied); else each signer's profile.
        self.network = network
        self.confirmations = max(1, confirmations)
        self._capped_until: dict[int, float] = {}  # rows whose bump would pass the cap: when to look again
        self.stuck_after = stuck_after
        self.clock = clock
        self.batch = batch
        self.lease = Lease(sessions, key=OutboxSender.address, until=OutboxSender.lease_until,
                           holder_column=OutboxSender.lease_holder, seconds=lease_seconds, holder=holder,
                           clock=clock)

    def step(self) -> float | None:
        """One pass over every sender this manager can hold; None: wait the loop's interval."""
        for address in self.signers:
            self.step_sender(address)
        return None

    run_once = step

    def holds(self, address: str) -> bool:
        self.lease.ensure_row(address, lambda: OutboxSender(address=address))
        return self.lease.claim(address)

    def step_sender(self, address: str) -> bool:
        """One pass for one sender; False when another manager holds it. A sender with nothing open is only
        read: an idle manager writes nothing (on SQLite every write takes the one write lock)."""
        if not self._open(address):
            return self.lease.held(address)
        if not self.holds(address):
            return False
        self.sign_queued(address)
        self.broadcast_signed(address)
        self.watch(address)
        return True

    def _open(self, address: str) -> bool:
        """Whether the sender has a transaction still to sign, send or follow to its confirmation."""
        with self.sessions() as session:
            return session.scalars(select(OutboxTx.id).where(
                OutboxTx.sender == address, OutboxTx.state.in_(OPEN_STATES)).limit(1)).first() is not None

    def network_of(self, address: str) -> networks.Network:
        if self.network is not None:
            return self.network
        signer = self.signers[address]
        return (getattr(signer, "network", None) or networks.known(signer.chain_id)
                or networks.unprofiled(signer.chain_id))

    def quote(self, address: str) -> dict[str, int]:
        return networks.fee_quote(self.chain, self.network_of(address))

    # -- 1. queued → signed -------------------------------------------------------------------------
    def sign_queued(self, address: str) -> int:
        signer = self.signers[address]
        with self.sessions() as session:
            waiting = session.scalars(select(OutboxTx.id).where(OutboxTx.sender == address,
                                                                OutboxTx.state == "queued").limit(1)).first()
        if waiting is None:
            return 0
        fees = self.quote(address)
        first_nonce = self.chain.nonce(address, "pending")
        signed = 0
        with self.lease.transaction() as session:
            if not self.lease.renew(address, session=session):
                session.rollback()
                return 0
            sender = session.get(OutboxSender, address)
            # Ahead of the chain's pending count only by what this sequence signed; behind it when the key
            # sent without the outbox (the airdrop's own path, a script): skip what they used.
            sender.next_nonce = max(sender.next_nonce or 0, first_nonce)
            rows = session.scalars(select(OutboxTx).where(OutboxTx.sender == address, OutboxTx.state == "queued")
                                   .order_by(OutboxTx.id).limit(self.batch)).all()
            for row in rows:
                row.nonce = sender.next_nonce
                sender.next_nonce += 1
                self._sign(session, signer, row, fees)
                row.state = "signed"
                signed += 1
        return signed

    def _sign(self, session: Session, signer, row: OutboxTx, fees: dict[str, int]) -> None:
        """Signs `row` with `fees` (networks.fee_quote's fields: EIP-1559, or gasPrice for a legacy
        transaction) and records the attempt; the caller commits before anything is broadcast."""
        tx = {"chainId": row.chain_id, "nonce": row.nonce, "gas": row.gas, "value": int(row.value),
              "data": row.data, **fees}
        if "gasPrice" not in fees:
            tx["type"] = 2
        if row.to:
            tx["to"] = row.to
        raw, tx_hash = signer.sign_transaction(tx)
        now = self.clock()
        row.raw, row.tx_hash = _hex(raw), tx_hash.lower()
        columns = {"max_fee_per_gas": fees.get("maxFeePerGas"), "max_priority_fee_per_gas":
                   fees.get("maxPriorityFeePerGas"), "gas_price": fees.get("gasPrice")}
        columns = {name: None if value is None else str(value) for name, value in columns.items()}
        for name, value in columns.items():
            setattr(row, name, value)
        row.attempts += 1
        row.updated_at = now
        session.add(OutboxAttempt(tx_id=row.id, tx_hash=row.tx_hash, raw=row.raw, created_at=now, **columns))

    # -- 2. signed → sent ---------------------------------------------------------------------------
    def broadcast_signed(self, address: str) -> None:
        with self.sessions() as session:
            ids = session.scalars(select(OutboxTx.id).where(OutboxTx.sender == address, OutboxTx.state == "signed")
                                  .order_by(OutboxTx.nonce)).all()
        for row_id in ids:
            with self.sessions() as session:
                raw = session.get(OutboxTx, row_id).raw
            refused = self._send_raw(raw)
            if refused is None:
                self._update(address, row_id, state="sent", sent_at=self.clock())
            elif refused:
                self._refused(address, row_id, refused)

    def _send_raw(self, raw: str) -> str | None:
        """None: the node has it; "": not reached (retry next step); else the node's refusal."""
        try:
            self.chain.send_raw(bytes.fromhex(raw[2:]))
            return None
        except ChainError as exc:
            text = str(exc)
            if " failed: " in text:  # transport: the node is away, the raw stays recorded
                log.warning("broadcast not reached the node: %s", text)
                return ""
            if any(word in text.lower() for word in ALREADY):
                return None  # it (or its nonce's winner) is there: the watch decides
            return text

    def _refused(self, address: str, row_id: int, reason: str) -> None:
        """The node will never take this transaction: failed, and its nonce filled by a cancel, in one commit."""
        with self.lease.transaction() as session:
            if not self.lease.renew(address, session=session):
                return
            row = session.get(OutboxTx, row_id)
            if row.purpose == "cancel":  # a cancel is retried until it fills its nonce
                return
            now = self.clock()
            row.state, row.error_code, row.error, row.updated_at = "failed", "broadcast_refused", reason[:2000], now
            cancel = OutboxTx(idempotency_key=f"cancel:{row.id}", chain_id=row.chain_id, sender=address,
                              nonce=row.nonce, to=address, data="0x", value="0", gas=CANCEL_GAS,
                              purpose="cancel", errors_abi="[]", state="signed",
                              municipality_id=row.municipality_id, attempts=0, created_at=now, updated_at=now)
            session.add(cancel)
            session.flush()
            self._sign(session, self.signers[address], cancel, self.quote(address))

    # -- 3. sent → mined → confirmed ----------------------------------------------------------------
    def watch(self, address: str) -> None:
        with self.sessions() as session:
            ids = session.scalars(select(OutboxTx.id).where(OutboxTx.sender == address,
                                                            OutboxTx.state.in_(("sent", "mined")))
                                  .order_by(OutboxTx.nonce)).all()
        if not ids:
            return
        mined_nonce = self.chain.nonce(address, "latest")  # read before the receipts: see below
        final = self.final_block(address)
        for row_id in ids:
            with self.sessions() as session:
                row = session.get(OutboxTx, row_id)
                hashes = session.scalars(select(OutboxAttempt.tx_hash).where(OutboxAttempt.tx_id == row_id)
                                         .order_by(OutboxAttempt.id.desc())).all()
                session.expunge(row)
            if row.state == "mined":
                self._confirm(address, row, final)
                continue
            receipt = next((r for r in (self.chain.receipt(h) for h in hashes) if r is not None), None)
            if receipt is not None:
                self._mined(address, row, receipt, final)
            elif mined_nonce > row.nonce:  # the nonce was used, by none of our attempts
                self._update(address, row_id, state="replaced", error_code="nonce_taken",
                             error=f"nonce {row.nonce} was used by another transaction")
            elif (self.clock() - (row.sent_at or 0) >= self.stuck_after  # stuck (or forgotten for too long)
                  and self._capped_until.get(row_id, 0) <= self.clock()):
                self._replace(address, row)
            elif self.chain.transaction(row.tx_hash) is None:  # dropped from the mempool: resubmit the raw
                log.info("outbox %s: node forgot %s, resubmitting", row_id, row.tx_hash)
                self._send_raw(row.raw)

    def final_block(self, address: str) -> int:
        """The newest block that counts as final: the chain's `safe` block where its profile names a finality
        tag (a node that does not answer it: counted as below), else the head less `confirmations` - 1."""
        if self.network_of(address).finality is not None:
            try:
                return int(self.chain.request("eth_getBlockByNumber", ["safe", False])["number"], 16)
            except (ChainError, TypeError, KeyError, ValueError):
                pass
        return self.chain.head() - self.confirmations + 1

    def _mined(self, address: str, row: OutboxTx, receipt, final: int) -> None:
        values = {"tx_hash": receipt.tx_hash.lower(), "block_number": receipt.block_number,
                  "gas_used": receipt.gas_used, "logs": json.dumps(receipt.logs)}
        with self.sessions() as session:
            attempt = session.scalars(select(OutboxAttempt).where(OutboxAttempt.tx_hash == values["tx_hash"])).first()
            if attempt is not None:
                values["raw"] = attempt.raw
        if receipt.status == 1:
            values["state"] = "confirmed" if receipt.block_number <= final else "mined"
        else:
            revert = self._revert_of(row, receipt.block_number)
            values.update(state="failed", error_code="reverted", error=str(revert) if revert else "reverted on chain")
        self._update(address, row.id, **values)

    def _revert_of(self, row: OutboxTx, block_number: int):
        """The custom error a mined revert raised: the call replayed on the block before it, else (a transaction
        earlier in the same block made it fail, as a second card to a one-card wallet does) on its own block."""
        call = {"from": row.sender, "to": row.to, "data": row.data, "value": hex(int(row.value)), "gas": hex(row.gas)}
        for block in dict.fromkeys((max(0, block_number - 1), block_number)):
            try:
                response = self.chain.web3.provider.make_request("eth_call", [call, hex(block)])
            except Exception:  # noqa: BLE001 - the failure is recorded either way; its name is a bonus
                return None
            error = response.get("error")
            if error:
                return decode_revert(json.loads(row.errors_abi or "[]"), error)
        return None

    def _confirm(self, address: str, row: OutboxTx, final: int) -> None:
        receipt = self.chain.receipt(row.tx_hash)
        if receipt is None or receipt.block_number != row.block_number:
            # Reorganised out of the chain before it was final: watched as sent again, and its raw handed to a
            # node that dropped it with the block (the same nonce: mined once at most, whoever waits gets it).
            log.warning("outbox %s: %s left block %s in a reorganisation; sending it again", row.id, row.tx_hash,
                        row.block_number)
            self._update(address, row.id, state="sent", block_number=None, sent_at=self.clock())
            if receipt is None and self.chain.transaction(row.tx_hash) is None:
                self._send_raw(row.raw)
        elif row.block_number <= final:
            self._update(address, row.id, state="confirmed")

    def _replace(self, address: str, row: OutboxTx) -> None:
        """A stuck transaction again at its nonce with higher fees, recorded before it is broadcast; none when
        the bump the node requires would pass the profile's caps (looked at again after `stuck_after`)."""
        old = {"gasPrice": row.gas_price} if row.gas_price else {
            "maxFeePerGas": row.max_fee_per_gas, "maxPriorityFeePerGas": row.max_priority_fee_per_gas}
        fees = networks.replacement_fees({name: int(value) for name, value in old.items()}, self.quote(address),
                                         self.network_of(address))
        if fees is None:
            log.warning("outbox %s: stuck at nonce %s, and a replacement would pay more than the fee cap "
                        "(RESIDENT_MAX_FEE_GWEI); waiting for the base fee to fall", row.id, row.nonce)
            self._capped_until[row.id] = self.clock() + self.stuck_after
            return
        with self.lease.transaction() as session:
            if not self.lease.renew(address, session=session):
                return
            fresh = session.get(OutboxTx, row.id)
            if fresh.state != "sent":
                return
            self._sign(session, self.signers[address], fresh, fees)
            fresh.sent_at = self.clock()
            raw = fresh.raw
        log.info("outbox %s: stuck, replaced at nonce %s with %s", row.id, row.nonce, fees)
        self._send_raw(raw)  # a miss is seen next step as a forgotten transaction and resubmitted

    def _update(self, address: str, row_id: int, **values) -> None:
        with self.lease.transaction() as session:
            if not self.lease.renew(address, session=session):
                return
            row = session.get(OutboxTx, row_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
