"""The residency programme's transactions: a collection's contract, and chain trouble as API refusals.

Every write goes through backend/chain/issuer.py (the municipality's issuer key); the ABI and address come
from the collection's deployment record (backend/chain/deployments.py), never from guesses.
"""

from __future__ import annotations

from pathlib import Path

from backend.chain.client import Contract
from backend.chain.deployments import collection_record, contract_for
from backend.chain.issuer import Issuer, Sent, TxReverted
from backend.db.models_chain import Collection
from backend.errors import ChainError, DeploymentRecordError, Refusal


def contract_or_refuse(issuer: Issuer, collection: Collection, deployments_dir: Path) -> Contract:
    """The contract of `collection`; a missing record is a 503 naming it."""
    try:
        return contract_for(issuer.chain, collection_record(collection, deployments_dir))
    except DeploymentRecordError:
        raise Refusal("deployment_record_missing", symbol=collection.symbol) from None


def send_or_refuse(issuer: Issuer, call) -> Sent:
    """Issuer.send, with a revert or an unreachable node turned into a clear API refusal."""
    try:
        return issuer.send(call)
    except TxReverted as exc:
        raise Refusal("transaction_refused", detail="refused_call", function=exc.function, error=exc.error,
                      extra={"error": exc.error}) from None
    except ChainError as exc:
        raise Refusal("chain_unavailable", detail="chain_reason", reason=exc.reason) from None
