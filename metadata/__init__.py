"""Card metadata, card images and content addressing (IPFS CIDs). See metadata/README.md."""

from metadata.cid import cid_of

__all__ = ["cid_of"]
