"""Campaigns from the staff console: allowlists, allowlist_entries, campaigns, campaign_vouchers, airdrop_jobs.

Revision ID: 0004_console
Revises: 0003_perks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_console"
down_revision = "0003_perks"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw)


def upgrade() -> None:
    op.create_table(
        "allowlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowlists")),
        _fk("allowlists", "municipality_id", "municipalities"),
    )
    op.create_index(op.f("ix_allowlists_municipality_id"), "allowlists", ["municipality_id"])
    op.create_table(
        "allowlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allowlist_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("leaf_price", sa.String(80), nullable=False),
        sa.Column("leaf_max", sa.Integer(), nullable=False),
        sa.Column("proof", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowlist_entries")),
        _fk("allowlist_entries", "allowlist_id", "allowlists", ondelete="CASCADE"),
        sa.UniqueConstraint("allowlist_id", "address", name=op.f("uq_allowlist_entries_allowlist_id_address")),
    )
    op.create_index(op.f("ix_allowlist_entries_allowlist_id"), "allowlist_entries", ["allowlist_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("minter", sa.String(42), nullable=False),
        sa.Column("onchain_id", sa.BigInteger(), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("allowlist_id", sa.Integer(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        _fk("campaigns", "municipality_id", "municipalities"),
        _fk("campaigns", "collection_id", "collections"),
        _fk("campaigns", "allowlist_id", "allowlists"),
        sa.UniqueConstraint("minter", "onchain_id", name=op.f("uq_campaigns_minter_onchain_id")),
    )
    op.create_index(op.f("ix_campaigns_municipality_id"), "campaigns", ["municipality_id"])
    op.create_index(op.f("ix_campaigns_collection_id"), "campaigns", ["collection_id"])
    op.create_table(
        "campaign_vouchers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(42), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_vouchers")),
        _fk("campaign_vouchers", "campaign_id", "campaigns"),
    )
    op.create_index(op.f("ix_campaign_vouchers_campaign_id"), "campaign_vouchers", ["campaign_id"])
    op.create_index(op.f("ix_campaign_vouchers_recipient"), "campaign_vouchers", ["recipient"])
    op.create_table(
        "airdrop_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("list_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("batch_size", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("batches", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("journal", sa.String(500), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_ja", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_airdrop_jobs")),
        _fk("airdrop_jobs", "municipality_id", "municipalities"),
        _fk("airdrop_jobs", "collection_id", "collections"),
    )
    op.create_index(op.f("ix_airdrop_jobs_municipality_id"), "airdrop_jobs", ["municipality_id"])


def downgrade() -> None:
    op.drop_table("airdrop_jobs")
    op.drop_table("campaign_vouchers")
    op.drop_table("campaigns")
    op.drop_table("allowlist_entries")
    op.drop_table("allowlists")
