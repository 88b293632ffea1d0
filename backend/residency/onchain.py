"""The residency programme's transactions: which contract a collection is, and what an issue minted.

Every write goes through backend/chain/issuer.py (the municipality's issuer key); the ABI and address come
from the collection's deployment record, never from guesses.
"""

from __future__ import annotations

from pathlib import Path

from eth_utils import keccak, to_checksum_address

from backend.db.models_chain import Collection
from backend.chain.deployments import DeploymentRecord
from backend.errors import ChainError, DeploymentRecordError, Refusal
from backend.chain.issuer import Issuer, Sent, TxReverted

CARDS_ISSUED = keccak(text="CardsIssued(uint256,uint256,uint256,uint256,uint256,bool)")


def card_contract(issuer: Issuer, collection: Collection, deployments_dir: Path):
    """The web3 contract of `collection` from its deployment record (its own path, else the chain's folder)."""
    candidates = [Path(collection.record_path)] if collection.record_path else []
    candidates.append(Path(deployments_dir) / f"{collection.symbol}.json")
    for path in candidates:
        try:
            record = DeploymentRecord.read(path)
        except DeploymentRecordError:
            continue
        if to_checksum_address(record.address) == collection.address:
            return issuer.chain.contract(record)
    raise Refusal("deployment_record_missing", symbol=collection.symbol)


def issued_token_ids(sent: Sent, contract_address: str) -> list[int]:
    """Token ids a CardsIssued event in the receipt announces (firstTokenId .. + count - 1)."""
    ids = []
    for entry in sent.logs:
        topics = [bytes(t) for t in entry["topics"]]
        if to_checksum_address(entry["address"]) != to_checksum_address(contract_address) or not topics:
            continue
        if topics[0] == CARDS_ISSUED:
            first = int.from_bytes(topics[1], "big")
            data = bytes(entry["data"])
            count = int.from_bytes(data[:32], "big")
            ids.extend(range(first, first + count))
    return ids


def send_or_refuse(issuer: Issuer, call) -> Sent:
    """Issuer.send, with a revert or an unreachable node turned into a clear API refusal."""
    try:
        return issuer.send(call)
    except TxReverted as exc:
        raise Refusal("transaction_refused", detail="refused_call", function=exc.function, error=exc.error,
                      extra={"error": exc.error}) from None
    except ChainError as exc:
        raise Refusal("chain_unavailable", detail="chain_reason", reason=exc.reason) from None
