"""Forum access: this backend is a DiscourseConnect provider (Discourse's "official SSO").

Protocol (https://meta.discourse.org/t/13045), as Discourse speaks it:
1. Discourse redirects the browser to `GET /forum/sso?sso=<payload>&sig=<hex>` where payload is
   base64("nonce=...&return_sso_url=...") and sig = hex(HMAC-SHA256(discourse_connect_secret, payload)).
2. We find the forum registered for return_sso_url's origin and check the sig (constant time) with THAT
   forum's secret (each forum has its own, generated here: one forum's operator cannot sign for another
   forum, nor read another forum's answers), that the browser
   has a holder session (a browser without one goes to the holder page, which signs in and comes back:
   `sign_in_redirect`), and that the holder owns a VALID card of the forum's collection (from the index,
   at every login: a holder who lost the card is refused the next time).
3. We redirect to return_sso_url?sso=<base64(answer)>&sig=<hex HMAC of it under the forum's secret>, the answer carrying the
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
  only adds to groups that already exist: create them in the forum's admin. Every such name must be a valid
  Discourse group name of at most 20 characters (its max_username_length default): checked at registration.
- A forum belongs to the municipality of its collection: another municipality cannot register the same URL
  (origin) again. Its DiscourseConnect secret is generated here, shown once (registration, rotation) and kept
  sealed (backend/auth/sealed.py) under Settings.sealing_key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.errors import NoValidCard, NotFound, SsoBadRequest, SsoUnknownForum
from backend.auth.sealed import SealBroken, seal, unseal
from backend.auth.secrets import secrets_equal
from backend.cards import CardView, cards_of_owner
from backend.db.models_access import Forum
from backend.db.models_chain import Collection
from backend.errors import Refusal
from backend.origins import origin_of

log = logging.getLogger(__name__)

MAX_PAYLOAD_CHARS = 4096
# The holder page (backend/web/pages.py): it signs a holder in, then goes on to its `?next=` path.
HOLDER_PAGE = "/"
# Discourse's default min/max_username_length, which its group names follow too.
MIN_GROUP_NAME, MAX_GROUP_NAME = 3, 20
MAX_TIER = 127
SECRET_PURPOSE = "forum-sso"  # backend/auth/sealed.py: the key forums' secrets are sealed under


@dataclass(frozen=True)
class SsoRequest:
    """What Discourse asks: answer `nonce` at `return_sso_url`."""

    nonce: str
    return_sso_url: str


def sign(payload: str, secret: str) -> str:
    """hex(HMAC-SHA256(secret, payload)), the `sig` of a DiscourseConnect payload."""
    return hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def decode_request(sso: str) -> SsoRequest:
    """The nonce and return URL of a request, NOT yet trusted: the return URL says which forum's secret checks
    the signature (parse_request, open_request)."""
    if not sso or len(sso) > MAX_PAYLOAD_CHARS:
        raise SsoBadRequest("sso_missing")
    try:
        decoded = base64.b64decode(sso, validate=False).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, non-ASCII input: all ValueErrors
        raise SsoBadRequest("sso_not_base64") from None
    fields = parse_qs(decoded, keep_blank_values=True)
    nonce = fields.get("nonce", [""])[0]
    return_url = fields.get("return_sso_url", [""])[0]
    if not nonce or not return_url:
        raise SsoBadRequest("sso_incomplete")
    try:
        scheme = urlsplit(return_url).scheme
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal), which anyone may send unsigned
        scheme = ""
    if scheme not in ("http", "https"):
        raise SsoBadRequest("sso_bad_return_url")
    return SsoRequest(nonce=nonce, return_sso_url=return_url)


def check_signature(sso: str, sig: str, secret: str) -> None:
    """SsoBadRequest unless `sig` is the HMAC of `sso` under `secret`."""
    if not secret:
        raise SsoBadRequest("sso_no_secret")
    if not sso or not sig or len(sso) > MAX_PAYLOAD_CHARS or len(sig) > 128:
        raise SsoBadRequest("sso_missing")
    # The HMAC covers the payload exactly as sent (older Discourse versions wrap base64 with newlines).
    if not secrets_equal(sign(sso, secret), sig.strip().lower()):
        raise SsoBadRequest()


def parse_request(sso: str, sig: str, secret: str) -> SsoRequest:
    """Verify the signature of an incoming request under `secret` and decode its nonce and return URL."""
    check_signature(sso, sig, secret)
    return decode_request(sso)


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
    origin = origin_of(return_sso_url)
    return origin is not None and origin == origin_of(forum_url)


# --- a forum's URL and group names, as registration checks them ---------------------------------------------
# Discourse's UsernameValidator, which group names go through (ASCII names; we send lower case).
_GROUP_CHARS = re.compile(r"[a-z0-9_.-]+")
_GROUP_REPEATED_SPECIAL = re.compile(r"[-_.]{2,}")


def forum_origin(url: str) -> str:
    """origin_of (backend/origins.py), refused when the URL is not an http(s) URL with a host."""
    origin = origin_of(url)
    if origin is None:
        raise Refusal("forum_url_invalid", url=url[:200])
    return origin


def group_names(prefix: str, max_tier: int) -> list[str]:
    """Every Discourse group a forum's holders may be put in (tier_groups)."""
    return [f"{prefix}_holders", *(f"{prefix}_tier_{t}" for t in range(max_tier + 1))]


