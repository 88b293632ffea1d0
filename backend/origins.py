"""The one spelling of a web origin (RFC 6454): scheme://host[:port], as browsers write the Origin header.

Sign-in (the SIWE message's URI against the public URL), the cross-origin check (Origin against this
backend) and forum registration (one forum per site) all compare origins; they must agree on what is the
same site, or a forum URL spelled `HTTPS://Forum.Example:443/` would be another forum in one place and the
same origin in another.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL: lower case, IDN as punycode, no trailing dot, no default
    port, no user info, path, query or fragment; None when it is not an http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return None
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    if not literal:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
        if not _HOST_NAME.fullmatch(host):
            return None
    elif ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"
