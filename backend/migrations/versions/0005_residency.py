"""Residency programme: residency_programmes, identities, identity_wallets, identity_nonces,
partner_organisations, activities, activity_days, checkins, premium_grants, registrations.

Revision ID: 0005_residency
Revises: 0004_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_residency"
down_revision = "0004_console"
branch_labels = None
depends_on = None

# Literal copies of backend.db.models_residency's checks: a migration must not change when the code does.
GRANT_STATUS_CHECK = "status IN ('pending', 'sending', 'active', 'failed', 'rejected', 'lapsed', 'renewed')"


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{referred}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "residency_programmes",
        sa.Column("municipality_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("prefecture_id", sa.Integer(), nullable=True),
        sa.Column("collection_id", sa.Integer(), nullable=True),
        sa.Column("premium_mode", sa.String(16), nullable=False),
        sa.Column("required_checkins", sa.Integer(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("basic_tier", sa.Integer(), nullable=False),
        sa.Column("premium_tier", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("renew_before_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_id", name=op.f("pk_residency_programmes")),
        _fk("residency_programmes", "municipality_id", "municipalities.id", "CASCADE"),
        _fk("residency_programmes", "prefecture_id", "municipalities.id"),
        _fk("residency_programmes", "collection_id", "collections.id"),
        sa.CheckConstraint("premium_mode IN ('automatic', 'queue')", name=op.f("ck_residency_programmes_premium_mode")),
        sa.CheckConstraint("kind IN ('city', 'prefecture')", name=op.f("ck_residency_programmes_kind")),
    )
    op.create_table(
        "identities",
        sa.Column("nullifier", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("is_minor", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.BigInteger(), nullable=False),
        sa.Column("consent_guardian", sa.String(64), nullable=True),
        sa.Column("consent_at", sa.BigInteger(), nullable=True),
        sa.Column("consent_digest", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("nullifier", name=op.f("pk_identities")),
    )
    op.create_table(
        "identity_wallets",
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("nullifier", sa.String(64), nullable=False),
        sa.Column("bound_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_identity_wallets")),
        _fk("identity_wallets", "nullifier", "identities.nullifier", "CASCADE"),
    )
    op.create_index(op.f("ix_identity_wallets_nullifier"), "identity_wallets", ["nullifier"])
    op.create_table(
        "identity_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_nonces")),
        sa.UniqueConstraint("nonce", name=op.f("uq_identity_nonces_nonce")),
        sa.CheckConstraint("purpose IN ('identity', 'guardian_consent')", name=op.f("ck_identity_nonces_purpose")),
    )
    op.create_index(op.f("ix_identity_nonces_expires_at"), "identity_nonces", ["expires_at"])
    op.create_table(
        "partner_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("name_ja", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("key_digest", sa.String(64), nullable=False),
        sa.Column("auto_designate", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisations")),
        _fk("partner_organisations", "municipality_id", "municipalities.id", "CASCADE"),
        sa.UniqueConstraint("key_digest", name=op.f("uq_partner_organisations_key_digest")),
    )
    op.create_index(op.f("ix_partner_organisations_municipality_id"), "partner_organisations", ["municipality_id"])
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("title_ja", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("organiser", sa.String(200), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("created_by_staff", sa.Integer(), nullable=True),
        sa.Column("designated", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        _fk("activities", "municipality_id", "municipalities.id"),
        _fk("activities", "partner_id", "partner_organisations.id"),
    )
    op.create_index(op.f("ix_activities_municipality_id"), "activities", ["municipality_id"])
    op.create_table(
        "activity_days",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "day", name=op.f("pk_activity_days")),
        _fk("activity_days", "activity_id", "activities.id", "CASCADE"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("checked_in_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        _fk("checkins", "activity_id", "activities.id"),
        _fk("checkins", "card_id", "cards.id"),
        _fk("checkins", "municipality_id", "municipalities.id"),
        sa.UniqueConstraint("activity_id", "card_id", "day", name=op.f("uq_checkins_activity_id_card_id_day")),
    )
    op.create_index("ix_checkins_card_time", "checkins", ["card_id", "checked_in_at"])
    op.create_index("ix_checkins_activity_day", "checkins", ["activity_id", "day"])
    op.create_index(op.f("ix_checkins_municipality_id"), "checkins", ["municipality_id"])
    op.create_table(
        "premium_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("nullifier", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checkins_counted", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.BigInteger(), nullable=True),
        sa.Column("tx_hashes", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premium_grants")),
        _fk("premium_grants", "municipality_id", "municipalities.id"),
        _fk("premium_grants", "card_id", "cards.id"),
        sa.CheckConstraint(GRANT_STATUS_CHECK, name=op.f("ck_premium_grants_status")),
        sa.CheckConstraint("kind IN ('new', 'renewal')", name=op.f("ck_premium_grants_kind")),
    )
    op.create_index("ix_premium_grants_nullifier_status", "premium_grants", ["nullifier", "status"])
    op.create_index("ix_premium_grants_municipality_status", "premium_grants", ["municipality_id", "status"])
    op.create_index("ix_premium_grants_card", "premium_grants", ["card_id"])
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nullifier", sa.String(64), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(42), nullable=False),
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=True),
        sa.Column("via", sa.String(24), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=True),
        sa.Column("prefecture_opt_out", sa.Boolean(), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        _fk("registrations", "municipality_id", "municipalities.id"),
        _fk("registrations", "collection_id", "collections.id"),
        _fk("registrations", "city_id", "municipalities.id"),
        sa.UniqueConstraint("nullifier", "municipality_id", name=op.f("uq_registrations_nullifier_municipality_id")),
        sa.CheckConstraint("via IN ('direct', 'prefecture_of_city')", name=op.f("ck_registrations_via")),
    )
    op.create_index(op.f("ix_registrations_nullifier"), "registrations", ["nullifier"])
    op.create_index(op.f("ix_registrations_municipality_id"), "registrations", ["municipality_id"])


def downgrade() -> None:
    for table in ("registrations", "premium_grants", "checkins", "activity_days", "activities",
                  "partner_organisations", "identity_nonces", "identity_wallets", "identities",
                  "residency_programmes"):
        op.drop_table(table)
