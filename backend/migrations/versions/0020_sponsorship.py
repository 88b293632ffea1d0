"""Sponsored claims: sponsorship_policies (one per municipality) and sponsored_claims (what was spent).

Revision ID: 0020_sponsorship
Revises: 0019_desk_codes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_sponsorship"
down_revision = "0019_desk_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sponsorship_policies",
        sa.Column("municipality_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_budget_wei", sa.String(length=78), nullable=False),
        sa.Column("monthly_budget_wei", sa.String(length=78), nullable=False),
        sa.Column("per_person_per_day", sa.Integer(), nullable=False),
        sa.Column("per_address_per_day", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_sponsorship_policies_municipality_id_municipalities")),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_sponsorship_policies")),
    )
    op.create_table(
        "sponsored_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=42), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.Column("cost_wei", sa.String(length=78), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_sponsored_claims_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_sponsored_claims_campaign_id_campaigns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsored_claims")),
    )
    for column in ("municipality_id", "campaign_id", "recipient", "client_address", "created_at"):
        op.create_index(op.f(f"ix_sponsored_claims_{column}"), "sponsored_claims", [column])


def downgrade() -> None:
    op.drop_table("sponsored_claims")
    op.drop_table("sponsorship_policies")
