"""Errors of card metadata, card images and content storage; each says what to fix.

Their own root, MetadataError: metadata/ is a library the backend and the scripts use, and imports neither.
"""

from __future__ import annotations

from pathlib import Path


class MetadataError(Exception):
    """Base of every error raised by the `metadata` package."""


class InvalidCidError(MetadataError, ValueError):
    """Raised when a text is not a CID this project uses (CIDv1, base32, sha2-256, raw or dag-pb)."""

    def __init__(self, cid: str, reason: str) -> None:
        self.cid = cid
        self.reason = reason
        super().__init__(f"{cid!r} is not a usable CID: {reason}")


class ContentNotFoundError(MetadataError, LookupError):
    """Raised when the local content store has no block for a CID."""

    def __init__(self, cid: str, missing: str | None = None) -> None:
        self.cid = cid
        self.missing = missing or cid
        detail = "" if self.missing == cid else f" (its block {self.missing} is missing)"
        super().__init__(f"{cid} is not in the local content store{detail}")


class CorruptBlockError(MetadataError):
    """Raised when a stored block no longer hashes to its CID (disk damage or tampering)."""

    def __init__(self, cid: str, path: Path) -> None:
        self.cid = cid
        self.path = path
        super().__init__(f"block {cid} at {path} does not match its CID; delete the file and store the content again")


class IpfsNodeError(MetadataError):
    """Raised when the configured IPFS node cannot be reached or answers wrongly."""


class CidMismatchError(IpfsNodeError):
    """Raised when the IPFS node returns another CID than ours for the same bytes."""

    def __init__(self, expected: str, returned: str, size: int) -> None:
        self.expected = expected
        self.returned = returned
        super().__init__(
            f"the IPFS node stored {size} bytes as {returned} but they are {expected} here; "
            "the node must add with CIDv1, raw leaves and the default chunker (size-262144), "
            "not another import profile")


class PinIncompleteError(IpfsNodeError):
    """Raised when pinning stopped part way; running the same pin again finishes it."""

    def __init__(self, pinned: int, total: int, reason: str) -> None:
        self.pinned = pinned
        self.total = total
        self.reason = reason
        super().__init__(
            f"pinned {pinned} of {total} items, then stopped: {reason}. "
            f"Start the IPFS node (or fix its address) and run the same pin again: "
            f"it skips the {pinned} already pinned and finishes the rest. / "
            f"{total} 件中 {pinned} 件をピン留めして中断しました。IPFS ノードを起動してから同じ操作をもう一度実行すると、残りを完了します。")


class LayerImageError(MetadataError):
    """Raised when a card-art layer image or the layer list is missing or unusable."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CardDataError(MetadataError, ValueError):
    """Raised when card or collection data cannot be turned into metadata (names the field)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")
