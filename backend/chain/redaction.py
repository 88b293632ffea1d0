"""RPC URLs out of what is said: a node's URL carries its credentials (https://x.alchemy.com/v2/KEY,
https://user:pass@host), so an error or a log line names a node by scheme, host and port only.

`ChainError` (backend/errors.py) redacts its reason with `redact` when it is made, whoever makes it; the
loggers web3 and urllib3 write URLs to get `RedactingFilter` when a `Chain` is built (backend/chain/client.py).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, urlsplit

HIDDEN = "***"
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>()]+")
# Shorter pieces of a URL's path or query (e.g. "v2", "rpc") are not keys, and replacing them would garble text.
MIN_SECRET_PIECE = 8
# The pieces of every RPC URL this process was given: a third-party log line may show one without its URL
# (urllib3 logs the path alone).
_known: set[str] = set()


def shown_url(url: str) -> str:
    """`url` as it may be shown: scheme://host[:port], with "/***" when it had a path, query or credentials."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return HIDDEN
    if not parts.scheme or not host:
        return HIDDEN
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    hidden = parts.username is not None or parts.path not in ("", "/") or parts.query or parts.fragment
    return f"{parts.scheme}://{netloc}" + (f"/{HIDDEN}" if hidden else "")


def secret_pieces(url: str) -> set[str]:
    """What of `url` must never be shown: its credentials, path, query, and their longer parts."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return {url}
    pieces = set()
    if parts.username is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        pieces |= {userinfo, unquote(userinfo), parts.password or "", unquote(parts.password or "")}
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    if tail not in ("", "/"):
        pieces |= {tail, unquote(tail)}
    for part in re.split(r"[/?&=#;]", tail):
        pieces |= {part, unquote(part)}
    return {p for p in pieces if len(p) >= MIN_SECRET_PIECE}


def remember(url: str) -> None:
    """Makes `redact` hide `url`'s pieces wherever they appear, in any text, from now on."""
    _known.update(secret_pieces(url))


def redact(text: str, *urls: str) -> str:
    """`text` with every URL shown as `shown_url` and the secret pieces of `urls` (and remembered ones) hidden."""
    text = _URL.sub(lambda m: shown_url(m.group()), str(text))
    pieces = set(_known)
    for url in urls:
        pieces |= secret_pieces(url)
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, HIDDEN)
    return text


class RedactingFilter(logging.Filter):
    """Redacts a record's message before any handler formats it (the record keeps no arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's to report, with its arguments unshown
            record.msg, record.args = redact(str(record.msg)), None
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def guard_logger(logger: logging.Logger) -> None:
    """Puts a RedactingFilter on `logger` (once): records it creates are redacted."""
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
