"""Production Settings for tests: one distinct strong secret per purpose, as production demands.

    production_settings(tmp_path, identity_providers={...})     # overrides win; pass a secret as None to unset it

Nothing else in the tests builds environment="production" by hand: a new refusal in backend/settings.py
changes these secrets in one place.
"""

from __future__ import annotations

from pathlib import Path

from backend.settings import Settings

# Distinct and not a development key; readable in a failure (each names its purpose).
STRONG_SECRETS = {
    "session_secret": "session-secret-of-this-test-deployment-0001",
    "pass_secret": "pass-secret-of-this-test-deployment-00000002",
    "sealing_key": "sealing-key-of-this-test-deployment-00000004",
    "identity_secret": "identity-secret-of-this-test-deployment-005",
}


def production_settings(tmp_path: Path, **overrides) -> Settings:
    """Production Settings in `tmp_path` (SQLite there, no indexer or migration unless overridden)."""
    values = {"_env_file": None, "environment": "production", "data_dir": tmp_path, "indexer_enabled": False,
              "auto_migrate": False, "jobs_enabled": False, "database_url": f"sqlite:///{Path(tmp_path) / 'p.db'}",
              **STRONG_SECRETS, **overrides}
    return Settings(**{name: value for name, value in values.items() if value is not None or name not in
                       STRONG_SECRETS})