def group_name_fits(name: str) -> bool:
    """Discourse accepts `name` as a group name: 3-20 of a-z 0-9 _ . -, starting with a letter, digit or _,
    ending with a letter or digit, no two of _ . - in a row."""
    return (MIN_GROUP_NAME <= len(name) <= MAX_GROUP_NAME and bool(_GROUP_CHARS.fullmatch(name))
            and (name[0].isalnum() or name[0] == "_") and name[-1].isalnum()
            and not _GROUP_REPEATED_SPECIAL.search(name))


def check_group_prefix(prefix: str, max_tier: int) -> None:
    """Refuses a prefix for which a group name would be too long for Discourse, or not a valid name."""
    names = group_names(prefix, max_tier)
    longest = max(names, key=len)
    if len(longest) > MAX_GROUP_NAME:
        raise Refusal("group_name_too_long", group=longest, length=len(longest), limit=MAX_GROUP_NAME,
                      max_prefix=MAX_GROUP_NAME - (len(longest) - len(prefix)))
    for name in names:
        if not group_name_fits(name):
            raise Refusal("group_name_invalid", group=name, prefix=prefix)


# --- registered forums and their secrets (database side) ------------------------------------------------------
def new_secret() -> str:
    """A DiscourseConnect secret: 64 hex characters, easy to paste into Discourse's settings."""
    return secrets.token_hex(32)


def _seal_secret(forum: Forum, secret: str, sealing_key: str, now: int) -> None:
    forum.sso_secret = seal(sealing_key, SECRET_PURPOSE, secret, bound_to=f"forum:{forum.id}")
    forum.secret_set_at = now


def forum_secret(forum: Forum, sealing_key: str) -> str:
    """The forum's DiscourseConnect secret; "" when it has none (registered before secrets were per forum)
    or it does not open (the sealing key changed): an admin rotates it."""
    if not forum.sso_secret:
        return ""
    try:
        return unseal(sealing_key, SECRET_PURPOSE, forum.sso_secret, bound_to=f"forum:{forum.id}")
    except SealBroken:
        log.warning("forum %s: its DiscourseConnect secret does not open under this sealing key; rotate it",
                    forum.id)
        return ""


@dataclass(frozen=True)
class Registered:
    """A registered forum and, when this call made it one, its new secret (shown once; else None)."""

    forum: Forum
    secret: str | None


