"""Single-use claim links of voucher campaigns (backend/campaigns/claim_links.py).

Revision ID: 0016_claim_links
Revises: 0015_card_actions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_claim_links"
down_revision = "0015_card_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("token_sealed", sa.Text(), nullable=False),
        sa.Column("used_by", sa.String(42), nullable=True),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_links")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"],
                                name=op.f("fk_claim_links_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_claim_links_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["voucher_id"], ["campaign_vouchers.id"],
                                name=op.f("fk_claim_links_voucher_id_campaign_vouchers")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_claim_links_token_digest")),
    )
    op.create_index(op.f("ix_claim_links_municipality_id"), "claim_links", ["municipality_id"])
    op.create_index(op.f("ix_claim_links_campaign_id"), "claim_links", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("claim_links")
