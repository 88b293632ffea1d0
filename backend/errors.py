"""The project's exceptions: one root, one base per domain, leaves that build their message."""

from __future__ import annotations

from pathlib import Path

from backend.chain.redaction import redact, shown_url
from backend.messages import REFUSALS, message, placeholders, texts
from backend.messages.entry import VERDICT


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
    """Raised when the chain's RPC node cannot be reached or answers with an error.

    The URL's credentials and API key never reach the message, `rpc_url` or `reason`: they are redacted here,
    where every chain error is made, so no answer, log line or stored job error shows them.
    """

    def __init__(self, rpc_url: str, reason: str) -> None:
        self.rpc_url = shown_url(rpc_url)
        self.reason = redact(reason, rpc_url)
        super().__init__(f"chain RPC {self.rpc_url}: {self.reason}")


class Refusal(ResidentError):
    """Raised by domain code when it will not do what was asked: a catalogue code and its placeholder values.

    The texts come from backend/messages/ (an unknown code fails here, loudly). `detail`, another code,
    adds which part failed to the text. Values the texts do not name are sent along in the error body,
    with `extra` (for values the body carries and the text names too). backend/api/handlers.py turns
    the entry's kind into the HTTP status; nothing else does.
    """

    code: str = ""  # subclasses may fix it

    def __init__(self, code: str | None = None, /, *, detail: str | None = None, extra: dict | None = None,
                 **values) -> None:
        self.code = code or type(self).code
        entry = message(self.code)
        if entry.kind not in REFUSALS:
            raise ValueError(f"{self.code!r} is a {entry.kind} text, not a refusal")
        self.kind = entry.kind
        self.detail = detail
        self.values = values
        said = texts(self.code, detail, **values)
        self.message_ja, self.message_en = said.ja, said.en
        named = set().union(*(placeholders(message(c).ja) | placeholders(message(c).en)
                              for c in (self.code, detail) if c))
        self.extra = {**{name: value for name, value in values.items() if name not in named}, **(extra or {})}
        ResidentError.__init__(self, self.message_en)

    @classmethod
    def again(cls, said: dict, /, *, as_kind: str | None = None, **extra) -> Refusal:
        """The refusal recorded earlier as `said` ({"code", "message_en", "message_ja"}), raised once more.

        `as_kind` raises a verdict (a text other answers show as data with 200, such as a perk's "card_expired")
        as a refusal of that kind, for a request that cannot go on because of it.
        """
        kind = message(said["code"]).kind
        if as_kind is not None:
            if kind != VERDICT or as_kind not in REFUSALS:
                raise ValueError(f"{said['code']!r} is a {kind} text; only a verdict is raised as {as_kind!r}")
            kind = as_kind
        elif kind not in REFUSALS:
            raise ValueError(f"{said['code']!r} is a {kind} text, not a refusal")
        refusal = cls.__new__(cls)
        refusal.code, refusal.kind = said["code"], kind
        refusal.detail, refusal.values = None, {}
        refusal.message_en, refusal.message_ja, refusal.extra = said["message_en"], said["message_ja"], extra
        ResidentError.__init__(refusal, refusal.message_en)
        return refusal

    def said(self) -> dict:
        """The refusal as data: {"code", "message_en", "message_ja"} (kept with a result, raised later by `again`)."""
        return {"code": self.code, "message_en": self.message_en, "message_ja": self.message_ja}
