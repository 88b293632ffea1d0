"""Perks and venues: perks, venues, perk_venues, venue_accounts, redemptions.

Revision ID: 0003_perks
Revises: 0002_access
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_perks"
down_revision = "0002_access"
branch_labels = None
depends_on = None

# Literal copies of backend.perks.rules.KINDS / PERIODS: a migration must not change when the code does.
KIND_CHECK = "kind IN ('venue_entry', 'discount', 'online_access')"
PERIOD_CHECK = "limit_period IN ('day', 'year', 'unlimited')"


def upgrade() -> None:
    op.create_table(
        "perks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("description_ja", sa.String(2000), nullable=False),
        sa.Column("description_en", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("min_tier", sa.Integer(), nullable=False),
        sa.Column("soulbound_only", sa.Boolean(), nullable=False),
        sa.Column("min_holding_days", sa.Integer(), nullable=False),
        sa.Column("limit_count", sa.Integer(), nullable=True),
        sa.Column("limit_period", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perks")),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], name=op.f("fk_perks_collection_id_collections")),
        sa.CheckConstraint(KIND_CHECK, name=op.f("ck_perks_kind")),
        sa.CheckConstraint(PERIOD_CHECK, name=op.f("ck_perks_limit_period")),
    )
    op.create_index(op.f("ix_perks_collection_id"), "perks", ["collection_id"])
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"],
                                name=op.f("fk_venues_municipality_id_municipalities")),
        sa.UniqueConstraint("municipality_id", "name_en", name=op.f("uq_venues_municipality_id_name_en")),
    )
    op.create_index(op.f("ix_venues_municipality_id"), "venues", ["municipality_id"])
    op.create_table(
        "perk_venues",
        sa.Column("perk_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("perk_id", "venue_id", name=op.f("pk_perk_venues")),
        sa.ForeignKeyConstraint(["perk_id"], ["perks.id"], name=op.f("fk_perk_venues_perk_id_perks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_perk_venues_venue_id_venues"),
                                ondelete="CASCADE"),
    )
    op.create_table(
        "venue_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_login_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_accounts")),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_venue_accounts_venue_id_venues")),
        sa.UniqueConstraint("login", name=op.f("uq_venue_accounts_login")),
    )
    op.create_index(op.f("ix_venue_accounts_venue_id"), "venue_accounts", ["venue_id"])
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_id", sa.String(32), nullable=False),
        sa.Column("perk_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("venue_account_id", sa.Integer(), nullable=True),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("redeemed_at", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("period_key", sa.String(12), nullable=True),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        sa.ForeignKeyConstraint(["perk_id"], ["perks.id"], name=op.f("fk_redemptions_perk_id_perks")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_redemptions_card_id_cards")),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_redemptions_venue_id_venues")),
        sa.ForeignKeyConstraint(["venue_account_id"], ["venue_accounts.id"],
                                name=op.f("fk_redemptions_venue_account_id_venue_accounts")),
        sa.UniqueConstraint("pass_id", name=op.f("uq_redemptions_pass_id")),
        sa.UniqueConstraint("card_id", "perk_id", "period_key", "slot", name=op.f("uq_redemptions_period_slot")),
    )
    op.create_index("ix_redemptions_venue_day", "redemptions", ["venue_id", "day"])
    op.create_index("ix_redemptions_perk_day", "redemptions", ["perk_id", "day"])


def downgrade() -> None:
    op.drop_table("redemptions")
    op.drop_table("venue_accounts")
    op.drop_table("perk_venues")
    op.drop_table("venues")
    op.drop_table("perks")
