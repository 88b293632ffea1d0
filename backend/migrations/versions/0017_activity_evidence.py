"""Activity evidence: a holder's photo and note for an activity, reviewed by staff (approved ones count as check-ins).

Revision ID: 0017_activity_evidence
Revises: 0016_claim_links
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_activity_evidence"
down_revision = "0016_claim_links"
branch_labels = None
depends_on = None

# Literal copies of backend.db.models_residency's checks: a migration must not change when the code does.
STATUS_CHECK = "status IN ('pending', 'approved', 'rejected')"
OPEN_EVIDENCE = "status IN ('pending', 'approved')"


def upgrade() -> None:
    op.create_table(
        "activity_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("photo_cid", sa.String(100), nullable=False),
        sa.Column("photo_bytes", sa.Integer(), nullable=False),
        sa.Column("photo_width", sa.Integer(), nullable=False),
        sa.Column("photo_height", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_evidence")),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipalities.id"],
                                name=op.f("fk_activity_evidence_municipality_id_municipalities")),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"],
                                name=op.f("fk_activity_evidence_activity_id_activities")),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_activity_evidence_card_id_cards")),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"],
                                name=op.f("fk_activity_evidence_checkin_id_checkins")),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_activity_evidence_status")),
    )
    op.create_index(op.f("ix_activity_evidence_holder"), "activity_evidence", ["holder"])
    op.create_index("ix_activity_evidence_municipality_status", "activity_evidence", ["municipality_id", "status"])
    op.create_index("uq_activity_evidence_open", "activity_evidence", ["activity_id", "card_id", "day"], unique=True,
                    sqlite_where=sa.text(OPEN_EVIDENCE), postgresql_where=sa.text(OPEN_EVIDENCE))


def downgrade() -> None:
    op.drop_table("activity_evidence")
