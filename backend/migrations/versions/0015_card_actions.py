"""Card actions from the console (revoke, re-issue: who, when, why, the transaction), and the indexes a
card's page and the holder search read by.

Revision ID: 0015_card_actions
Revises: 0013_audit_log
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_card_actions"
down_revision = "0013_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("busy_card_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("new_owner", sa.String(42), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("new_token_id", sa.BigInteger(), nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_detail", sa.String(300), nullable=True),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_actions")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"],
                                name=op.f("fk_card_actions_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_card_actions_card_id_cards")),
        sa.UniqueConstraint("busy_card_id", name=op.f("uq_card_actions_busy_card_id")),
        sa.CheckConstraint("kind IN ('revoke', 'reissue')", name=op.f("ck_card_actions_kind")),
        sa.CheckConstraint("status IN ('queued', 'sent', 'mined', 'failed')", name=op.f("ck_card_actions_status")),
    )
    op.create_index(op.f("ix_card_actions_municipality_id"), "card_actions", ["municipality_id"])
    op.create_index("ix_card_actions_card_id_id", "card_actions", ["card_id", "id"])
    op.create_index("ix_card_events_token", "card_events", ["collection_id", "token_id"])
    op.create_index("ix_cards_collection_id_resident_number", "cards", ["collection_id", "resident_number"])


def downgrade() -> None:
    op.drop_index("ix_cards_collection_id_resident_number", "cards")
    op.drop_index("ix_card_events_token", "card_events")
    op.drop_table("card_actions")
