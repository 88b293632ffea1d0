"""Civic life: polls, questions, signed ballots, announcements and reads, holder emails, mail outbox,
holder activity, inactivity rules and notices.

Revision ID: 0006_civic
Revises: 0005_residency
                      the lead re-chains it after the residency migrations at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_civic"
down_revision = "0005_residency"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("title_ja", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("description_ja", sa.String(4000), nullable=False),
        sa.Column("description_en", sa.String(4000), nullable=False),
        sa.Column("opens_at", sa.BigInteger(), nullable=False),
        sa.Column("closes_at", sa.BigInteger(), nullable=False),
        sa.Column("min_tier", sa.Integer(), nullable=False),
        sa.Column("one_vote_per", sa.String(8), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        _fk("polls", "municipality_id", "municipalities.id"),
        _fk("polls", "collection_id", "collections.id"),
        _fk("polls", "created_by", "staff_accounts.id", "SET NULL"),
        sa.CheckConstraint("one_vote_per IN ('card', 'person')", name=op.f("ck_polls_one_vote_per")),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_polls_window")),
    )
    op.create_index(op.f("ix_polls_municipality_id"), "polls", ["municipality_id"])
    op.create_index(op.f("ix_polls_collection_id"), "polls", ["collection_id"])
    op.create_table(
        "poll_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text_ja", sa.String(1000), nullable=False),
        sa.Column("text_en", sa.String(1000), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("min_choices", sa.Integer(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_questions")),
        _fk("poll_questions", "poll_id", "polls.id", "CASCADE"),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_poll_questions_poll_id_position")),
        sa.CheckConstraint("kind IN ('single', 'multiple', 'text')", name=op.f("ck_poll_questions_kind")),
    )
    op.create_index(op.f("ix_poll_questions_poll_id"), "poll_questions", ["poll_id"])
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("voter", sa.String(42), nullable=False),
        sa.Column("person_key", sa.String(128), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answers_hash", sa.String(66), nullable=False),
        sa.Column("typed_data", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(2000), nullable=False),
        sa.Column("cast_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        _fk("ballots", "poll_id", "polls.id", "CASCADE"),
        _fk("ballots", "card_id", "cards.id"),
        sa.UniqueConstraint("poll_id", "card_id", name=op.f("uq_ballots_poll_id_card_id")),
        sa.UniqueConstraint("poll_id", "person_key", name=op.f("uq_ballots_poll_id_person_key")),
    )
    op.create_index(op.f("ix_ballots_poll_id"), "ballots", ["poll_id"])
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("title_ja", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("body_ja", sa.String(8000), nullable=False),
        sa.Column("body_en", sa.String(8000), nullable=False),
        sa.Column("min_tier", sa.Integer(), nullable=False),
        sa.Column("max_tier", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(42), nullable=True),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("emails_queued", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        _fk("announcements", "municipality_id", "municipalities.id"),
        _fk("announcements", "collection_id", "collections.id"),
        _fk("announcements", "created_by", "staff_accounts.id", "SET NULL"),
        sa.CheckConstraint("kind IN ('news', 'inactivity_notice')", name=op.f("ck_announcements_kind")),
    )
    op.create_index(op.f("ix_announcements_municipality_id"), "announcements", ["municipality_id"])
    op.create_index(op.f("ix_announcements_collection_id"), "announcements", ["collection_id"])
    op.create_index("ix_announcements_recipient", "announcements", ["recipient"])
    op.create_table(
        "announcement_reads",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("read_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("announcement_id", "address", name=op.f("pk_announcement_reads")),
        _fk("announcement_reads", "announcement_id", "announcements.id", "CASCADE"),
    )
    op.create_table(
        "holder_emails",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("verified_at", sa.BigInteger(), nullable=True),
        sa.Column("code_digest", sa.String(64), nullable=True),
        sa.Column("code_expires_at", sa.BigInteger(), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("unsubscribed_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_holder_emails")),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_email", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("body", sa.String(20000), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_pending", "mail_outbox", ["sent_at", "id"])
    op.create_table(
        "holder_activity",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("last_active_at", sa.BigInteger(), nullable=False),
        sa.Column("last_kind", sa.String(24), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_holder_activity")),
    )
    op.create_index(op.f("ix_holder_activity_last_active_at"), "holder_activity", ["last_active_at"])
    op.create_table(
        "inactivity_rules",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("inactive_days", sa.Integer(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_inactivity_rules")),
        _fk("inactivity_rules", "municipality_id", "municipalities.id", "CASCADE"),
    )
    op.create_table(
        "inactivity_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("open_card_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("last_active_at", sa.BigInteger(), nullable=False),
        sa.Column("noticed_at", sa.BigInteger(), nullable=False),
        sa.Column("deadline_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inactivity_notices")),
        _fk("inactivity_notices", "municipality_id", "municipalities.id"),
        _fk("inactivity_notices", "card_id", "cards.id"),
        _fk("inactivity_notices", "announcement_id", "announcements.id", "SET NULL"),
        sa.UniqueConstraint("open_card_id", name=op.f("uq_inactivity_notices_open_card_id")),
        sa.CheckConstraint("status IN ('open', 'cancelled', 'revoked', 'failed')",
                           name=op.f("ck_inactivity_notices_status")),
    )
    op.create_index(op.f("ix_inactivity_notices_municipality_id"), "inactivity_notices", ["municipality_id"])
    op.create_index(op.f("ix_inactivity_notices_card_id"), "inactivity_notices", ["card_id"])
    op.create_index("ix_inactivity_notices_address", "inactivity_notices", ["address"])


def downgrade() -> None:
    for table in ("inactivity_notices", "inactivity_rules", "holder_activity", "mail_outbox", "holder_emails",
                  "announcement_reads", "announcements", "ballots", "poll_questions", "polls"):
        op.drop_table(table)
