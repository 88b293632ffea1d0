"""Staff accounts made in the console: invitations by one-time link, the one-time-password flag, TOTP.

Revision ID: 0012_staff_invites
Revises: 0011_login_throttle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_staff_invites"
down_revision = "0011_login_throttle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_seed", sa.String(200), nullable=True))
        batch.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "staff_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invites")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_staff_invites_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["invited_by"], ["staff_accounts.id"], ondelete="SET NULL",
                                name=op.f("fk_staff_invites_invited_by_staff_accounts")),
        sa.ForeignKeyConstraint(["used_by"], ["staff_accounts.id"], ondelete="SET NULL",
                                name=op.f("fk_staff_invites_used_by_staff_accounts")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_staff_invites_token_digest")),
        sa.CheckConstraint("role IN ('viewer', 'staff', 'admin')", name=op.f("ck_staff_invites_role")),
    )
    op.create_index(op.f("ix_staff_invites_municipality_id"), "staff_invites", ["municipality_id"])


def downgrade() -> None:
    op.drop_table("staff_invites")
    with op.batch_alter_table("staff_accounts") as batch:
        for column in ("totp_last_step", "totp_enabled", "totp_seed", "must_change_password"):
            batch.drop_column(column)
