"""The project's exceptions: one root, one base per domain, leaves that build their message."""

from __future__ import annotations

from pathlib import Path


class ResidentError(Exception):
    """Root of every error this project raises on purpose."""


class DeploymentError(ResidentError):
    """Raised when a collection config or a deployment record cannot be used."""


class CollectionConfigError(DeploymentError):
    """Raised when a collection config file is missing or invalid; lists every problem."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path}: the collection config is not valid; fix these and run again:\n{lines}")


class DeploymentRecordError(DeploymentError):
    """Raised when a deployment record is missing or unreadable."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ChainError(ResidentError):
    """Raised when the chain's RPC node cannot be reached or answers with an error."""

    def __init__(self, rpc_url: str, reason: str) -> None:
        self.rpc_url = rpc_url
        self.reason = reason
        super().__init__(f"chain RPC {rpc_url}: {reason}")


class ApiError(ResidentError):
    """Raised by request handlers for a refusal the client should see: an HTTP status,
    a stable machine code, and the message in English and Japanese.

    The app answers with JSON `{"detail": en, "code": code, "message_en": en, "message_ja": ja}`.
    """

    def __init__(self, status: int, code: str, message_en: str, message_ja: str, **extra) -> None:
        self.status = status
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja
        self.extra = extra
        super().__init__(message_en)
