"""Persistence: the declarative base, engines and sessions, migrations."""

from __future__ import annotations

from pathlib import Path

from backend.db.session import begin_immediate, make_engine, normalize_url, session_factory

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"

__all__ = ["begin_immediate", "make_engine", "migrate", "alembic_config", "session_factory"]


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    # ConfigParser interpolates '%': a password may contain one.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Brings the database at `url` to `revision` (`alembic upgrade head`)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
