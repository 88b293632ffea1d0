"""A staff member's optional second factor: TOTP (RFC 6238, pyotp; 30-second steps, 6 digits).

The seed is kept sealed (backend/auth/sealed.py, purpose "totp", bound to "staff:<id>") and is switched on
only once a code from the app has confirmed it. A code is accepted for the step before, of and after now
(phone clocks drift) and never twice: the last step used is stored and only later steps pass, so a code
seen over a shoulder is worth nothing once used. The caller commits.
"""

from __future__ import annotations

import time

import pyotp

from backend.auth.errors import BadCredentials
from backend.auth.sealed import seal, unseal
from backend.auth.secrets import secrets_equal
from backend.db.models_access import StaffAccount
from backend.errors import Refusal

PURPOSE = "totp"
ISSUER = "Digital resident"  # the name the authenticator app lists the account under
DRIFT_STEPS = 1


def _bound(account: StaffAccount) -> str:
    return f"staff:{account.id}"


def _accept(sealing_key: str, account: StaffAccount, code: object, now: float | None) -> bool:
    """Whether `code` is the seed's code for a step near now that is later than the last one used; if so,
    that step becomes the last used."""
    if account.totp_seed is None or not isinstance(code, str):
        return False
    code = code.replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return False
    otp = pyotp.TOTP(unseal(sealing_key, PURPOSE, account.totp_seed, bound_to=_bound(account)))
    step = int((time.time() if now is None else now) // otp.interval)
    last = account.totp_last_step if account.totp_last_step is not None else -1
    matched = None
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if secrets_equal(otp.generate_otp(candidate), code) and candidate > last:
            matched = candidate
    if matched is None:
        return False
    account.totp_last_step = matched
    return True


def enrol(sealing_key: str, account: StaffAccount) -> tuple[str, str]:
    """A new seed for `account`, kept sealed but not yet on: (secret, otpauth:// URI) to show once."""
    if account.totp_enabled:
        raise Refusal("totp_already_on")
    secret = pyotp.random_base32()
    account.totp_seed = seal(sealing_key, PURPOSE, secret, bound_to=_bound(account))
    account.totp_last_step = None
    return secret, pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=ISSUER)


def confirm(sealing_key: str, account: StaffAccount, code: str, *, now: float | None = None) -> None:
    """Switch the enrolled seed on, once a code from the app proves the app has it."""
    if account.totp_enabled:
        raise Refusal("totp_already_on")
    if account.totp_seed is None:
        raise Refusal("totp_not_started")
    if not _accept(sealing_key, account, code, now):
        raise Refusal("totp_code_wrong")
    account.totp_enabled = True


def disable(sealing_key: str, account: StaffAccount, code: str, *, now: float | None = None) -> None:
    """Switch the second factor off: it takes a current code, not only a signed-in session."""
    if not account.totp_enabled:
        raise Refusal("totp_not_on")
    if not _accept(sealing_key, account, code, now):
        raise Refusal("totp_code_wrong")
    account.totp_seed, account.totp_enabled, account.totp_last_step = None, False, None


def check_sign_in(sealing_key: str, account: StaffAccount, code: str | None, *, now: float | None = None) -> None:
    """At sign-in, after the password: nothing for an account without TOTP; else BadCredentials unless `code`
    is good, the same answer as a wrong password, so a guesser never learns that the password was right."""
    if account.totp_enabled and not _accept(sealing_key, account, code, now):
        raise BadCredentials()
