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
