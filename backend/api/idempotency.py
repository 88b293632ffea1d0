"""Idempotency keys for console actions that send a transaction: the outbox (backend/chain/outbox) stores each
transaction once per key, so a request submitted twice (a double click, a retry after a lost answer) sends once
and both answers tell of the same transaction.

A client may name the attempt with an `Idempotency-Key` header (the same value on a retry); without one the key is
the action and the ids it acts on, and for a creation the digest of what was asked. Keys are scoped to the
municipality and the staff member, so one town's key can never find another's transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import Header

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[!-~]+$",
    description="The same value on a retry of the same request: its transaction is sent once")]


def request_key(action: str, *ids: object, given: str | None = None, body: Any = None) -> str:
    """`action:id:…:<given key | digest of body>`, at most 160 characters (the outbox's column)."""
    parts = [action, *(str(i) for i in ids)]
    if given:
        parts.append("key=" + given)
    elif body is not None:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        parts.append(hashlib.sha256(text.encode()).hexdigest()[:32])
    return ":".join(parts)[:160]
