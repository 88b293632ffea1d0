"""Each forum has its own DiscourseConnect secret: forums.sso_secret (sealed) and forums.secret_set_at.

Forums registered before this shared RESIDENT_DISCOURSE_SSO_SECRET, which is gone: they get no secret here
(a migration has no sealing key, and the old shared one must not live on) and sign nobody in until an admin
rotates their secret in the console and pastes it into Discourse.

Revision ID: 0009_forum_secrets
Revises: 0008_person_nullifiers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_forum_secrets"
down_revision = "0008_person_nullifiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("forums", sa.Column("sso_secret", sa.String(255), nullable=True))
    op.add_column("forums", sa.Column("secret_set_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("forums") as batch:
        batch.drop_column("secret_set_at")
        batch.drop_column("sso_secret")
