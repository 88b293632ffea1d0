"""OpenID Connect logins: oidc_logins, a holder's login at an identity provider under way (state and nonce as
digests, the PKCE verifier sealed), single use and short-lived.

Revision ID: 0023_oidc
Revises: 0022_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_oidc"
down_revision = "0022_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_digest", sa.String(64), nullable=False),
        sa.Column("nonce_digest", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_logins")),
        sa.UniqueConstraint("state_digest", name=op.f("uq_oidc_logins_state_digest")),
    )
    op.create_index("ix_oidc_logins_expires_at", "oidc_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_logins_expires_at", table_name="oidc_logins")
    op.drop_table("oidc_logins")
