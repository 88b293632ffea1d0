"""Desk codes: desk_codes, a pass's short code for a desk to type.

Revision ID: 0019_desk_codes
Revises: 0018_demo_marker
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_desk_codes"
down_revision = "0018_demo_marker"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_desk_codes_digest")),
    )
    op.create_index("ix_desk_codes_expires_at", "desk_codes", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_desk_codes_expires_at", table_name="desk_codes")
    op.drop_table("desk_codes")
