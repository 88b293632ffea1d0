"""The transaction outbox: outbox_senders, outbox_txs, outbox_attempts (backend/db/models_outbox.py).

Revision ID: 0022_outbox
Revises: 0021_passkeys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_outbox"
down_revision = "0021_passkeys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_senders",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=True),
        sa.Column("lease_holder", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_outbox_senders")),
    )
    op.create_table(
        "outbox_txs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(160), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        sa.Column("to", sa.String(42), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("value", sa.String(80), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(80), nullable=True),
        sa.Column("max_priority_fee_per_gas", sa.String(80), nullable=True),
        sa.Column("purpose", sa.String(120), nullable=False),
        sa.Column("errors_abi", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("gas_used", sa.BigInteger(), nullable=True),
        sa.Column("logs", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="SET NULL",
                                name=op.f("fk_outbox_txs_municipality_id_municipalities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_txs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_txs_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_txs_municipality_id"), "outbox_txs", ["municipality_id"])
    op.create_index(op.f("ix_outbox_txs_sender"), "outbox_txs", ["sender"])
    op.create_index(op.f("ix_outbox_txs_state"), "outbox_txs", ["state"])
    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tx_id", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("max_fee_per_gas", sa.String(80), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.String(80), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["tx_id"], ["outbox_txs.id"], ondelete="CASCADE",
                                name=op.f("fk_outbox_attempts_tx_id_outbox_txs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
        sa.UniqueConstraint("tx_hash", name=op.f("uq_outbox_attempts_tx_hash")),
    )
    op.create_index(op.f("ix_outbox_attempts_tx_id"), "outbox_attempts", ["tx_id"])


def downgrade() -> None:
    op.drop_table("outbox_attempts")
    op.drop_table("outbox_txs")
    op.drop_table("outbox_senders")
