"""Vouchers know their person: campaign_vouchers.nullifier, carried over for vouchers already signed.

A voucher used to carry an HMAC of a staff-typed identity id under RESIDENT_NULLIFIER_SALT; it now carries
the person's nullifier (backend/identity/nullifier.py), the one residency, the premium cap and polls use.
The old on-chain values cannot be converted (the identity id was never kept, and an HMAC cannot be undone),
but the person behind an old voucher is known when its wallet was identity-verified: that person's
nullifier is filled in, so the cap counts the municipalities they were carded in through a voucher.

Revision ID: 0008_person_nullifiers
Revises: 0007_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_person_nullifiers"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("campaign_vouchers", sa.Column("nullifier", sa.String(64), nullable=True))
    op.create_index(op.f("ix_campaign_vouchers_nullifier"), "campaign_vouchers", ["nullifier"])
    op.execute(
        "UPDATE campaign_vouchers SET nullifier = (SELECT identity_wallets.nullifier FROM identity_wallets "
        "WHERE identity_wallets.address = campaign_vouchers.recipient)"
    )


def downgrade() -> None:
    with op.batch_alter_table("campaign_vouchers") as batch:
        batch.drop_index(op.f("ix_campaign_vouchers_nullifier"))
        batch.drop_column("nullifier")
