"""Card metadata, card images and content addressing (IPFS CIDs)."""
