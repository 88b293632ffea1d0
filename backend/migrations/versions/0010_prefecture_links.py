"""Prefecture links need the prefecture's consent: prefecture_links replaces residency_programmes.prefecture_id.

A city's admin used to set prefecture_id alone. Each link set that way is carried over as a pending request
(requested_by NULL), so registrations issue no prefecture card until the prefecture's admin approves it.

Revision ID: 0010_prefecture_links
Revises: 0009_forum_secrets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_prefecture_links"
down_revision = "0009_forum_secrets"
branch_labels = None
depends_on = None

# Literal copies of backend.db.models_residency's checks: a migration must not change when the code does.
STATUS_CHECK = "status IN ('pending', 'approved', 'declined', 'cancelled', 'ended')"
OPEN_LINK = "status IN ('pending', 'approved')"


def _fk(column: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], ["municipalities.id"], name=op.f(f"fk_prefecture_links_{column}_municipalities"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "prefecture_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("prefecture_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prefecture_links")),
        _fk("city_id", "CASCADE"),
        _fk("prefecture_id", "CASCADE"),
        sa.CheckConstraint(STATUS_CHECK, name=op.f("ck_prefecture_links_status")),
    )
    op.create_index(op.f("ix_prefecture_links_city_id"), "prefecture_links", ["city_id"])
    op.create_index(op.f("ix_prefecture_links_prefecture_id"), "prefecture_links", ["prefecture_id"])
    op.create_index("uq_prefecture_links_open_city", "prefecture_links", ["city_id"], unique=True,
                    sqlite_where=sa.text(OPEN_LINK), postgresql_where=sa.text(OPEN_LINK))
    op.execute(
        "INSERT INTO prefecture_links (city_id, prefecture_id, status, requested_at) "
        "SELECT municipality_id, prefecture_id, 'pending', updated_at FROM residency_programmes "
        "WHERE prefecture_id IS NOT NULL"
    )
    with op.batch_alter_table("residency_programmes") as batch:
        batch.drop_constraint(op.f("fk_residency_programmes_prefecture_id_municipalities"), type_="foreignkey")
        batch.drop_column("prefecture_id")


def downgrade() -> None:
    with op.batch_alter_table("residency_programmes") as batch:
        batch.add_column(sa.Column("prefecture_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_residency_programmes_prefecture_id_municipalities"), "municipalities",
                                 ["prefecture_id"], ["id"])
    op.execute(
        "UPDATE residency_programmes SET prefecture_id = (SELECT prefecture_links.prefecture_id "
        "FROM prefecture_links WHERE prefecture_links.city_id = residency_programmes.municipality_id "
        "AND prefecture_links.status = 'approved')"
    )
    op.drop_table("prefecture_links")
