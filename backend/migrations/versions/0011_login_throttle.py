"""Staff accounts lose their lock: staff_accounts.failed_logins and locked_until are dropped.

Ten wrong passwords from anywhere used to lock an account (the superuser's too) for 15 minutes, a lock anyone
could trigger. Failed sign-ins are now counted per login name and client address outside the database
(backend/auth/throttle.py), so the counters have nothing left to count.

Revision ID: 0011_login_throttle
Revises: 0010_prefecture_links
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_login_throttle"
down_revision = "0010_prefecture_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.BigInteger(), nullable=True))
