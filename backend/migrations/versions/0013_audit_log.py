"""The audit log: audit_events, append-only (the database refuses UPDATE and DELETE on it).

Revision ID: 0013_audit_log
Revises: 0012_staff_invites
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_audit_log"
down_revision = "0012_staff_invites"
branch_labels = None
depends_on = None

# Both databases name the refusal the same way, so an attempt shows up as one recognisable error.
REFUSAL = "audit_events is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("route", sa.String(200), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_id", sa.String(100), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index("ix_audit_events_municipality_id_id", "audit_events", ["municipality_id", "id"])
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$""")
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()")
        # TRUNCATE skips row triggers: refuse it with a statement trigger.
        op.execute("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")


def downgrade() -> None:
    op.drop_table("audit_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_events_refuse()")
