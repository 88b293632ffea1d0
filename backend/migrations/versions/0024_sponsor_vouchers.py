"""Sponsored voucher claims: sponsored_claims.person, whom the per-person daily limit counts (the voucher's
identity nullifier when it carries one, else the recipient wallet). Rows before it counted by wallet.

Revision ID: 0024_sponsor_vouchers
Revises: 0023_oidc
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_sponsor_vouchers"
down_revision = "0023_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sponsored_claims") as batch:
        batch.add_column(sa.Column("person", sa.String(length=66), nullable=False, server_default=""))
    op.execute("UPDATE sponsored_claims SET person = recipient")
    op.create_index(op.f("ix_sponsored_claims_person"), "sponsored_claims", ["person"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sponsored_claims_person"), "sponsored_claims")
    with op.batch_alter_table("sponsored_claims") as batch:
        batch.drop_column("person")
