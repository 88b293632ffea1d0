"""Passkeys: passkey_credentials, a holder's WebAuthn credential and the passkey account it names.

Revision ID: 0021_passkeys
Revises: 0020_sponsorship
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_passkeys"
down_revision = "0020_sponsorship"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passkey_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(1400), nullable=False),
        sa.Column("public_x", sa.String(66), nullable=False),
        sa.Column("public_y", sa.String(66), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey_credentials")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkey_credentials_credential_id")),
    )
    op.create_index("ix_passkey_credentials_account", "passkey_credentials", ["account"])


def downgrade() -> None:
    op.drop_index("ix_passkey_credentials_account", table_name="passkey_credentials")
    op.drop_table("passkey_credentials")
