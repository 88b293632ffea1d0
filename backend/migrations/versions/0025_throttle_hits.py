"""The throttles' shared counts: throttle_hits (backend/db/models_access.py), so that the API workers of the
production profile count failed sign-ins and desk codes together.

Revision ID: 0025_throttle_hits
Revises: 0024_sponsor_vouchers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_throttle_hits"
down_revision = "0024_sponsor_vouchers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hits")),
    )
    op.create_index("ix_throttle_hits_key_at", "throttle_hits", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_throttle_hits_key_at", table_name="throttle_hits")
    op.drop_table("throttle_hits")
