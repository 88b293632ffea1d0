"""Rotating QR codes at activities and the check-ins they confirm.

The organiser's screen shows a QR code that changes every PERIOD seconds, so a photo of it is useless a
few seconds later. Its text is

    ra1.<activity id>.<window>.<code>      window = floor(unix time / PERIOD)
    code = the first 50 bits of HMAC-SHA256(key, "<activity id>.<window>") in Crockford base32 (10 chars)

under a key derived from settings.pass_secret for this purpose only. We accept the current and the
previous window (a scan made just before the code changed still counts). A holder whose camera fails
types the activity number and the 10-character code instead; the same two windows are tried.

A check-in is recorded per card (not per wallet) and per Japan day: UNIQUE(activity, card, day) refuses a
second one the same day, and an activity over three consecutive days counts three times.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.secrets import secrets_equal
from backend.civic.inactivity import record_activity
from backend.cards import CardView, cards_of_owner
from backend.db.models_chain import Municipality
from backend.db.models_residency import Activity, ActivityDay, CheckIn
from backend.errors import Refusal
from backend.messages import Texts
from backend.perks.rules import japan_date

PREFIX = "ra1"
PERIOD = 10
PURPOSE = b"resident/activity-checkin/v1"
CODE_CHARS = 10
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TOKEN = re.compile(r"^ra1\.(\d{1,12})\.(\d{1,12})\.([0-9A-Z]{10})$")


class CheckInError(Refusal):
    """Raised when a check-in is refused; the code says why (texts in backend/messages/residency.py)."""


def _crockford(value: int, chars: int) -> str:
    return "".join(_CROCKFORD[(value >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def normalise_code(text: str) -> str:
    """Upper case without spaces or dashes; the letters people confuse read as Crockford does (O→0, I/L→1)."""
    text = re.sub(r"[\s-]", "", text or "").upper()
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


@dataclass(frozen=True)
class QrNow:
    token: str  # what the QR code encodes
    code: str  # the same secret, to type: XXXXX-XXXXX
    window: int
    seconds_left: float


class RotatingCode:
    """Makes and checks the rotating codes of every activity under one key."""

    def __init__(self, secret: str | bytes, period: int = PERIOD) -> None:
        secret = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.digest(secret, PURPOSE, "sha256")
        self.period = period

    def window(self, now: float) -> int:
        return int(now // self.period)

    def code(self, activity_id: int, window: int) -> str:
        mac = hmac.digest(self._key, f"{activity_id}.{window}".encode(), "sha256")
        return _crockford(int.from_bytes(mac[:8], "big") >> 14, CODE_CHARS)

    def current(self, activity_id: int, now: float | None = None) -> QrNow:
        now = time.time() if now is None else now
        window = self.window(now)
        code = self.code(activity_id, window)
        return QrNow(f"{PREFIX}.{activity_id}.{window}.{code}", f"{code[:5]}-{code[5:]}", window,
                     round((window + 1) * self.period - now, 3))

    def verify_token(self, token: str, now: float | None = None) -> int:
        """The activity id of a scanned QR text; CheckInError when malformed, forged or expired."""
        now = time.time() if now is None else now
        match = _TOKEN.match((token or "").strip())
        if match is None:
            raise CheckInError("qr_malformed")
        activity_id, window, code = int(match[1]), int(match[2]), match[3]
        if not secrets_equal(self.code(activity_id, window), code):
            raise CheckInError("qr_invalid")
        current = self.window(now)
        if window not in (current, current - 1):
            raise CheckInError("qr_expired")
        return activity_id

    def verify_code(self, activity_id: int, typed: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        code = normalise_code(typed)
        current = self.window(now)
        if not any(secrets_equal(self.code(activity_id, w), code) for w in (current, current - 1)):
            raise CheckInError("code_wrong_or_expired")


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    activity: Activity
    card: CardView


def _card_for(db: Session, holder: str, activity: Activity, collection_id: int | None, token_id: int | None,
              now: float) -> CardView:
    valid = [c for c in cards_of_owner(db, holder) if c.valid_now(now)]
    if collection_id is not None and token_id is not None:
        valid = [c for c in valid if c.collection_id == collection_id and c.token_id == token_id]
    if not valid:
        raise CheckInError("no_valid_card", detail="to_check_in")
    mine = [c for c in valid if c.municipality_id == activity.municipality_id]
    if not mine:
        town = db.get(Municipality, activity.municipality_id)
        raise CheckInError("activity_other_municipality", detail="activity_of",
                           town=Texts(ja=town.name_ja, en=town.name_en))
    return mine[0]


def check_in(db: Session, codes: RotatingCode, holder: str, *, token: str | None = None,
             activity_id: int | None = None, code: str | None = None, collection_id: int | None = None,
             token_id: int | None = None, now: float | None = None) -> CheckInResult:
    """Records the holder's card at the activity today; the caller commits (or rolls back)."""
    now = time.time() if now is None else now
    if token:
        activity_id = codes.verify_token(token, now)
    elif activity_id is not None and code:
        codes.verify_code(activity_id, code, now)
    else:
        raise CheckInError("qr_malformed", detail="send_token_or_code")
    activity = db.get(Activity, activity_id)
    if activity is None:
        raise CheckInError("qr_invalid")
    if not activity.designated or not activity.active:
        raise CheckInError("activity_not_designated")
    today = japan_date(now)
    if db.get(ActivityDay, (activity.id, today)) is None:
        raise CheckInError("activity_not_today", detail="today_is", today=today)
    card = _card_for(db, holder, activity, collection_id, token_id, now)
    row = CheckIn(activity_id=activity.id, card_id=card.id, municipality_id=activity.municipality_id,
                  holder=to_checksum_address(holder), day=today, checked_in_at=int(now))
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise CheckInError("already_checked_in") from None
    record_activity(db, holder, int(now), "check_in")  # a check-in answers an inactivity notice too
    return CheckInResult(row, activity, card)


def count_checkins(db: Session, card_id: int, since: int) -> int:
    """Check-ins of one card since `since` (unix time): one per activity and Japan day."""
    return db.scalar(select(func.count(CheckIn.id)).where(CheckIn.card_id == card_id,
                                                          CheckIn.checked_in_at >= since)) or 0


def checkins_of_card(db: Session, card_id: int, since: int) -> list[tuple[CheckIn, Activity]]:
    return list(db.execute(select(CheckIn, Activity).join(Activity, Activity.id == CheckIn.activity_id)
                           .where(CheckIn.card_id == card_id, CheckIn.checked_in_at >= since)
                           .order_by(CheckIn.checked_in_at)).tuples())
