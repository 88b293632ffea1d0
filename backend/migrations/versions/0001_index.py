"""The chain index: municipalities, collections, cards, card events, indexer cursor and block hashes.

Revision ID: 0001_index
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_index"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("slug", name=op.f("uq_municipalities_slug")),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("soulbound", sa.Boolean(), nullable=False),
        sa.Column("deploy_block", sa.BigInteger(), nullable=False),
        sa.Column("record_path", sa.String(500), nullable=True),
        sa.Column("indexed_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"],
                                name=op.f("fk_collections_municipality_id_municipalities")),
        sa.UniqueConstraint("chain_id", "address", name=op.f("uq_collections_chain_id_address")),
    )
    op.create_index(op.f("ix_collections_municipality_id"), "collections", ["municipality_id"])
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(42), nullable=False),
        sa.Column("resident_number", sa.BigInteger(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("holding_since", sa.BigInteger(), nullable=False),
        sa.Column("replaced_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], name=op.f("fk_cards_collection_id_collections")),
        sa.UniqueConstraint("collection_id", "token_id", name=op.f("uq_cards_collection_id_token_id")),
    )
    op.create_index(op.f("ix_cards_owner"), "cards", ["owner"])
    op.create_table(
        "card_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_events")),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"],
                                name=op.f("fk_card_events_collection_id_collections")),
        sa.UniqueConstraint("collection_id", "block_number", "log_index", name=op.f("uq_card_events_collection_id_block_number_log_index")),
    )
    op.create_index("ix_card_events_block", "card_events", ["block_number"])
    op.create_table(
        "chain_cursors",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("indexed_block", sa.BigInteger(), nullable=False),
        sa.Column("indexed_block_time", sa.BigInteger(), nullable=True),
        sa.Column("head_block", sa.BigInteger(), nullable=True),
        sa.Column("synced_at", sa.Float(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("leader", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("chain_id", name=op.f("pk_chain_cursors")),
    )
    op.create_table(
        "indexed_blocks",
        sa.Column("chain_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "number", name=op.f("pk_indexed_blocks")),
    )


def downgrade() -> None:
    op.drop_table("indexed_blocks")
    op.drop_table("chain_cursors")
    op.drop_index("ix_card_events_block", table_name="card_events")
    op.drop_table("card_events")
    op.drop_index(op.f("ix_cards_owner"), table_name="cards")
    op.drop_table("cards")
    op.drop_index(op.f("ix_collections_municipality_id"), table_name="collections")
    op.drop_table("collections")
    op.drop_table("municipalities")
