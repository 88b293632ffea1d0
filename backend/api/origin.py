"""Cross-site request forgery: a state change a browser makes with our session cookie must come from our pages.

Session cookies are SameSite=Lax, and Lax still sends them from another port of the same host (same
site, another origin) and on top-level form POSTs; a form needs no CORS preflight, so a page elsewhere
could use a signed-in staff member's cookie. So every request that may change state (any method but
GET, HEAD, OPTIONS) is checked here, ahead of everything else (RedeemFastPath included):

- a bearer token (`Authorization: Bearer`) or an API key header (X-Bot-Key, X-Partner-Key) passes: the
  session comes from the header, never from a cookie, and no page elsewhere can add such a header
  without a CORS preflight, which this backend never grants;
- `Origin`, when present, must be this backend's: `settings.public_url`'s origin or the request's own
  scheme://host:port; `Sec-Fetch-Site`, when present, must be "same-origin" (or "none": typed by the
  user). Otherwise 403 `cross_origin_refused`, with or without a cookie: a sign-in from elsewhere
  (login CSRF) is refused too;
- with neither header (curl, scripts, server-to-server clients), a request that carries one of our
  session cookies is refused: every browser we serve sends `Origin` on POST, PUT, PATCH and DELETE,
  and our own clients (desk, console, bench, fuzzer) use bearer tokens or the pages. Without a cookie
  it passes: it has no credentials to forge.
"""

from __future__ import annotations

from starlette.requests import cookie_parser

from backend.api.handlers import refusal_body
from backend.auth.sessions import COOKIE_NAMES
from backend.errors import Refusal
from backend.origins import origin_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_HEADERS = frozenset({b"x-bot-key", b"x-partner-key"})
SESSION_COOKIES = frozenset(COOKIE_NAMES.values())
FETCH_SITES_OK = frozenset({"same-origin", "none"})


def has_bearer(value: bytes) -> bool:
    """As backend/auth/sessions.py `token_from_request` reads it: a bearer token wins over any cookie."""
    scheme, _, rest = value.decode("latin-1").partition(" ")
    return scheme.lower() == "bearer" and bool(rest.strip())


class SameOrigin:
    """ASGI middleware refusing cross-origin state changes that a browser would make with our cookies."""

    def __init__(self, app, public_url: str) -> None:
        self.app = app
        self.public_origin = origin_of(public_url)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or self._allowed(scope):
            return await self.app(scope, receive, send)
        response = refusal_body(Refusal("cross_origin_refused"))
        await response(scope, receive, send)

    def _allowed(self, scope) -> bool:
        origin = fetch_site = host = None
        cookies = []
        for name, value in scope["headers"]:
            if name == b"authorization" and has_bearer(value):
                return True
            if name in KEY_HEADERS and value.strip():
                return True
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"sec-fetch-site":
                fetch_site = value.decode("latin-1").strip().lower()
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"cookie":
                cookies.append(value.decode("latin-1"))
        if origin is None and fetch_site is None:
            return not any(SESSION_COOKIES & cookie_parser(c).keys() for c in cookies)
        if fetch_site is not None and fetch_site not in FETCH_SITES_OK:
            return False
        if origin is None:
            return True
        said = origin_of(origin)  # "null" (sandboxed frames, opaque redirects) is never ours
        own = origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None
        return said is not None and said in (self.public_origin, own)
