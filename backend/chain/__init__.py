"""The only package that talks to the chain (web3.py): client, issuer, deployments, events, indexer."""
