"""The throttles' shared counts: throttle_hits (backend/db/models_access.py), so that the API workers of the
production profile count failed sign-ins and desk codes together.

Revision ID: 0023_i15_finality
Revises: 0022_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_i15_finality"
down_revision = "0022_outbox"
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
