"""Partner venues: their accounts, the passes holders show them, and verify-and-redeem."""
