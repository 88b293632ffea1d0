"""Tables of access: sign-in nonces, sessions (holders, staff, venues), holders seen, staff accounts and
roles per municipality, invitations, forums (DiscourseConnect), bot API keys, throttle counts.

Secrets are never stored: sessions and bot keys as SHA-256 digests of random tokens, passwords as
scrypt hashes (backend/auth/secrets.py).
"""

from __future__ import annotations

import time

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

ROLES = ("viewer", "staff", "admin")  # ascending: each role may do what the ones before it may
SESSION_KINDS = ("holder", "staff", "venue")


def unix_now() -> int:
    return int(time.time())


class SignInNonce(Base):
    """An EIP-4361 nonce handed out by POST /auth/nonce; used at most once, before it expires."""

    __tablename__ = "sign_in_nonces"
    __table_args__ = (Index("ix_sign_in_nonces_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)  # public in the signed message: not a secret
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AuthSession(Base):
    """A signed-in session of a holder (subject = address), staff member or venue account (subject = id)."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('holder', 'staff', 'venue')", name="kind"),
        Index("ix_auth_sessions_kind_subject", "kind", "subject"),
        Index("ix_auth_sessions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    expires_at: Mapped[int] = mapped_column(BigInteger)


class Holder(Base):
    """A wallet that has signed in at least once (for 'active holders' KPIs; no personal data)."""

    __tablename__ = "holders"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)  # EIP-55
    first_sign_in_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    last_sign_in_at: Mapped[int] = mapped_column(BigInteger, default=unix_now, index=True)
    sign_in_count: Mapped[int] = mapped_column(Integer, default=1)
    contract_wallet: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffAccount(Base):
    """A municipality staff member's login. `superuser` may act in every municipality and create them."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)  # lower-case
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    last_login_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # No lock here: failed sign-ins are slowed per login name and client address (backend/auth/throttle.py).
    # Set for an account made with a one-time password: every staff route but the password change refuses.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # TOTP second factor (backend/auth/totp.py): the seed sealed (backend/auth/sealed.py, bound to the row),
    # on only once a code confirmed it; the last time step used, so a code is never accepted twice.
    totp_seed: Mapped[str | None] = mapped_column(String(200), nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StaffRole(Base):
    """A staff member's role in one municipality: viewer < staff < admin."""

    __tablename__ = "staff_roles"
    __table_args__ = (
        UniqueConstraint("staff_id", "municipality_id"),
        CheckConstraint("role IN ('viewer', 'staff', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class StaffInvite(Base):
    """An admin's invitation to join one municipality with a role, by a one-time link: the token is shown
    once and kept as its SHA-256 digest; it expires, and accepting it uses it up."""

    __tablename__ = "staff_invites"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'staff', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # given to the new account
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"),
                                                   nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"), nullable=True)


class Forum(Base):
    """A Discourse forum that signs holders in through us (DiscourseConnect), gated by one collection."""

    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), unique=True)  # origin, e.g. https://forum.city.example.jp
    group_prefix: Mapped[str] = mapped_column(String(40))  # Discourse groups <prefix>_holders, <prefix>_tier_<n>
    max_tier: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    # Its own DiscourseConnect secret, sealed (backend/auth/sealed.py, bound to "forum:<id>"); None for a forum
    # registered before secrets were per forum, which signs nobody in until an admin rotates it.
    sso_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    secret_set_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BotKey(Base):
    """An API key a Discord/Telegram bot uses for GET /bot/check, limited to one municipality."""

    __tablename__ = "bot_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class PasskeyCredential(Base):
    """A holder's WebAuthn passkey and the passkey account its public key names (contracts/accounts).

    Only public data: the credential id, the P-256 public key, the authenticator's sign counter and the
    account's (CREATE2-predicted) address; nothing that names the person.
    """

    __tablename__ = "passkey_credentials"
    __table_args__ = (Index("ix_passkey_credentials_account", "account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url; WebAuthn caps ids at 1023 bytes
    public_x: Mapped[str] = mapped_column(String(66))  # 0x-hex, 32 bytes
    public_y: Mapped[str] = mapped_column(String(66))
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    account: Mapped[str] = mapped_column(String(42))
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ThrottleHit(Base):
    """One counted failure (a wrong password, an unknown desk code) in a throttle's moving window, shared by
    every API worker on PostgreSQL (backend/auth/throttle.py, `DatabaseStorage`). Rows older than their
    window are deleted when the same key is counted again."""

    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))  # limits' key: the window and who is counted
    at: Mapped[float] = mapped_column(Float)
