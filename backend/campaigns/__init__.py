"""Minting campaigns off chain: allowlist Merkle trees, EIP-712 vouchers, identity nullifiers.

`merkle` builds OpenZeppelin-compatible allowlist trees and proofs files, `vouchers` signs and
checks vouchers against a deployed ResidentMinter's own EIP-712 domain, and `csvfile` reads the
allowlist CSV files staff produce. None of them needs Brownie.
"""
