"""Every table, so Alembic and tests see the whole schema: import the models_* modules here."""

from __future__ import annotations

import importlib

from backend.db.base import Base
from backend.db.models_chain import Card, CardEvent, ChainCursor, Collection, IndexedBlock, Municipality

# Other areas' tables (access, perks) register themselves on Base when imported;
# they may not exist yet on a branch, hence the soft import.
for _name in ("backend.db.models_access", "backend.db.models_perks", "backend.db.models_jobs",
              "backend.db.models_campaigns", "backend.db.models_residency", "backend.db.models_civic"):
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise

__all__ = ["Base", "Card", "CardEvent", "ChainCursor", "Collection", "IndexedBlock", "Municipality"]
