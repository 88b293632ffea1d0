"""The only package that talks to the chain (web3.py): client, issuer, deployments, events, reverts, indexer.

Nothing web3 raises leaves it: callers catch backend.errors.ChainError (ContractReverted for a refused call,
issuer.TxReverted for a refused transaction), each carrying the revert decoded by reverts.py.
"""