def register_forum(
    db: Session, collection_id: int, url: str, *, sealing_key: str, name: str = "", group_prefix: str | None = None,
    max_tier: int = 1, now: int | None = None,
) -> Registered:
    """Register the forum at `url`'s origin, gated by `collection_id`, with a new secret; or update it when it
    is already this municipality's (its secret stays). Another municipality's forum is refused. The caller
    commits."""
    collection = db.get(Collection, collection_id)
    if collection is None:
        raise NotFound("no_such_collection", collection_id=collection_id)
    if not 0 <= max_tier <= MAX_TIER:
        raise Refusal("forum_max_tier", max_tier=max_tier, limit=MAX_TIER)
    origin = forum_origin(url)
    prefix = group_prefix or collection.symbol.lower()
    check_group_prefix(prefix, max_tier)
    forum = db.scalar(select(Forum).where(Forum.url == origin).with_for_update())
    if forum is not None:
        owner = db.get(Collection, forum.collection_id)
        if owner is None or owner.municipality_id != collection.municipality_id:
            raise Refusal("forum_of_another_municipality", url=origin)
        forum.collection_id, forum.group_prefix, forum.max_tier = collection_id, prefix, max_tier
        forum.name = name or forum.name
        db.flush()
        return Registered(forum, None)
    forum = Forum(url=origin, collection_id=collection_id, name=name or origin, group_prefix=prefix,
                  max_tier=max_tier)
    db.add(forum)
    db.flush()  # the id the secret is sealed to
    secret = new_secret()
    _seal_secret(forum, secret, sealing_key, now if now is not None else int(time.time()))
    db.flush()
    return Registered(forum, secret)


def rotate_secret(db: Session, forum: Forum, *, sealing_key: str, now: int | None = None) -> str:
    """A new secret for `forum` (the old one stops working at once); returned to be shown once."""
    secret = new_secret()
    _seal_secret(forum, secret, sealing_key, now if now is not None else int(time.time()))
    db.flush()
    return secret


def forums_of(db: Session, municipality_id: int) -> list[Forum]:
    """The forums of a municipality's collections, in registration order."""
    return list(db.scalars(select(Forum).join(Collection, Collection.id == Forum.collection_id)
                           .where(Collection.municipality_id == municipality_id).order_by(Forum.id)))


def forum_of_municipality(db: Session, municipality_id: int, forum_id: int) -> Forum:
    """The forum `forum_id` if it is this municipality's; NotFound otherwise (another's is not shown)."""
    forum = db.get(Forum, forum_id)
    owner = db.get(Collection, forum.collection_id) if forum is not None else None
    if owner is None or owner.municipality_id != municipality_id:
        raise NotFound("no_such_forum", forum_id=forum_id)
    return forum


def forum_for(db: Session, return_sso_url: str) -> Forum:
    """The registered forum that `return_sso_url` belongs to; SsoUnknownForum otherwise (open redirect guard)."""
    origin = origin_of(return_sso_url)
    forum = db.scalar(select(Forum).where(Forum.url == origin)) if origin is not None else None
    if forum is None:
        raise SsoUnknownForum()
    return forum


@dataclass(frozen=True)
class ForumRequest:
    """A request whose signature was checked with the secret of the forum it names."""

    request: SsoRequest
    forum: Forum
    secret: str


def open_request(db: Session, sso: str, sig: str, sealing_key: str) -> ForumRequest:
    """Decode the payload, find the forum of its return URL, and check the signature with that forum's secret.
    A request signed with another forum's secret is refused like any bad signature."""
    if not sso or not sig:
        raise SsoBadRequest("sso_missing")
    request = decode_request(sso)
    forum = forum_for(db, request.return_sso_url)
    secret = forum_secret(forum, sealing_key)
    check_signature(sso, sig, secret)
    return ForumRequest(request, forum, secret)


def best_valid_card(db: Session, address: str, collection_id: int, now: float) -> CardView | None:
    """The holder's valid card with the highest tier in the collection, from the index; None if none."""
    valid = [card for card in cards_of_owner(db, address, collection_id=collection_id) if card.valid_now(now)]
    return max(valid, key=lambda card: (card.tier, -card.token_id), default=None)


def login_redirect(db: Session, opened: ForumRequest, address: str, public_url: str, now: float) -> str:
    """The URL that logs the holder into the forum, signed with the forum's secret; NoValidCard when they hold
    no valid card (checked at every login, from the index)."""
    forum = opened.forum
    card = best_valid_card(db, address, forum.collection_id, now)
    if card is None:
        raise NoValidCard()
    fields = answer_fields(nonce=opened.request.nonce, chain_id=card.chain_id, address=address,
                           tier=card.tier, prefix=forum.group_prefix,
                           max_tier=max(forum.max_tier, card.tier), public_url=public_url)
    return answer_url(opened.request.return_sso_url, fields, opened.secret)
