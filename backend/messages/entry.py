"""What one catalogue entry is: the Japanese and English text of a code, and what sort of answer it is."""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter

# Refusals, by what went wrong (backend/api/handlers.py maps each to an HTTP status).
BAD_REQUEST = "bad_request"        # the request cannot be read at all
INVALID = "invalid"                # readable, but a value is not acceptable
UNAUTHORIZED = "unauthorized"      # who you are is not established
FORBIDDEN = "forbidden"            # who you are may not do this
NOT_FOUND = "not_found"
NOT_ALLOWED = "not_allowed"        # this method is not offered here
CONFLICT = "conflict"              # the current state does not allow it
GONE = "gone"                      # it existed and has expired
TOO_LARGE = "too_large"
UNSUPPORTED = "unsupported"        # a content type the route does not read
TOO_MANY = "too_many"              # try again later
FAILED = "failed"                  # our fault (logged)
UNAVAILABLE = "unavailable"        # a service we need (chain node, issuer, mail) is missing or down
REFUSALS = frozenset({BAD_REQUEST, INVALID, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED, CONFLICT, GONE,
                      TOO_LARGE, UNSUPPORTED, TOO_MANY, FAILED, UNAVAILABLE})

# Texts that are not a refusal by themselves.
VERDICT = "verdict"                # a perk/venue verdict or a campaign reason, shown as data in a 200 answer
DETAIL = "detail"                  # appended to a refusal's text to say which part failed
TEXT = "text"                      # any other sentence the backend writes (mail, job notes, problem lines)
KINDS = REFUSALS | {VERDICT, DETAIL, TEXT}


@dataclass(frozen=True, slots=True)
class Message:
    """One code's text in both languages; `{name}` placeholders are filled by `text()`."""

    ja: str
    en: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown message kind {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Label:
    """A request field's name as the pages write it."""

    ja: str
    en: str


@dataclass(frozen=True, slots=True)
class Texts:
    """One message filled in, in both languages (named, so the order can never be mixed up)."""

    ja: str
    en: str


def placeholders(template: str) -> set[str]:
    """The names of the `{name}` fields in `template`."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in Formatter().parse(template) if name}
