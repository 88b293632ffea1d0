"""Minting campaigns: allowlists, vouchers, airdrop lists and their CSV import."""
