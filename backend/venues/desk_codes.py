"""Desk codes: a pass a desk can type — six characters instead of the QR code's ~140.

A holder's phone shows the code under the QR code; a desk without a working camera types it. The code is bound
to the very same pass: typing it redeems that pass, so it is single-use and expires with it (the redemptions
table's UNIQUE(pass_id) decides, as for a scan).

Passes are stateless, codes cannot be: a code is looked up. Stored per code are its HMAC digest (a database
reader cannot try the 887 million codes offline without the pass secret) and the pass's *payload* — what the
pass says, without its signature, so the row is no bearer credential either. The signature is made again at
look-up (`PassSigner.seal`).

Six characters from 31 that a person reads and types without doubt (no 0/O, 1/I/L) give 31^6 ≈ 8.9 × 10^8
codes. Guessing is throttled per venue session and per client address (failed look-ups only, in moving windows
like the sign-in throttle, RESIDENT_DESK_CODE_GUESSES): at the default 5 a minute and 50 a day, a desk that
guesses all day while 1,000 codes are live finds one with a chance of about 1 in 18,000.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time

from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.throttle import address_key, parse_ladder
from backend.db.models_perks import DeskCode
from backend.db.session import begin_immediate
from backend.venues.passes import PassSigner

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
PURPOSE = b"resident/desk-code/v1"
# Spaces and dashes a desk may type between the halves: ASCII, Unicode dashes, the long-vowel mark, full width.
_DASHES = "".join(chr(c) for c in (*range(0x2010, 0x2016), 0x30FC, 0xFF0D))
_TYPED = re.compile(f"[\\s\\-{_DASHES}]+")
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")
KEEP_EXPIRED = 3600  # seconds an expired code's row is kept, then deleted when new codes are made


def normalized(text: str) -> str | None:
    """The code in `text` as a desk typed it ("abc-def", "ABC DEF", full-width), or None if it is no code."""
    if not isinstance(text, str) or len(text) > 3 * LENGTH:
        return None
    code = _TYPED.sub("", text).upper().translate(_FULL_WIDTH)
    return code if _VALID.match(code) else None


def shown(code: str) -> str:
    """The code as the holder's phone shows it: two halves of three, easy to read aloud."""
    return f"{code[:3]}-{code[3:]}"


_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} |
                            {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})


class DeskCodeThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many unknown desk codes; retry after {retry_after} s")


class DeskCodes:
    """Makes codes for passes and turns a typed code back into its pass (build once per backend)."""

    def __init__(self, engine: Engine, signer: PassSigner, pass_secret: str | bytes, guesses: str,
                 storage: Storage | None = None) -> None:
        self.engine = engine
        self.signer = signer
        secret = pass_secret.encode() if isinstance(pass_secret, str) else pass_secret
        self._key = hmac.digest(secret, PURPOSE, "sha256")
        self.ladder = parse_ladder(guesses)
        # Counted where the sign-in throttle counts (backend/auth/throttle.py `storage_for` says why).
        self.limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    def digest(self, code: str) -> str:
        return hmac.digest(self._key, code.encode("ascii"), "sha256").hex()

    def make(self, pass_text: str, expires_at: int, now: float | None = None) -> str:
        """A new code for the pass (committed); drops the rows of codes that expired an hour ago."""
        now = time.time() if now is None else now
        payload = self.signer.payload_of(pass_text)
        for _ in range(8):  # a clash with a live code is about 1 in 10^6 per 1,000 live codes: try again
            code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
            # Its own short write transaction (the request's session has been reading): on SQLite it queues
            # behind the indexer's writes instead of failing with "database is locked".
            with Session(self.engine) as session:
                begin_immediate(session)
                session.execute(delete(DeskCode).where(DeskCode.expires_at < int(now) - KEEP_EXPIRED))
                session.add(DeskCode(digest=self.digest(code), payload=payload, expires_at=expires_at))
                try:
                    session.commit()
                    return code
                except IntegrityError:
                    session.rollback()
        raise RuntimeError("no free desk code after 8 tries")

    def pass_of(self, code: str, venue_token_digest: str, host: str | None, now: float | None = None) -> str | None:
        """The pass the code stands for while it is live, or None (an unknown code counts as a guess).

        Raises DeskCodeThrottled when this venue session or this address guessed wrong too often lately."""
        now = time.time() if now is None else now
        keys = (("venue", venue_token_digest), ("address", address_key(host)))
        wait = self._wait(keys, now)
        if wait:
            raise DeskCodeThrottled(wait)
        with self.engine.connect() as conn:
            payload = conn.scalar(select(DeskCode.payload).where(DeskCode.digest == self.digest(code),
                                                                 DeskCode.expires_at > int(now)))
        if payload is None:
            for key in keys:
                for item in self.ladder:
                    self.limiter.hit(item, "desk-code", *key)
            return None
        return self.signer.seal(bytes(payload))

    def _wait(self, keys, now: float) -> int:
        wait = 0.0
        for key in keys:
            for item in self.ladder:
                if not self.limiter.test(item, "desk-code", *key):
                    reset, _ = self.limiter.get_window_stats(item, "desk-code", *key)
                    wait = max(wait, reset - now, 1.0)
        return int(wait + 0.999)
