"""Outbox fees from the network profile: a legacy chain's gasPrice on the transaction and on each attempt.

An attempt is either EIP-1559 (max fee and max priority fee) or legacy (gas price), so the EIP-1559 columns of
outbox_attempts may now be empty.

Revision ID: 0026_outbox_fees
Revises: 0025_throttle_hits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_outbox_fees"
down_revision = "0025_throttle_hits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_txs", sa.Column("gas_price", sa.String(80), nullable=True))
    with op.batch_alter_table("outbox_attempts") as batch:
        batch.add_column(sa.Column("gas_price", sa.String(80), nullable=True))
        batch.alter_column("max_fee_per_gas", existing_type=sa.String(80), nullable=True)
        batch.alter_column("max_priority_fee_per_gas", existing_type=sa.String(80), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("outbox_attempts") as batch:
        batch.alter_column("max_priority_fee_per_gas", existing_type=sa.String(80), nullable=False)
        batch.alter_column("max_fee_per_gas", existing_type=sa.String(80), nullable=False)
        batch.drop_column("gas_price")
    op.drop_column("outbox_txs", "gas_price")
