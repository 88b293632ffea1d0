"""Forum access: this backend is a DiscourseConnect provider (Discourse's "official SSO").

Protocol (https://meta.discourse.org/t/13045), as Discourse speaks it:
1. Discourse redirects the browser to `GET /forum/sso?sso=<payload>&sig=<hex>` where payload is
   base64("nonce=...&return_sso_url=...") and sig = hex(HMAC-SHA256(discourse_connect_secret, payload)).
2. We check the sig (constant time), that return_sso_url is a forum registered here, that the browser
   has a holder session (a browser without one goes to the holder page, which signs in and comes back:
   `sign_in_redirect`), and that the holder owns a VALID card of the forum's collection (from the index,
   at every login: a holder who lost the card is refused the next time).
3. We redirect to return_sso_url?sso=<base64(answer)>&sig=<hex HMAC of it>, the answer carrying the
   nonce, external_id, username, email, add_groups / remove_groups and require_activation=false.

Choices (documented here because Discourse keeps them forever):
- external_id = sha256("resident-forum:v1:<chain id>:<lower-case address>") in hex: stable per wallet and
  chain, not the token id (a re-issued or upgraded card keeps the forum account) and not the resident
  number (a traded card must not hand its forum account to the buyer). A holder moved to a new wallet by
  re-issue gets a new forum account; forum admins can merge accounts in Discourse.
- Discourse requires an email and trusts it to match accounts. We know none, so we send a
  per-holder address that cannot receive mail and cannot collide with a real one:
  <first 32 hex of external_id>@users.noreply.<domain> (domain from the site's public URL, or
  `resident.invalid` (RFC 2606) for an IP or localhost); hence require_activation=false is safe.
- Groups: <prefix>_holders for every holder, <prefix>_tier_<n> for the holder's highest valid tier; the
  other tiers 0..max_tier go to remove_groups so a downgrade takes effect at the next login. Discourse
  only adds to groups that already exist: create them in the forum's admin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.errors import NoValidCard, NotFound, SsoBadRequest, SsoUnknownForum
from backend.auth.secrets import secrets_equal
from backend.auth.signin import origin_of
from backend.cards import CardView, cards_of_owner
from backend.db.models_access import Forum
from backend.db.models_chain import Collection

MAX_PAYLOAD_CHARS = 4096
# The holder page (backend/web/pages.py): it signs a holder in, then goes on to its `?next=` path.
HOLDER_PAGE = "/"
GROUP_PREFIX = re.compile(r"^[a-z0-9_]{2,30}$")


@dataclass(frozen=True)
class SsoRequest:
    """What Discourse asks: answer `nonce` at `return_sso_url`."""

    nonce: str
    return_sso_url: str


def sign(payload: str, secret: str) -> str:
    """hex(HMAC-SHA256(secret, payload)), the `sig` of a DiscourseConnect payload."""
    return hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_request(sso: str, sig: str, secret: str) -> SsoRequest:
    """Verify the signature of an incoming request and decode its nonce and return URL."""
    if not secret:
        raise SsoBadRequest("sso_no_secret")
    if not sso or not sig or len(sso) > MAX_PAYLOAD_CHARS or len(sig) > 128:
        raise SsoBadRequest("sso_missing")
    # The HMAC covers the payload exactly as sent (older Discourse versions wrap base64 with newlines).
    if not secrets_equal(sign(sso, secret), sig.strip().lower()):
        raise SsoBadRequest()
    try:
        decoded = base64.b64decode(sso, validate=False).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII input: all ValueErrors
        raise SsoBadRequest("sso_not_base64") from None
    fields = parse_qs(decoded, keep_blank_values=True)
    nonce = fields.get("nonce", [""])[0]
    return_url = fields.get("return_sso_url", [""])[0]
    if not nonce or not return_url:
        raise SsoBadRequest("sso_incomplete")
    if urlsplit(return_url).scheme not in ("http", "https"):
        raise SsoBadRequest("sso_bad_return_url")
    return SsoRequest(nonce=nonce, return_sso_url=return_url)


def sign_in_redirect(sso: str, sig: str) -> str:
    """Where a browser without a holder session goes: the holder page, which comes back to this same request
    once signed in."""
    back = f"/forum/sso?{urlencode({'sso': sso, 'sig': sig})}"
    return f"{HOLDER_PAGE}?{urlencode({'next': back})}"


def build_answer(fields: dict[str, str], secret: str) -> tuple[str, str]:
    """(sso, sig) for an answer: base64 of the URL-encoded fields, and its HMAC."""
    payload = base64.b64encode(urlencode(fields).encode("utf-8")).decode("ascii")
    return payload, sign(payload, secret)


def answer_url(return_sso_url: str, fields: dict[str, str], secret: str) -> str:
    """The URL to redirect the browser to: return_sso_url with sso and sig appended."""
    sso, sig = build_answer(fields, secret)
    separator = "&" if urlsplit(return_sso_url).query else "?"
    return f"{return_sso_url}{separator}{urlencode({'sso': sso, 'sig': sig})}"


def decode_answer(sso: str, sig: str, secret: str) -> dict[str, str]:
    """Verify and decode an answer, the way Discourse does (used by tests and by forum operators)."""
    if not secrets_equal(sign(sso, secret), sig):
        raise SsoBadRequest()
    decoded = base64.b64decode(sso).decode("utf-8")
    return {key: values[0] for key, values in parse_qs(decoded, keep_blank_values=True).items()}


def external_id(chain_id: int, address: str) -> str:
    """The forum identity of a wallet on a chain (see the module docstring for why)."""
    return hashlib.sha256(f"resident-forum:v1:{chain_id}:{address.lower()}".encode()).hexdigest()


def username_for(address: str) -> str:
    """A suggested username (Discourse's default limit is 20 characters; it de-duplicates itself)."""
    return f"holder_{address[2:10].lower()}"


def email_domain(public_url: str) -> str:
    """A mail domain under the site's own name, or the reserved `resident.invalid` for IPs and localhost."""
    host = (urlsplit(public_url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return "resident.invalid"
    except ValueError:
        pass
    if "." not in host:
        return "resident.invalid"
    return host


def placeholder_email(ext_id: str, public_url: str) -> str:
    """An address that cannot receive mail and cannot collide with a real person's."""
    return f"{ext_id[:32]}@users.noreply.{email_domain(public_url)}"


def tier_groups(prefix: str, tier: int, max_tier: int) -> tuple[list[str], list[str]]:
    """(add_groups, remove_groups) for a holder whose best valid card has `tier`."""
    add = [f"{prefix}_holders", f"{prefix}_tier_{tier}"]
    remove = [f"{prefix}_tier_{t}" for t in range(max_tier + 1) if t != tier]
    return add, remove


def answer_fields(
    *, nonce: str, chain_id: int, address: str, tier: int, prefix: str, max_tier: int, public_url: str
) -> dict[str, str]:
    """The fields of a successful answer for a holder whose best valid card has `tier`."""
    ext_id = external_id(chain_id, address)
    add, remove = tier_groups(prefix, tier, max_tier)
    return {
        "nonce": nonce,
        "external_id": ext_id,
        "email": placeholder_email(ext_id, public_url),
        "username": username_for(address),
        "name": username_for(address),
        "add_groups": ",".join(add),
        "remove_groups": ",".join(remove),
        "require_activation": "false",
        "suppress_welcome_message": "false",
    }


def same_forum(return_sso_url: str, forum_url: str) -> bool:
    """True when the return URL is on the registered forum's origin (scheme, host and port)."""
    return origin_of(return_sso_url) == origin_of(forum_url)


# --- registered forums and the answer for a holder (database side) ----------------------------------------
def register_forum(
    db: Session, collection_id: int, url: str, *, name: str = "", group_prefix: str | None = None, max_tier: int = 1,
) -> Forum:
    """Register (or update) the forum at `url`'s origin, gated by `collection_id`. The caller commits."""
    collection = db.get(Collection, collection_id)
    if collection is None:
        raise NotFound("no_such_collection", collection_id=collection_id)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ValueError(f"the forum URL must be an http(s) URL, got {url!r}")
    if not 0 <= max_tier <= 127:
        raise ValueError("max_tier must be between 0 and 127")
    origin = origin_of(url)
    prefix = group_prefix or collection.symbol.lower()
    if not GROUP_PREFIX.match(prefix):
        raise ValueError("group_prefix must be 2-30 of a-z, 0-9 and '_' (Discourse group names)")
    forum = db.scalar(select(Forum).where(Forum.url == origin))
    if forum is None:
        forum = Forum(url=origin, collection_id=collection_id, name=name or origin, group_prefix=prefix,
                      max_tier=max_tier)
        db.add(forum)
    else:
        forum.collection_id, forum.group_prefix, forum.max_tier = collection_id, prefix, max_tier
        forum.name = name or forum.name
    db.flush()
    return forum


def forum_for(db: Session, return_sso_url: str) -> Forum:
    """The registered forum that `return_sso_url` belongs to; SsoUnknownForum otherwise (open redirect guard)."""
    forum = db.scalar(select(Forum).where(Forum.url == origin_of(return_sso_url)))
    if forum is None:
        raise SsoUnknownForum()
    return forum


def best_valid_card(db: Session, address: str, collection_id: int, now: float) -> CardView | None:
    """The holder's valid card with the highest tier in the collection, from the index; None if none."""
    valid = [card for card in cards_of_owner(db, address, collection_id=collection_id) if card.valid_now(now)]
    return max(valid, key=lambda card: (card.tier, -card.token_id), default=None)


def login_redirect(db: Session, request: SsoRequest, address: str, settings, now: float) -> str:
    """The URL that logs the holder into the forum; NoValidCard when they hold no valid card (checked at
    every login, from the index)."""
    forum = forum_for(db, request.return_sso_url)
    card = best_valid_card(db, address, forum.collection_id, now)
    if card is None:
        raise NoValidCard()
    fields = answer_fields(nonce=request.nonce, chain_id=card.chain_id, address=address,
                           tier=card.tier, prefix=forum.group_prefix,
                           max_tier=max(forum.max_tier, card.tier), public_url=settings.public_url)
    return answer_url(request.return_sso_url, fields, settings.discourse_sso_secret)
