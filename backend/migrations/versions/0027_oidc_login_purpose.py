"""What an OpenID Connect login is for: the holder's own identity, or a guardian's consent for a minor.

Revision ID: 0027_oidc_login_purpose
Revises: 0026_outbox_fees
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_oidc_login_purpose"
down_revision = "0026_outbox_fees"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oidc_logins", sa.Column("purpose", sa.String(20), nullable=False, server_default="identity"))


def downgrade() -> None:
    with op.batch_alter_table("oidc_logins") as batch:
        batch.drop_column("purpose")
