"""Access: sign-in nonces, sessions, holders, staff accounts and roles, forums, bot keys.

Revision ID: 0002_access
Revises: 0001_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_access"
down_revision = "0001_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_nonces")),
        sa.UniqueConstraint("nonce", name=op.f("uq_sign_in_nonces_nonce")),
    )
    op.create_index("ix_sign_in_nonces_expires_at", "sign_in_nonces", ["expires_at"])

    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_auth_sessions_token_digest")),
        sa.CheckConstraint("kind IN ('holder', 'staff', 'venue')", name=op.f("ck_auth_sessions_kind")),
    )
    op.create_index("ix_auth_sessions_kind_subject", "auth_sessions", ["kind", "subject"])
    op.create_index("ix_auth_sessions_expires_at", "auth_sessions", ["expires_at"])

    op.create_table(
        "holders",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("first_sign_in_at", sa.BigInteger(), nullable=False),
        sa.Column("last_sign_in_at", sa.BigInteger(), nullable=False),
        sa.Column("sign_in_count", sa.Integer(), nullable=False),
        sa.Column("contract_wallet", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_holders")),
    )
    op.create_index(op.f("ix_holders_last_sign_in_at"), "holders", ["last_sign_in_at"])

    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("superuser", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_login_at", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_accounts_username")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_accounts_email")),
    )

    op.create_table(
        "staff_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_roles")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_staff_roles_staff_id_staff_accounts")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_staff_roles_municipality_id_municipalities")),
        sa.UniqueConstraint("staff_id", "municipality_id", name=op.f("uq_staff_roles_staff_id_municipality_id")),
        sa.CheckConstraint("role IN ('viewer', 'staff', 'admin')", name=op.f("ck_staff_roles_role")),
    )
    op.create_index(op.f("ix_staff_roles_staff_id"), "staff_roles", ["staff_id"])
    op.create_index(op.f("ix_staff_roles_municipality_id"), "staff_roles", ["municipality_id"])

    op.create_table(
        "forums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("group_prefix", sa.String(40), nullable=False),
        sa.Column("max_tier", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forums")),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], name=op.f("fk_forums_collection_id_collections")),
        sa.UniqueConstraint("url", name=op.f("uq_forums_url")),
    )
    op.create_index(op.f("ix_forums_collection_id"), "forums", ["collection_id"])

    op.create_table(
        "bot_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_keys")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_bot_keys_municipality_id_municipalities")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_bot_keys_key_digest")),
    )
    op.create_index(op.f("ix_bot_keys_municipality_id"), "bot_keys", ["municipality_id"])


def downgrade() -> None:
    for table in ("bot_keys", "forums", "staff_roles", "staff_accounts", "holders", "auth_sessions",
                  "sign_in_nonces"):
        op.drop_table(table)
