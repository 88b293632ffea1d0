"""The demo mark: demo_data, one row per municipality whose data `make run` seeded.

Revision ID: 0018_demo_marker
Revises: 0017_activity_evidence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_demo_marker"
down_revision = "0017_activity_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_data",
        sa.Column("municipality_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("seeded_at", sa.BigInteger(), nullable=False),
        sa.Column("history_from", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"], ondelete="CASCADE",
                                name=op.f("fk_demo_data_municipality_id_municipalities")),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_demo_data")),
    )


def downgrade() -> None:
    op.drop_table("demo_data")
