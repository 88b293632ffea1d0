"""Moved to backend/chain/deployments.py. Kept only for backend/chain/indexer.py, which the indexer split
(chain/indexer/) switches to `backend.chain.deployments`; delete this file then."""

from backend.chain.deployments import register_deployments  # noqa: F401
